#!/usr/bin/env bash
# CLI test of `r1forge train-tokenizer` and `r1forge tokenize`, driving the built binary:
# trains into a model folder and a .model file, checks the ids against spm_encode (Debian's
# SentencePiece tool, an independent oracle), the decode round trip, and that bad input exits
# 1 or 2 with a message naming the file and line, leaving no output file behind.
# Usage: cli_test.sh PATH/TO/r1forge
set -uo pipefail
bin="$1"
source "$(dirname "${BASH_SOURCE[0]}")/cli_util.sh"

# A deterministic corpus: arithmetic in the R1 answer format plus English and Chinese lines.
awk 'BEGIN { srand(7); for (i = 0; i < 2000; i++) {
  a = int(rand() * 1000); b = int(rand() * 1000);
  printf "<think> %d + %d = %d </think> <answer> %d </answer>\n", a, b, a + b, a + b;
  print "we add the two numbers then check the carry digit";
  print "你好世界，我们计算一下结果。" } }' >"$work/corpus.txt"
symbols="<think>,</think>,<answer>,</answer>"

# ---- training into a folder keeps unrelated files; into a .model gives the same bytes
mkdir -p "$work/model"
echo '{"model_type": "llama"}' >"$work/model/config.json"
expect_exit 0 train-tokenizer --input "$work/corpus.txt" --out "$work/model" --vocab-size 200 \
  --user-symbols "$symbols"
for f in tokenizer.model tokenizer_config.json special_tokens_map.json; do
  [ -s "$work/model/$f" ] || fail "train-tokenizer did not write $f"
done
[ "$(cat "$work/model/config.json")" = '{"model_type": "llama"}' ] || fail "config.json was touched"
expect_exit 0 train-tokenizer --input "$work/corpus.txt" --out "$work/m.model" --vocab-size 200 \
  --user-symbols "$symbols"
cmp -s "$work/m.model" "$work/model/tokenizer.model" || fail "retraining is not byte-identical"

# ---- encode: ids equal spm_encode's; user symbols are single ids 4..7
texts=("<think> 12 + 34 = 46 </think> <answer> 46 </answer>" "we add the carry digit"
       "你好世界" "the answer is 1234567" "<answer>9</answer>")
: >"$work/texts.txt"; : >"$work/in.jsonl"
for t in "${texts[@]}"; do
  printf '%s\n' "$t" >>"$work/texts.txt"
  printf '{"text":"%s"}\n' "$t" >>"$work/in.jsonl"  # the spacing JsonlWriter writes
done
expect_exit 0 tokenize --tokenizer "$work/model" --input "$work/in.jsonl" --output "$work/ids.jsonl"
sed -e 's/^{"ids":\[//' -e 's/\]}$//' -e 's/,/ /g' "$work/ids.jsonl" >"$work/ours.txt"
if command -v spm_encode >/dev/null; then
  spm_encode --model "$work/m.model" --output_format=id <"$work/texts.txt" >"$work/oracle.txt"
  diff "$work/ours.txt" "$work/oracle.txt" >&2 || fail "ids differ from spm_encode"
else
  echo "note: spm_encode not installed; oracle comparison skipped" >&2
fi
for id in 4 5 6 7; do  # <think> </think> <answer> </answer>, each one id, once in line 1
  [ "$(head -n 1 "$work/ours.txt" | tr ' ' '\n' | grep -cx "$id")" = 1 ] || fail "symbol id $id"
done
# The .model file and the folder give the same ids; stdin input works.
"$bin" tokenize --tokenizer "$work/m.model" <"$work/in.jsonl" >"$work/ids_file.jsonl" ||
  fail "tokenize from stdin failed"
cmp -s "$work/ids.jsonl" "$work/ids_file.jsonl" || fail "folder and .model give different ids"
# --add-special-tokens prepends BOS (id 1) and nothing else.
"$bin" tokenize --tokenizer "$work/model" --add-special-tokens <"$work/in.jsonl" |
  sed -e 's/^{"ids":\[1,/{"ids":[/' | cmp -s - "$work/ids.jsonl" || fail "BOS handling"

# ---- decode round trip (the texts are already in SentencePiece's normalised form)
expect_exit 0 tokenize --tokenizer "$work/model" --decode --input "$work/ids.jsonl" \
  --output "$work/decoded.jsonl"
cmp -s "$work/decoded.jsonl" "$work/in.jsonl" ||
  fail "decode(encode(text)) != text: $(head -3 "$work/decoded.jsonl")"

# ---- bad input: exit 1 or 2, message names the file and line, no output file left
bad() {  # bad NAME EXIT MESSAGE [tokenize flags...] <content
  local name="$1" want="$2" message="$3"; shift 3
  cat >"$work/$name.jsonl"
  rm -f "$work/bad_out.jsonl"
  expect_exit "$want" tokenize --tokenizer "$work/model" --input "$work/$name.jsonl" \
    --output "$work/bad_out.jsonl" "$@"
  expect_message "$message"
  [ ! -e "$work/bad_out.jsonl" ] || fail "$name: a partial output file was left"
}
printf '{"text": "ok"}\n{"txt": "no text key"}\n' | bad no_text 1 "no_text.jsonl:2"
printf '{"text": "ok"}\n\n{"text": "unterminated\n' | bad bad_json 1 "bad_json.jsonl:3"
printf '{"ids": [1, 2]}\n{"ids": [5, "7"]}\n' | bad string_id 1 "string_id.jsonl:2: ids[1]" --decode
printf '{"ids": [5, 2.5]}\n' | bad float_id 1 "not an integer" --decode
printf '{"ids": [5, 99999]}\n' | bad big_id 1 "big_id.jsonl:1: ids[1] = 99999 is out of range" --decode
printf '{"ids": [-1]}\n' | bad negative_id 1 "out of range" --decode
printf '{"ids": 5}\n' | bad not_array 1 "not_array.jsonl:1" --decode

expect_exit 1 tokenize --tokenizer "$work/nowhere" --input "$work/in.jsonl"
expect_message "nowhere"
mkdir -p "$work/bpe" && echo '{}' >"$work/bpe/tokenizer.json"
expect_exit 2 tokenize --tokenizer "$work/bpe" --input "$work/in.jsonl"
expect_message "tokenizer.json"
printf 'not a model' >"$work/corrupt.model"
expect_exit 1 tokenize --tokenizer "$work/corrupt.model" --input "$work/in.jsonl"
expect_message "corrupt.model"
expect_exit 2 tokenize --input "$work/in.jsonl"  # --tokenizer is required
expect_exit 2 train-tokenizer --input "$work/missing.txt" --out "$work/x.model" --vocab-size 100
expect_message "missing.txt"
expect_exit 2 train-tokenizer --input "$work/corpus.txt" --out "$work/x.model" --vocab-size 100 \
  --model-type wordpiece
expect_exit 2 train-tokenizer --input "$work/corpus.txt" --out "$work/x.model" --vocab-size 90000
expect_message "Vocabulary size"
[ ! -e "$work/x.model" ] || fail "a failed training left x.model"
expect_exit 2 train-tokenizer --input "$work/corpus.txt" --out "$work/newdir" --vocab-size 90000
[ ! -e "$work/newdir" ] || fail "a failed training left the folder it created"
expect_exit 0 train-tokenizer --help
grep -q -- "--character-coverage" "$work/out" || fail "help lacks --character-coverage"

finish "tokenizer CLI"
