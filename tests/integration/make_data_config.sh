#!/usr/bin/env bash
# A config's make_data: section through the binary (data/make_data.h): `r1forge make-data
# --config` makes the folder with the same bytes as the per-task `r1forge make-data --task`
# commands, a second call finds it current, `r1forge stage` makes it before its stage in an
# empty folder, a SIGKILL just before the new folder is swapped in leaves the old one whole
# (and the next call makes the new one), and bad input exits 2 naming the file and the key.
# Usage: make_data_config.sh R1FORGE_BINARY WORK_DIR
set -euo pipefail
r1forge="$1"
work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/tests/integration/stall_util.sh"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() {
  echo "FAIL: $*"
  exit 1
}

# sizes ARITHMETIC_TRAIN: a config whose make_data: section is small (vocabulary 96, as the
# tiny configs) and whose one stage pretrains for one step on the corpus.
config() {
  cat <<EOF
run: {dir: runs/one, threads: 1}
model:
  init: tiny-qwen2
  tokenizer: data/tokenizer
  architecture: {hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1,
                 num_attention_heads: 2, num_key_value_heads: 1}
make_data:
  dir: data
  tasks:
    - {task: arithmetic, train: $1, test: 30, seed: 1}
    - {task: corpus, train: 600, seed: 1}
    - {task: instructions, train: 100, test: 20, seed: 1}
  mixes: [{file: general.jsonl, parts: [{file: arithmetic/train.jsonl, max_rows: 50},
                                        {file: instructions/train.jsonl}]}]
  tokenizer:
    split_digits: true
    user_symbols: ["<think>", "</think>", "<answer>", "</answer>"]
    inputs: [corpus/corpus.jsonl, arithmetic/train.jsonl, instructions/train.jsonl]
stages:
  - name: pretrain
    type: pretrain
    sft:
      data: {path: data/corpus/corpus.jsonl, max_length: 64, max_examples: 16}
      max_steps: 1
      batch_size: 4
EOF
}
config 300 >a.yaml
config 310 >b.yaml

# make-data --config: the folder, then "current" on the second call.
"$r1forge" make-data --config a.yaml >made.log 2>&1 || { cat made.log; fail "make-data --config"; }
grep -q "make_data: making data (no stamp" made.log || fail "first call: $(cat made.log)"
[ -f data/make_data.json ] || fail "no stamp"
"$r1forge" make-data --config a.yaml >again.log 2>&1
grep -q "make_data: data is current" again.log || fail "second call: $(cat again.log)"

# The same bytes as the task commands and train-tokenizer with the same settings.
"$r1forge" make-data --task arithmetic --out cli/arithmetic --train 300 --test 30 --seed 1 2>/dev/null
"$r1forge" make-data --task corpus --out cli/corpus --train 600 --seed 1 2>/dev/null
"$r1forge" make-data --task instructions --out cli/instructions --train 100 --test 20 --seed 1 \
  2>/dev/null
for f in arithmetic/train.jsonl arithmetic/test.jsonl corpus/corpus.jsonl \
  instructions/train.jsonl instructions/test.jsonl; do
  cmp -s "data/$f" "cli/$f" || fail "data/$f differs from make-data --task's"
done
"$r1forge" train-tokenizer --out cli/tokenizer --vocab-size 96 --split-digits \
  --jsonl-field text --jsonl-field prompt --jsonl-field completion \
  --input cli/corpus/corpus.jsonl --input cli/arithmetic/train.jsonl \
  --input cli/instructions/train.jsonl --user-symbols "<think>,</think>,<answer>,</answer>" \
  2>/dev/null
for f in tokenizer.model tokenizer_config.json special_tokens_map.json; do
  cmp -s "data/tokenizer/$f" "cli/tokenizer/$f" || fail "tokenizer/$f differs from train-tokenizer's"
done
echo "make-data --config: same bytes as make-data --task and train-tokenizer; current on rerun"

# Killed after the new folder is complete but before it replaces the old: the old stays whole.
start_stalled stall.log stall.marker make_data_commit:1 "$r1forge" make-data --config b.yaml ||
  { cat stall.log; fail "no stall"; }
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ -d data.staging ] || fail "expected the killed attempt's staging folder"
"$r1forge" make-data --config a.yaml >kept.log 2>&1
grep -q "make_data: data is current" kept.log || fail "the old folder was damaged: $(cat kept.log)"
"$r1forge" make-data --config b.yaml >remade.log 2>&1
grep -q "make_data: making data (it was made with other settings)" remade.log ||
  fail "remake: $(cat remade.log)"
[ ! -e data.staging ] && [ ! -e data.old ] || fail "leftovers after the remake"
[ "$(wc -l <data/arithmetic/train.jsonl)" = 310 ] || fail "remade sizes"
echo "killed before the swap: the old folder stayed whole; the next call made the new one"

# `r1forge stage` in an empty folder makes the data before its stage.
mkdir fresh
(cd fresh && "$r1forge" stage ../a.yaml pretrain >stage.log 2>&1) ||
  { cat fresh/stage.log; fail "stage from an empty folder"; }
[ -f fresh/runs/one/stages/01-pretrain/final/model.safetensors ] || fail "stage outputs"
[ -f fresh/data/make_data.json ] || fail "no stamp in the fresh folder"
echo "r1forge stage made the data first"

# Bad input: exit 2 naming the file and the key; nothing written.
expect_error() {  # expect_error MESSAGE COMMAND...
  local message="$1" code=0
  shift
  "$@" >err.log 2>&1 || code=$?
  [ "$code" = 2 ] || fail "$* exited $code: $(cat err.log)"
  grep -qF -- "$message" err.log || fail "$* said: $(cat err.log)"
}
expect_error "a.yaml: make_data.tasks.0.test: the corpus" \
  "$r1forge" make-data --config a.yaml make_data.tasks.0.task=corpus
printf 'run: {dir: x}\n' >none.yaml
expect_error "none.yaml: the config has no make_data: section" "$r1forge" make-data --config none.yaml
mkdir -p foreign && echo keep >foreign/notes.txt
expect_error "a.yaml: make_data.dir \"foreign\" exists but was not made by make_data" \
  "$r1forge" make-data --config a.yaml make_data.dir=foreign
[ "$(cat foreign/notes.txt)" = keep ] || fail "the foreign folder was touched"
expect_error "--config makes the config's make_data: folder" \
  "$r1forge" make-data --config a.yaml --task arithmetic
echo "make_data config test passed"
