#!/usr/bin/env bash
# Benchmarks with baselines measured in the same run; prints a table of ratios.
#   train: `r1forge bench train` vs transformers (PyTorch eager, sdpa and eager attention) on
#          the same ~10M-parameter weights, shapes and thread count; forward + backward.
# Usage: scripts/bench.sh [train] ; env BATCH (8), SEQ (256), STEPS (10), THREADS (2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh" --target r1forge >/dev/null
venv="$(bash "$root/scripts/setup.sh" | tail -n 1)"
r1forge="${R1F_BUILD_DIR:-$root/build}/bin/r1forge"
work="${R1F_BENCH_DIR:-$root/build/bench}"
batch="${BATCH:-8}" seq="${SEQ:-256}" steps="${STEPS:-10}" threads="${THREADS:-2}"
what="${1:-train}"
[ "$what" = "train" ] || { echo "unknown benchmark '$what' (available: train)" >&2; exit 2; }

mkdir -p "$work"
model="$work/qwen2-10m"
"$r1forge" init-model --preset qwen2-10m --out "$model" --seed 1 --overwrite 2>/dev/null
flags=(--batch-size "$batch" --seq-len "$seq" --steps "$steps" --threads "$threads")
ours="$("$r1forge" bench train --model "$model" "${flags[@]}" | tail -n 1)"
ours_checkpointed="$("$r1forge" bench train --model "$model" "${flags[@]}" --gradient-checkpointing | tail -n 1)"
peer_sdpa="$("$venv/bin/python" "$root/scripts/bench/train_peer.py" --model "$model" "${flags[@]}" --attention sdpa 2>/dev/null | tail -n 1)"
peer_eager="$("$venv/bin/python" "$root/scripts/bench/train_peer.py" --model "$model" "${flags[@]}" --attention eager 2>/dev/null | tail -n 1)"

"$venv/bin/python" - "$ours" "$ours_checkpointed" "$peer_sdpa" "$peer_eager" <<'PY'
import json, sys
rows = [json.loads(a) for a in sys.argv[1:]]
names = ["r1forge", "r1forge (gradient checkpointing)", "transformers eager (sdpa attention)",
         "transformers eager (eager attention)"]
base = max(rows[2]["tokens_per_second"], rows[3]["tokens_per_second"])
r = rows[0]
print(f"forward+backward, qwen2-10m ({r['parameters']:,} params), batch {r['batch_size']}, "
      f"seq {r['sequence_length']}, {r['threads']} threads, median of {r['steps']} steps")
print("| implementation | ms/step | tokens/s | vs faster transformers |")
print("|---|---|---|---|")
for name, row in zip(names, rows):
    print(f"| {name} | {row['median_step_seconds'] * 1e3:.1f} | {row['tokens_per_second']:.0f} | "
          f"{row['tokens_per_second'] / base:.2f}x |")
print(json.dumps({"bench": "train", "ratio_vs_transformers": r["tokens_per_second"] / base,
                  "rows": rows}))
PY
