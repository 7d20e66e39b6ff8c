#!/usr/bin/env bash
# Two processes on the same cores (docs/performance.md, "Two runs on one machine"): the smoke
# config's pretraining stage (configs/tiny/smoke.yaml, run.threads 2) through `r1forge stage`,
# once alone and twice side by side, with OpenMP threads that sleep while they wait (r1forge's
# default: OMP_WAIT_POLICY=PASSIVE, core/threads.h) and with libgomp's default of spinning
# 300,000 times first (GOMP_SPINCOUNT=300000, what the binary did before). Prints one line per
# trial and a table of medians.
# Usage: scripts/bench/oversubscription.sh [WORK_DIR] ; env REPEATS (default 3),
#   SPIN_REPEATS (default 1: a spinning pair takes minutes), R1F_BINARY.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
r1forge="${R1F_BINARY:-$root/build/bin/r1forge}"
work="${1:-/tmp/r1forge-oversubscription}"
repeats="${REPEATS:-3}"
spin_repeats="${SPIN_REPEATS:-1}"
mkdir -p "$work/runs"
cd "$work"
config="$root/configs/tiny/smoke.yaml"
"$r1forge" make-data --config "$config" >/dev/null 2>&1  # its make_data: section, before timing
results="$work/results.txt"
: >"$results"

# stage_seconds DIR ENV...: wall seconds of one pretraining stage into a fresh DIR.
stage_seconds() {
  local dir="$1"
  shift
  rm -rf "$dir"
  local t0 t1
  t0=$(date +%s.%N)
  env "$@" "$r1forge" stage "$config" pretrain run.dir="$dir" >"$dir.log" 2>&1 ||
    { tail -5 "$dir.log" >&2; return 1; }
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1 - $t0:.1f}')"
}

# trial NAME PAIR ENV...: one stage alone (PAIR=1) or two side by side (PAIR=2).
trial() {
  local name="$1" pair="$2"
  shift 2
  if [ "$pair" = 1 ]; then
    echo "$name alone $(stage_seconds runs/alone "$@")" | tee -a "$results"
  else
    stage_seconds runs/left "$@" >runs/left.seconds &
    local left=$!
    stage_seconds runs/right "$@" >runs/right.seconds
    wait "$left"
    echo "$name pair $(cat runs/left.seconds) $(cat runs/right.seconds)" | tee -a "$results"
  fi
}

passive=(-u OMP_WAIT_POLICY -u GOMP_SPINCOUNT)  # r1forge re-executes itself with PASSIVE
spinning=(GOMP_SPINCOUNT=300000)
for _ in $(seq "$repeats"); do
  trial passive 1 "${passive[@]}"
  trial spinning 1 "${spinning[@]}"
  trial passive 2 "${passive[@]}"
done
for _ in $(seq "$spin_repeats"); do trial spinning 2 "${spinning[@]}"; done

python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, kind, *seconds = line.split()
    rows.setdefault((name, kind), []).append(max(float(s) for s in seconds))
print("\n| OpenMP waiting | one stage alone (s) | two side by side, slower of the pair (s) |")
print("|---|---|---|")
for name, label in (("spinning", "spin, then sleep (libgomp default; before)"),
                    ("passive", "sleep at once (OMP_WAIT_POLICY=PASSIVE; now)")):
    cells = []
    for kind in ("alone", "pair"):
        values = rows.get((name, kind), [])
        cells.append(f"{statistics.median(values):.1f} (n={len(values)})" if values else "-")
    print(f"| {label} | {cells[0]} | {cells[1]} |")
PY
