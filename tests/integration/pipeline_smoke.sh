#!/usr/bin/env bash
# The seven-stage R1 pipeline at toy size (configs/tiny/smoke.yaml) through `r1forge run`, from
# an empty folder as on a fresh clone (the config's make_data: section makes its data and
# tokenizer first): report.json has the agreed shape, every stage left its outputs,
# pipeline_state.json lists them all, a second run finds the data current and skips every
# finished stage, and so does one after `mv` of the folder.
# Usage: pipeline_smoke.sh R1FORGE_BINARY WORK_DIR
set -euo pipefail
r1forge="$1"
work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/tests/integration/stall_util.sh"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
start=$(date +%s)
"$r1forge" run "$root/configs/tiny/smoke.yaml" >"$work/run.log" 2>&1 || { tail -40 "$work/run.log"; exit 1; }
echo "pipeline: $(( $(date +%s) - start )) s"
grep -q "make_data: making runs/tiny-smoke-data" "$work/run.log" || { cat "$work/run.log"; exit 1; }
[ -f runs/tiny-smoke-data/make_data.json ] && [ -f runs/tiny-smoke-data/tokenizer/tokenizer.model ]

python3 - "$work/runs/tiny-smoke" <<'PY'
import json, os, sys
run = sys.argv[1]
names = ["pretrain", "cold_start", "reasoning_rl", "rejection_sampling", "sft", "general_rl", "distill"]
types = ["pretrain", "sft", "grpo", "rejection_sampling", "sft", "grpo", "distill"]
with_eval = {"cold_start", "reasoning_rl", "sft", "general_rl", "distill"}
report = json.load(open(os.path.join(run, "report.json")))
assert [s["name"] for s in report["stages"]] == names, report
for stage, kind in zip(report["stages"], types):
    assert stage["type"] == kind, stage
    assert isinstance(stage["seconds"], (int, float)) and stage["seconds"] > 0, stage
    if stage["name"] in with_eval:
        ev = stage["eval"]
        for key in ("pass_at_1", "cons_at_k", "format_rate"):
            assert 0.0 <= ev[key] <= 1.0, (stage["name"], key, ev)
        assert ev["k"] == 2 and ev["problems"] == 8, ev
    else:
        assert "eval" not in stage, stage
state = json.load(open(os.path.join(run, "pipeline_state.json")))
assert [s["name"] for s in state["stages"]] == names, state
for i, (name, kind) in enumerate(zip(names, types), start=1):
    folder = os.path.join(run, "stages", f"{i:02d}-{name}")
    if kind == "rejection_sampling":
        rows = [json.loads(l) for l in open(os.path.join(folder, "data.jsonl"))]
        assert rows and all("prompt" in r and "completion" in r and "provenance" in r for r in rows)
        stats = json.load(open(os.path.join(folder, "stats.json")))
        assert stats["samples"] == 16 * 2, stats
    else:
        for f in ("config.json", "model.safetensors", "tokenizer.model", "generation_config.json"):
            assert os.path.exists(os.path.join(folder, "final", f)), (folder, f)
        assert os.path.getsize(os.path.join(folder, "metrics.jsonl")) > 0, folder
markdown = open(os.path.join(run, "report.md")).read()
for name in names:
    assert f"| {name} |" in markdown, name
print("report.json, pipeline_state.json and every stage's outputs check out")
PY

# Everything finished: a rerun trains nothing and leaves the stages untouched.
before=$(stat -c %Y runs/tiny-smoke/stages/07-distill/metrics.jsonl)
"$r1forge" run "$root/configs/tiny/smoke.yaml" >"$work/rerun.log" 2>&1
[ "$(grep -c 'finished earlier' "$work/rerun.log")" = 7 ] || { cat "$work/rerun.log"; exit 1; }
grep -q "make_data: runs/tiny-smoke-data is current" "$work/rerun.log" || { cat "$work/rerun.log"; exit 1; }
[ "$(stat -c %Y runs/tiny-smoke/stages/07-distill/metrics.jsonl)" = "$before" ]

# A bad reference fails before anything trains, naming the file and the key.
if "$r1forge" run "$root/configs/tiny/smoke.yaml" stages.cold_start.init=nowhere \
  run.dir=runs/bad >"$work/bad.log" 2>&1; then
  echo "expected a failure"; exit 1
fi
grep -q "smoke.yaml: stages.1 (cold_start).init 'nowhere'" "$work/bad.log" || { cat "$work/bad.log"; exit 1; }
[ ! -e runs/bad/stages ]
echo "pipeline smoke test passed"

# Killed across stage boundaries: after rejection sampling is done but before it is recorded,
# then in the middle of distill's second step. Rerunning the same command ends with every
# stage's weights, logs, data and evaluations equal to the uninterrupted run's.
killed=runs/tiny-smoke-killed
for point in stage_done:4 distill/mid_step:2; do
  start_stalled "$work/killed.log" "$work/stall.marker" "$point" \
    "$r1forge" run "$root/configs/tiny/smoke.yaml" run.dir="$killed" ||
    { tail -20 "$work/killed.log"; exit 1; }
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
done
"$r1forge" run "$root/configs/tiny/smoke.yaml" run.dir="$killed" >>"$work/killed.log" 2>&1 ||
  { tail -40 "$work/killed.log"; exit 1; }
python3 "$root/tests/integration/compare_runs.py" runs/tiny-smoke "$killed"
echo "killed twice across stage boundaries: the resumed pipeline equals the uninterrupted one"

# A moved run folder is still finished: every record in it is relative to it (the stages'
# references included), so a rerun with the new run.dir skips all seven stages.
mv runs/tiny-smoke runs/tiny-smoke-moved
"$r1forge" run "$root/configs/tiny/smoke.yaml" run.dir=runs/tiny-smoke-moved >"$work/moved.log" 2>&1 ||
  { tail -40 "$work/moved.log"; exit 1; }
[ "$(grep -c 'finished earlier' "$work/moved.log")" = 7 ] || { cat "$work/moved.log"; exit 1; }
if grep -rlF "runs/tiny-smoke/" runs/tiny-smoke-moved --include='*.json' --include='*.jsonl' \
  --include=stage_config.yaml --include=latest; then
  echo "records above still name the old run folder"; exit 1
fi
echo "moved run folder: every stage skipped, no record names the old place"
