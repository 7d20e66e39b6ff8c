#!/usr/bin/env bash
# The main job: DeepSeek-R1's recipe end to end on this CPU, from nothing, in minutes.
#   1. build r1forge (scripts/build.sh installs what is missing),
#   2. r1forge run configs/r1-tiny.yaml: its make_data: section makes the tiny task data and
#      tokenizer (seeded; skipped when runs/tiny-data is current), then pretrain -> cold_start
#      -> reasoning_rl -> rejection_sampling -> sft -> helpfulness_rm, harmlessness_rm ->
#      general_rl -> distill, each model evaluated on held-out sums (the reward models on
#      held-out preference pairs), then the held-out general prompts before and after
#      general_rl,
#   3. print runs/r1-tiny/report.md.
# Rerunning resumes: finished stages are skipped (pipeline_state.json). R1F_DEMO_FRESH=1 starts
# over. Extra arguments are config overrides, e.g. stages.reasoning_rl.grpo.max_steps=50.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh --target r1forge >/dev/null
r1forge="${R1F_BUILD_DIR:-$root/build}/bin/r1forge"

mkdir -p runs
[ "${R1F_DEMO_FRESH:-0}" = 1 ] && rm -rf runs/r1-tiny
echo "== r1forge run configs/r1-tiny.yaml: data (runs/tiny-data), then eleven stages (log: runs/r1-tiny.log)"
start=$(date +%s)
"$r1forge" run configs/r1-tiny.yaml "$@" 2>&1 | tee runs/r1-tiny.log |
  grep -E "make_data: (making|runs/)|stage '|eval|held-out|pipeline finished"
head -n 1 runs/tiny-data/arithmetic/train.jsonl
echo "== report (runs/r1-tiny/report.md), $(( $(date +%s) - start )) s"
cat runs/r1-tiny/report.md
