#!/usr/bin/env bash
# Data-parallel scaling on this machine's CPU cores: the same SFT (pretraining rows) and GRPO stages (same global
# batch, same data, same results) in 1 process with all THREADS cores and in 2 processes
# (`r1forge launch`, Gloo on loopback) with THREADS/2 cores each, plus 1 process with
# THREADS/2 cores (the per-core baseline), and 2 processes again with the gradient buckets sent
# after backward rather than during it (the 2-process variants interleaved REPEATS times). Prints per variant the median over steps (the first
# dropped) of SFT tokens/s and of GRPO seconds per step (rollout, update), and the ratios.
# Usage: scripts/bench/data_parallel.sh [R1FORGE] ; env THREADS (2), PRESET (qwen2-10m shape at
# the smoke tokenizer's 96-token vocabulary), SFT_STEPS (8), GRPO_STEPS (4), REPEATS (1), EXTRA
# (overrides for every variant, e.g. distributed.bucket_megabytes=2), WORK.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
r1forge="${1:-$root/build/bin/r1forge}"
threads="${THREADS:-2}" sft_steps="${SFT_STEPS:-8}" grpo_steps="${GRPO_STEPS:-4}"
half=$((threads / 2 > 0 ? threads / 2 : 1))
work="${WORK:-$root/build/bench/data_parallel}"
rm -rf "$work" && mkdir -p "$work" && cd "$work"
export OMP_WAIT_POLICY=PASSIVE
"$r1forge" make-data --config "$root/configs/tiny/resume.yaml" >data.log 2>&1

cat >bench.yaml <<YAML
# The qwen2-10m shape (8 layers, width 256) at the smoke tokenizer's vocabulary.
run: {dir: runs/bench, seed: 1}
model:
  init: qwen2-10m
  tokenizer: runs/tiny-smoke-data/tokenizer
  architecture: {vocab_size: 96, max_position_embeddings: 512}
sampling: {max_batch_size: 32}
stages:
  - name: sft
    type: pretrain
    sft:
      data: {path: runs/tiny-smoke-data/corpus/corpus.jsonl, max_length: 128, max_examples: 2000}
      packing: true
      max_steps: $sft_steps
      batch_size: 16
      micro_batch_size: 4
      logging_steps: 100
      optimizer: {learning_rate: 0.0003}
  - name: grpo
    type: grpo
    grpo:
      data: {path: runs/tiny-smoke-data/arithmetic/train.jsonl, prompt_template: plain}
      rewards: [{name: accuracy}, {name: repetition}]
      max_steps: $grpo_steps
      prompts_per_step: 8
      num_generations: 8
      max_completion_length: 64
      micro_batch_size: 16
      logging_steps: 100
      optimizer: {learning_rate: 0.0001}
YAML

# variant NAME PROCESSES THREADS_EACH [OVERRIDES...]
variant() {
  local name="$1" processes="$2" each="$3"
  shift 3
  # shellcheck disable=SC2206  # EXTRA: overrides for every variant, split on spaces
  set -- "$@" ${EXTRA:-}
  if [ "$processes" = 1 ]; then
    "$r1forge" run bench.yaml run.dir="runs/$name" run.threads="$each" "$@" >"$name.log" 2>&1
  else
    "$r1forge" launch --nproc-per-node "$processes" --master-port 0 -- \
      "$r1forge" run bench.yaml run.dir="runs/$name" run.threads="$each" "$@" >"$name.log" 2>&1
  fi
}
variant one-$threads 1 "$threads"
variant one-$half 1 "$half"
# 2 processes with the gradient buckets sent during backward and after it
# (distributed.overlap_backward), interleaved REPEATS times so a drift in the machine's load
# falls on both alike; their medians pool the repeats.
for ((repeat = 1; repeat <= ${REPEATS:-1}; repeat++)); do
  variant two-$half-r$repeat 2 "$half"
  variant two-$half-after-r$repeat 2 "$half" distributed.overlap_backward=false
done

python3 - "$threads" "$half" "${REPEATS:-1}" <<'PY'
import json, statistics, sys
threads, half, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
def lines_of(run, name):
    lines = [json.loads(l) for l in open(f"runs/{run}/stages/{name}/metrics.jsonl")]
    return lines[1:] or lines  # the first step warms up
def stage(run, name):
    if run.startswith("two-"):  # pooled over the repeats
        return [l for r in range(1, repeats + 1) for l in lines_of(f"{run}-r{r}", name)]
    return lines_of(run, name)
def median(lines, key):
    return statistics.median(l[key] for l in lines if key in l)
rows = []
for run, label in ((f"one-{threads}", f"1 process x {threads} threads"),
                   (f"two-{half}", f"2 processes x {half} thread(s)"),
                   (f"one-{half}", f"1 process x {half} thread(s)"),
                   (f"two-{half}-after", f"2 processes x {half} thread(s), buckets after backward")):
    sft, grpo = stage(run, "01-sft"), stage(run, "02-grpo")
    rows.append((label, median(sft, "tokens_per_second"), median(grpo, "time/step"),
                 median(grpo, "time/rollout"), median(grpo, "time/update")))
print("| variant | SFT tokens/s | GRPO s/step | rollout s | update s |")
print("|---|---|---|---|---|")
for label, tokens, step, rollout, update in rows:
    print(f"| {label} | {tokens:.0f} | {step:.2f} | {rollout:.2f} | {update:.2f} |")
base, dp, per_core, after = rows[0], rows[1], rows[2], rows[3]
print(f"\n2 processes vs 1 process at the same {threads} cores: SFT {dp[1] / base[1]:.2f}x tokens/s, "
      f"GRPO {base[2] / dp[2]:.2f}x steps/s")
print(f"2 processes vs 1 process on {half} core(s) (scaling 1 -> 2 workers): SFT "
      f"{dp[1] / per_core[1]:.2f}x, GRPO {per_core[2] / dp[2]:.2f}x")
print(f"Gradient buckets during backward vs after it (2 processes): SFT {dp[1] / after[1]:.2f}x "
      f"tokens/s, GRPO update {after[4] / dp[4]:.2f}x")
print(json.dumps({"sft_tokens_per_second": {r[0]: round(r[1], 1) for r in rows},
                  "grpo_seconds_per_step": {r[0]: round(r[2], 3) for r in rows}}))
PY
