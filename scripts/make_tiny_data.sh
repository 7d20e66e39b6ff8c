#!/usr/bin/env bash
# Inputs of the tiny R1 pipelines (configs/r1-tiny.yaml, configs/tiny/smoke.yaml,
# configs/experiments/distill-vs-rl.yaml), generated with the seeded task generators:
#   DIR/arithmetic/{train,test}.jsonl   sums of 3..6 one-digit numbers, running-sum traces
#   DIR/corpus/corpus.jsonl             plain pretraining lines (half worked solutions)
#   DIR/instructions/{train,test}.jsonl rule-checkable instructions (non-reasoning data)
#   DIR/general.jsonl                   general-RL prompts: instructions + arithmetic
#   DIR/tokenizer/                      SentencePiece, the R1 tags as single tokens
# Usage: make_tiny_data.sh DIR [SIZE_SCALE]  (SIZE_SCALE=small for the smoke test).
# Quick when DIR/done exists (the files are a pure function of the seeds and sizes).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
r1forge="${R1F_BINARY:-${R1F_BUILD_DIR:-$root/build}/bin/r1forge}"
dir="$1"
scale="${2:-full}"
if [ "$scale" = small ]; then
  arithmetic=2000 corpus=4000 instructions=400 vocab=96
else
  arithmetic=20000 corpus=60000 instructions=3000 vocab=96
fi
stamp="$dir/done"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$scale $arithmetic $corpus $instructions $vocab" ]; then
  exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
"$r1forge" make-data --task arithmetic --out "$dir/arithmetic" --train "$arithmetic" --test 200 --seed 1
"$r1forge" make-data --task corpus --out "$dir/corpus" --train "$corpus" --seed 1
"$r1forge" make-data --task instructions --out "$dir/instructions" --train "$instructions" \
  --test 100 --seed 1
"$r1forge" train-tokenizer --out "$dir/tokenizer" --vocab-size "$vocab" --split-digits \
  --jsonl-field text --jsonl-field prompt --jsonl-field completion \
  --input "$dir/corpus/corpus.jsonl" --input "$dir/arithmetic/train.jsonl" \
  --input "$dir/instructions/train.jsonl" \
  --user-symbols "<think>,</think>,<answer>,</answer>"
# General-RL prompts: instructions and arithmetic together (the instruction reward checks the
# exact answer of both).
{ head -n "$instructions" "$dir/arithmetic/train.jsonl"; cat "$dir/instructions/train.jsonl"; } \
  >"$dir/general.jsonl"
echo "$scale $arithmetic $corpus $instructions $vocab" >"$stamp"
