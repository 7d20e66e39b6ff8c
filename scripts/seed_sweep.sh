#!/usr/bin/env bash
# The demo's seed sweep: configs/r1-tiny.yaml, then configs/experiments/distill-vs-rl.yaml on
# that seed's teacher and curated data, then configs/experiments/language-consistency.yaml
# (with `r1forge language-mix` on each of its evaluations), for each seed, and one table per
# run plus the mean and spread over seeds (scripts/seed_table.py). docs/results.md publishes
# its output.
#   scripts/seed_sweep.sh [SEED ...]          default: 1 2 3
# Env: R1F_SWEEP_DIR (default runs/sweep), R1F_SWEEP_THREADS (default 1, what docs/results.md
# publishes: LibTorch splits some reductions by thread, so after a few dozen GRPO steps the
# figures depend on the thread count; each count is deterministic), R1F_SWEEP_SKIP_DISTILL=1,
# R1F_SWEEP_SKIP_LANGUAGE=1, R1F_SWEEP_NO_TABLE=1 (two sweeps of different seeds may run at
# once on one folder; the table then comes from `scripts/seed_table.py SWEEP_DIR SEED ...`).
# Reruns resume: each run folder skips its finished stages (pipeline_state.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/build.sh --target r1forge >/dev/null
r1forge="${R1F_BUILD_DIR:-$root/build}/bin/r1forge"
sweep="${R1F_SWEEP_DIR:-runs/sweep}"
threads="${R1F_SWEEP_THREADS:-1}"
seeds=("$@")
((${#seeds[@]})) || seeds=(1 2 3)

mkdir -p "$sweep"
# The data (runs/tiny-data) comes from configs/r1-tiny.yaml's make_data: section, made by the
# first run and found current by the rest.
# The output folder of stage NAME in a finished run (pipeline_state.json records it).
stage_output() {
  python3 - "$1/pipeline_state.json" "$2" <<'EOF'
import json, os, sys
state = json.load(open(sys.argv[1]))
entry = next(e for e in state["stages"] if e["name"] == sys.argv[2])
output = entry["output"]
# Outputs are recorded relative to the run folder (or absolute, in older state files).
print(output if os.path.isabs(output) or os.path.exists(output)
      else os.path.join(os.path.dirname(sys.argv[1]), output))
EOF
}
for seed in "${seeds[@]}"; do
  demo="$sweep/r1-tiny-seed$seed"
  echo "== seed $seed: r1forge run configs/r1-tiny.yaml -> $demo"
  "$r1forge" run configs/r1-tiny.yaml run.seed="$seed" run.dir="$demo" run.threads="$threads" \
    >"$demo.log" 2>&1 || { tail -n 20 "$demo.log"; exit 1; }
  if [ "${R1F_SWEEP_SKIP_DISTILL:-0}" != 1 ]; then
    experiment="$sweep/distill-vs-rl-seed$seed"
    echo "== seed $seed: r1forge run configs/experiments/distill-vs-rl.yaml -> $experiment"
    "$r1forge" run configs/experiments/distill-vs-rl.yaml run.seed="$seed" \
      run.dir="$experiment" run.threads="$threads" \
      "stages.distilled.sft.data.path=$(stage_output "$demo" rejection_sampling)" \
      "stages.distilled.distill.teacher=$(stage_output "$demo" reasoning_rl)" \
      >"$experiment.log" 2>&1 || { tail -n 20 "$experiment.log"; exit 1; }
  fi
  if [ "${R1F_SWEEP_SKIP_LANGUAGE:-0}" != 1 ]; then
    experiment="$sweep/language-consistency-seed$seed"
    echo "== seed $seed: r1forge run configs/experiments/language-consistency.yaml -> $experiment"
    "$r1forge" run configs/experiments/language-consistency.yaml run.seed="$seed" \
      run.dir="$experiment" run.threads="$threads" \
      >"$experiment.log" 2>&1 || { tail -n 20 "$experiment.log"; exit 1; }
    # The share of mixed-language thinking in each evaluation, on the eval's own problems.
    for stage in "$experiment"/stages/*/; do
      [ -f "$stage/eval_samples.jsonl" ] || continue
      "$r1forge" language-mix --samples "$stage/eval_samples.jsonl" \
        --data runs/lc-data/arithmetic/test.jsonl --output "$stage/language_mix.json" >/dev/null
    done
  fi
done
[ "${R1F_SWEEP_NO_TABLE:-0}" = 1 ] || python3 scripts/seed_table.py "$sweep" "${seeds[@]}"
