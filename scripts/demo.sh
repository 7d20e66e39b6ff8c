#!/usr/bin/env bash
# The main job, until the R1 pipeline lands ([order 4] replaces this): build r1forge, then
#   1. write a small corpus of worked arithmetic in the R1 format (<think>..</think><answer>..),
#   2. train a SentencePiece tokenizer on it with the R1 tags as single tokens,
#   3. initialise a tiny Qwen2-family model sized to that vocabulary (HF folder),
#   4. tokenize and decode a line, and score completions with `r1forge logprobs`.
# Output goes to $R1F_DEMO_DIR (default runs/demo). Re-running starts the demo folder afresh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh" --target r1forge >/dev/null
r1forge="${R1F_BUILD_DIR:-$root/build}/bin/r1forge"
demo="${R1F_DEMO_DIR:-$root/runs/demo}"
rm -rf "$demo"
mkdir -p "$demo"

echo "== 1. corpus: worked sums in the R1 format"
awk 'BEGIN {
  srand(7);
  for (i = 0; i < 3000; i++) {
    n = 3 + int(rand() * 3); total = int(rand() * 10); line = "<think>";
    terms = total; running = total;
    for (k = 1; k < n; k++) {
      v = int(rand() * 10); terms = terms "+" v; old = running; running += v;
      line = line old "+" v "=" running " ";
    }
    printf "What is %s? %s</think><answer>%d</answer>\n", terms, line, running;
  }
}' >"$demo/corpus.txt"
head -n 2 "$demo/corpus.txt"

echo "== 2. tokenizer (SentencePiece, 256 pieces, R1 tags as single tokens)"
"$r1forge" train-tokenizer --input "$demo/corpus.txt" --out "$demo/model" --vocab-size 256 \
  --user-symbols "<think>,</think>,<answer>,</answer>"

echo "== 3. model: tiny Qwen2 (2 layers, width 64, GQA), random init"
"$r1forge" init-model --preset tiny-qwen2 --vocab-size 256 --out "$demo/model" --seed 1234
ls "$demo/model"

echo "== 4a. tokenize and decode"
echo '{"text":"What is 3+4+5? <think>3+4=7 7+5=12 </think><answer>12</answer>"}' |
  "$r1forge" tokenize --tokenizer "$demo/model" | tee "$demo/ids.jsonl"
"$r1forge" tokenize --tokenizer "$demo/model" --decode --input "$demo/ids.jsonl"

echo "== 4b. score completions (log p per token, nats) with the untrained model"
cat >"$demo/score.jsonl" <<'JSONL'
{"prompt": "What is 3+4+5? ", "completion": "<think>3+4=7 7+5=12 </think><answer>12</answer>"}
{"prompt": "What is 3+4+5? ", "completion": "<think>3+4=8 8+5=13 </think><answer>13</answer>"}
{"prompt_ids": [1, 5, 6, 7], "completion_ids": [8, 9, 10]}
JSONL
"$r1forge" logprobs --model "$demo/model" --input "$demo/score.jsonl" \
  --output "$demo/logprobs.jsonl" --threads 2
awk '{ n = gsub(/,/, ","); print "line " NR ": " (n + 1) " completion tokens scored" }' \
  "$demo/logprobs.jsonl"
head -c 300 "$demo/logprobs.jsonl"; echo
echo "demo finished: outputs in $demo"
