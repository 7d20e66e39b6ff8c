#!/usr/bin/env bash
# The learning canary: configs/tiny/canary.yaml at its fixed seed through `r1forge run` (its
# make_data: section first, then a from-scratch cold start and 60 GRPO steps), and GRPO must
# raise held-out pass@1 by at least R1F_CANARY_MIN_GAIN (default 0.20; the committed recipe
# gives about +0.38 at seed 1 and +0.44..+0.48 at seeds 2 and 3, docs/results.md). A change that
# stops GRPO from learning (a flipped advantage, log-probs of the wrong tokens, a dropped
# gradient, a frozen optimizer) fails here; so does one that wrecks the model (pass@1 after
# GRPO must also reach 0.70 in absolute terms).
# Usage: learning_canary.sh R1FORGE_BINARY WORK_DIR [OVERRIDE ...]
set -euo pipefail
r1forge="$1"
work="$2"
shift 2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
min_gain="${R1F_CANARY_MIN_GAIN:-0.20}"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
start=$(date +%s)
"$r1forge" run "$root/configs/tiny/canary.yaml" "$@" >run.log 2>&1 || { tail -n 40 run.log; exit 1; }
echo "learning canary: $(($(date +%s) - start)) s"
python3 - runs/canary/report.json "$min_gain" <<'PY'
import json, sys
stages = {s["name"]: s for s in json.load(open(sys.argv[1]))["stages"]}
min_gain = float(sys.argv[2])
before = stages["cold_start"]["eval"]["pass_at_1"]
after = stages["reasoning_rl"]["eval"]["pass_at_1"]
print(f"held-out pass@1: cold_start {100 * before:.1f}% -> reasoning_rl {100 * after:.1f}% "
      f"({100 * (after - before):+.1f} points; the canary needs >= {100 * min_gain:+.0f})")
if after - before < min_gain:
    sys.exit("FAIL: GRPO did not raise held-out pass@1 by the canary's margin")
if after < 0.70:
    sys.exit("FAIL: pass@1 after GRPO is below 70%")
PY
