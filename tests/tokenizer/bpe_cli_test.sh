#!/usr/bin/env bash
# CLI test of `r1forge tokenize` with HF tokenizer.json tokenizers: a model folder and a
# tokenizer.json path give formats.md §4.7's Qwen3 ids, decode gives the text back, --stats
# reports the tokenizer, and a malformed tokenizer.json exits 2 naming the file and the key.
# Usage: bpe_cli_test.sh PATH/TO/r1forge TESTDATA_DIR (the shared test data: required).
set -uo pipefail
bin="$1" testdata="$2"
source "$(dirname "${BASH_SOURCE[0]}")/cli_util.sh"
qwen="$testdata/tokenizers/qwen3"
if [ ! -f "$qwen/tokenizer.json" ]; then
  echo "FAIL: the shared test data is missing: $qwen/tokenizer.json" >&2
  exit 1
fi

printf '%s\n' '{"text":"Hello, my dog is cute 12345\n\n<|im_start|>user\nWhat'"'"'s 2+2? 你好"}' \
  '{"text":"<think>\nabc\n</think>\n\nx"}' >"$work/in.jsonl"
expected='{"ids":[9707,11,847,5562,374,18838,220,16,17,18,19,20,271,151644,872,198,3838,594,220,17,10,17,30,220,108386]}
{"ids":[151667,198,13683,198,151668,271,87]}'
for source in "$qwen" "$qwen/tokenizer.json"; do
  "$bin" tokenize --tokenizer "$source" --input "$work/in.jsonl" --output "$work/ids.jsonl" \
    --stats 2>"$work/err" || fail "tokenize with $source: $(cat "$work/err")"
  [ "$(cat "$work/ids.jsonl")" = "$expected" ] || fail "$source gave $(cat "$work/ids.jsonl")"
  grep -q '"tokenizer":"byte-level BPE' "$work/err" || fail "--stats: $(cat "$work/err")"
done
"$bin" tokenize --tokenizer "$qwen" --decode --input "$work/ids.jsonl" --output "$work/out.jsonl" ||
  fail "decode failed"
cmp -s "$work/out.jsonl" "$work/in.jsonl" || fail "decode(encode(text)) != text: $(cat "$work/out.jsonl")"
# --skip-special-tokens drops <|im_start|> (special) but keeps <think> (added, not special).
"$bin" tokenize --tokenizer "$qwen" --decode --skip-special-tokens --input "$work/ids.jsonl" |
  grep -q '"text":"<think>' || fail "skip_special_tokens dropped <think>"

# A bad merge: exit 2, the message names the file and the JSON key.
mkdir -p "$work/bad"
sed 's/"Ġ t"/"Ġ  t"/' "$testdata/tokenizers/deepseek_v3/tokenizer.json" >"$work/bad/tokenizer.json"
"$bin" tokenize --tokenizer "$work/bad" --input "$work/in.jsonl" >/dev/null 2>"$work/err"
[ $? = 2 ] || fail "a bad merge did not exit 2"
grep -q 'bad/tokenizer.json: key model.merges\[' "$work/err" || fail "message: $(cat "$work/err")"

finish "tokenizer.json CLI"
