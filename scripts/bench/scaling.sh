#!/usr/bin/env bash
# The scaling table of scripts/bench.sh (see there): r1forge's GRPO step on the grpo
# benchmark's setup (scripts/bench/grpo.sh, TRL and the unshared variant skipped), from a base
# shape with one factor doubled per row: G, the completion length, the model's layers (its
# non-embedding parameters), and the prompts per step. Per row: s/step (median of the timed
# steps), rollout and update seconds, peak RSS, and each against the base row.
# Arguments: R1FORGE PYTHON WORKDIR THREADS. Env: PRESET (qwen2-10m), BASE_G (4),
# BASE_COMPLETION (64), BASE_PROMPTS (4), BASE_LAYERS (8), GRPO_STEPS (4), WARMUP (1).
set -euo pipefail
r1forge="$1" python="$2" work="$3" threads="$4"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
g="${BASE_G:-4}" completion="${BASE_COMPLETION:-64}" prompts="${BASE_PROMPTS:-4}"
layers="${BASE_LAYERS:-8}"
results="$work/scaling_results.jsonl"
mkdir -p "$work"
: >"$results"
run_row() {  # NAME G COMPLETION PROMPTS LAYERS
  local out
  out="$(GENERATIONS="$2" COMPLETION_LENGTH="$3" PROMPTS_PER_STEP="$4" LAYERS="$5" \
    MICRO_BATCH="$(($2 * $4 < 16 ? $2 * $4 : 16))" GRPO_STEPS="${GRPO_STEPS:-4}" \
    WARMUP="${WARMUP:-1}" UNSHARED=0 PEER=0 \
    bash "$here/grpo.sh" "$r1forge" "$python" "$work/scaling-$1" "$threads" 1 | tail -n 1)"
  "$python" -c 'import json, sys
row = json.loads(sys.argv[1]); m = row["median"]["r1forge"]
print(json.dumps({"row": sys.argv[2], "G": int(sys.argv[3]), "completion": int(sys.argv[4]),
                  "prompts": int(sys.argv[5]), "layers": int(sys.argv[6]), **m}))' \
    "$out" "$1" "$2" "$3" "$4" "$5" >>"$results"
}
run_row base "$g" "$completion" "$prompts" "$layers"
run_row "G x2" "$((2 * g))" "$completion" "$prompts" "$layers"
run_row "completion x2" "$g" "$((2 * completion))" "$prompts" "$layers"
run_row "layers x2" "$g" "$completion" "$prompts" "$((2 * layers))"
run_row "prompts x2" "$g" "$completion" "$((2 * prompts))" "$layers"

"$python" - "$results" "${PRESET:-qwen2-10m}" "$threads" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
base = rows[0]
print(f"GRPO step scaling, r1forge, {sys.argv[2]} family at vocabulary 2048, "
      f"{sys.argv[3]} threads, fp32 (each factor doubled from the base row)")
print("| row | B | G | completion | layers | s/step | x base | rollout s | update s | "
      "mean length | peak RSS MiB | x base |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    rss = r.get("peak_rss_mib") or float("nan")
    print(f"| {r['row']} | {r['prompts']} | {r['G']} | {r['completion']} | {r['layers']} | "
          f"{r['seconds']:.2f} | {r['seconds'] / base['seconds']:.2f} | {r['rollout']:.2f} | "
          f"{r['update']:.2f} | {r['mean_length']:.1f} | {rss:.0f} | "
          f"{rss / (base.get('peak_rss_mib') or float('nan')):.2f} |")
print(json.dumps({"bench": "scaling", "rows": rows}))
PY
