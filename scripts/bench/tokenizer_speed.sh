#!/usr/bin/env bash
# Encode throughput of r1forge's tokenizer.json BPE against HF's `tokenizers`, one thread each,
# side by side on the same deterministic ~10 MB mixed corpus (tokenizer_speed.py corpus: prose,
# code, CJK, LaTeX, chat markup, emoji). r1forge: `r1forge tokenize --stats` (per line encode,
# timed around the encode calls only). tokenizers: encode_batch over all lines with
# RAYON_NUM_THREADS=1 and TOKENIZERS_PARALLELISM=false, timed around that call only. Both with
# add_special_tokens=false and a warm start (tokenizer load excluded). The runs alternate
# (r1forge, tokenizers, r1forge, ...) and the medians are compared, by CPU time (fair on a shared
# machine) and by wall time; the ids of the whole corpus must be identical (sha256 digests).
# Usage: scripts/bench/tokenizer_speed.sh [TOKENIZER_JSON] [MB] [REPEATS]
#   (defaults: ../shared/testdata/tokenizers/qwen3/tokenizer.json, 10, 3; R1FORGE=build/bin/r1forge)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tokenizer="${1:-$root/../shared/testdata/tokenizers/qwen3/tokenizer.json}"
megabytes="${2:-10}"
repeats="${3:-3}"
r1forge="${R1FORGE:-$root/build/bin/r1forge}"
python="$(bash "$root/scripts/setup.sh" | tail -n 1)/bin/python"
helper="$root/scripts/bench/tokenizer_speed.py"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" "$helper" corpus "$work/corpus.jsonl" "$megabytes"
: >"$work/runs.jsonl"
for i in $(seq "$repeats"); do
  "$r1forge" tokenize --tokenizer "$tokenizer" --input "$work/corpus.jsonl" \
    --output "$work/ids.jsonl" --stats 2>"$work/stats.json"
  "$python" "$helper" digest "$work/stats.json" "$work/ids.jsonl" >>"$work/runs.jsonl"
  RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false \
    "$python" "$helper" hf "$tokenizer" "$work/corpus.jsonl" >>"$work/runs.jsonl"
done
echo "tokenizer: $tokenizer; corpus: $megabytes MB; $repeats interleaved runs each"
"$python" "$helper" report "$work/runs.jsonl"
