#!/usr/bin/env bash
# The run folder across attempts (docs/pipeline.md), on configs/tiny/resume.yaml:
#  - locks: while a run is held at a test-hook stall, a second `r1forge run` and an
#    `r1forge stage` on the same folder fail at once (exit 1) naming the holder's PID; while a
#    stage command is held, the same stage and a run fail naming it; after SIGKILL of the
#    holder the resume proceeds and ends equal to an uninterrupted run;
#  - the log file: every attempt's own logs/*.log, the killed one's up to its last line;
#  - extend: a finished GRPO stage rerun with max_steps 4 -> 6 continues at step 5, keeps
#    steps 1-4's lines and every checkpoint, and ends bit for bit where a fresh 6-step run
#    ends; the SFT stage reading it starts again, its earlier attempt moved aside;
#  - run.on_change: error (exit 2 naming the key, nothing touched), continue, restart (the
#    only one that deletes checkpoints);
#  - a moved run folder: every finished stage is skipped.
# Usage: run_folder.sh R1FORGE_BINARY WORK_DIR
set -uo pipefail
r1forge="$1"
work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/tests/integration/stall_util.sh"
make_smoke_data "$r1forge" "$work" "$root"
cd "$work"
config="$root/configs/tiny/resume.yaml"
compare="$root/tests/integration/compare_runs.py"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
expect_in() {  # expect_in FILE TEXT WHAT
  grep -qF -- "$2" "$1" || { fail "$3: no '$2' in $1"; tail -5 "$1"; }
}
start=$(date +%s)

"$r1forge" run "$config" run.dir=runs/reference >runs/reference.log 2>&1 ||
  { tail -40 runs/reference.log; exit 1; }

# ---- locks: a run held mid-step --------------------------------------------------------------
if start_stalled runs/a.log "$PWD/a.marker" rl/mid_step:2 "$r1forge" run "$config" run.dir=runs/a; then
  holder=$pid
  t0=$(date +%s%3N)
  "$r1forge" run "$config" run.dir=runs/a >runs/a-second.log 2>&1
  code=$?
  [ "$code" = 1 ] || fail "second run: exit $code, want 1"
  [ $(( $(date +%s%3N) - t0 )) -lt 10000 ] || fail "second run: did not fail at once"
  expect_in runs/a-second.log "is in use by PID $holder on host" "second run"
  "$r1forge" stage "$config" rl run.dir=runs/a >runs/a-stage.log 2>&1
  code=$?
  [ "$code" = 1 ] || fail "stage beside a run: exit $code, want 1"
  expect_in runs/a-stage.log "is in use by PID $holder" "stage beside a run"
  kill -9 "$holder"; wait "$holder" 2>/dev/null
  # The killed attempt's log is in the folder, up to the step it was killed in.
  killed_log=$(ls -tr runs/a/logs/run-*.log | head -1)
  expect_in "$killed_log" "stage 'pretrain' (pretrain)" "killed run's log"
  expect_in "$killed_log" "rl step 1/4" "killed run's log"
  # The kernel dropped the lock with the process: the same command resumes.
  if "$r1forge" run "$config" run.dir=runs/a >>runs/a.log 2>&1; then
    python3 "$compare" runs/reference runs/a || fail "the resumed run differs from the reference"
    [ "$(ls runs/a/logs | wc -l)" = 2 ] || fail "want one log per attempt: $(ls runs/a/logs)"
    expect_in "$(ls -tr runs/a/logs/run-*.log | tail -1)" "resuming after step 1" "resumed run's log"
    echo "ok: a second run and a stage command fail naming PID $holder; after SIGKILL the resume proceeds"
  else
    fail "the resume after SIGKILL failed"; tail -20 runs/a.log
  fi
else
  fail "the run never reached rl/mid_step:2"; tail -20 runs/a.log
fi

# ---- locks: a stage command held mid-step -----------------------------------------------------
if start_stalled runs/b.log "$PWD/b.marker" pretrain/mid_step:3 \
  "$r1forge" stage "$config" pretrain run.dir=runs/b; then
  holder=$pid
  "$r1forge" stage "$config" pretrain run.dir=runs/b >runs/b-same.log 2>&1
  code=$?
  [ "$code" = 1 ] || fail "same stage twice: exit $code, want 1"
  expect_in runs/b-same.log "stage 'pretrain' of the run folder runs/b is in use by PID $holder" \
    "same stage twice"
  "$r1forge" run "$config" run.dir=runs/b >runs/b-run.log 2>&1
  code=$?
  [ "$code" = 1 ] || fail "run beside a stage: exit $code, want 1"
  expect_in runs/b-run.log "r1forge stage 'pretrain' by PID $holder" "run beside a stage"
  kill -9 "$holder"; wait "$holder" 2>/dev/null
  "$r1forge" stage "$config" pretrain run.dir=runs/b >>runs/b.log 2>&1 ||
    fail "the stage command after SIGKILL failed"
  [ -f runs/b/stages/01-pretrain/final/model.safetensors ] || fail "stage b: no final/"
  expect_in "$(ls -tr runs/b/logs/stage-pretrain-*.log | tail -1)" "resuming after step 2" "stage b's log"
  echo "ok: the same stage and a run fail naming PID $holder; after SIGKILL the stage resumes"
else
  fail "the stage command never reached pretrain/mid_step:3"; tail -20 runs/b.log
fi

# ---- extend a finished GRPO stage ---------------------------------------------------------------
# The SFT stage reads rl here (init: rl), so extending rl must restart it. Every checkpoint is
# kept (save_total_limit 0), so any deletion would show.
common=(stages.sft.init=rl stages.rl.grpo.save_total_limit=0)
"$r1forge" run "$config" run.dir=runs/fresh6 "${common[@]}" stages.rl.grpo.max_steps=6 \
  >runs/fresh6.log 2>&1 || { fail "fresh 6-step run failed"; tail -20 runs/fresh6.log; }
"$r1forge" run "$config" run.dir=runs/ext "${common[@]}" >runs/ext.log 2>&1 ||
  fail "4-step run failed"
head -4 runs/ext/stages/02-rl/metrics.jsonl >runs/ext-steps1-4.jsonl
"$r1forge" run "$config" run.dir=runs/ext "${common[@]}" stages.rl.grpo.max_steps=6 \
  >runs/ext-6.log 2>&1 || { fail "the extended run failed"; tail -20 runs/ext-6.log; }
expect_in runs/ext-6.log "stage 'pretrain' finished earlier" "extend"
expect_in runs/ext-6.log "changed settings that keep its training so far valid: stages.rl.grpo.max_steps 4 -> 6" "extend"
expect_in runs/ext-6.log "resuming after step 4" "extend"
expect_in runs/ext-6.log "stage 'sft': the stages it reads from (rl) give other outputs" "extend"
[ "$(head -4 runs/ext/stages/02-rl/metrics.jsonl)" = "$(cat runs/ext-steps1-4.jsonl)" ] ||
  fail "extend: steps 1-4's metrics lines changed"
for step in 1 2 3 4 5 6; do
  [ -d "runs/ext/stages/02-rl/checkpoints/step-000000$step" ] || fail "extend: checkpoint $step is gone"
done
aside=$(ls -d runs/ext/stages/03-sft.superseded-* 2>/dev/null)
[ -n "$aside" ] && [ -d "$aside/checkpoints/step-0000003" ] ||
  fail "extend: sft's earlier attempt was not kept aside with its checkpoints"
mkdir -p runs/aside && mv "$aside" runs/aside/
python3 "$compare" runs/fresh6 runs/ext &&
  echo "ok: rl extended 4 -> 6 equals a fresh 6-step run; sft retrained, its old attempt kept" ||
  fail "extend: the extended run differs from a fresh 6-step run"

# ---- run.on_change ------------------------------------------------------------------------------
snapshot() { (cd runs/ext/stages && find . -path '*checkpoints/step-*' -type d | sort; cat 02-rl/metrics.jsonl); }
before=$(snapshot)
changed=("${common[@]}" stages.rl.grpo.max_steps=6 stages.rl.grpo.optimizer.learning_rate=0.001)
"$r1forge" run "$config" run.dir=runs/ext "${changed[@]}" >runs/error.log 2>&1
code=$?
[ "$code" = 2 ] || fail "on_change error: exit $code, want 2"
expect_in runs/error.log "run.on_change is error, and nothing was run" "on_change error"
expect_in runs/error.log "stage 'rl' (runs/ext/stages/02-rl) was trained with other settings" "on_change error"
expect_in runs/error.log "stages.rl.grpo.optimizer.learning_rate 3e-04 -> 0.001" "on_change error"
[ "$(snapshot)" = "$before" ] || fail "on_change error: the folder changed"

"$r1forge" run "$config" run.dir=runs/ext "${changed[@]}" run.on_change=continue \
  >runs/continue.log 2>&1 || { fail "on_change continue failed"; tail -20 runs/continue.log; }
expect_in runs/continue.log "run.on_change=continue: continuing from its latest checkpoint" "on_change continue"
expect_in runs/continue.log "resuming after step 6" "on_change continue"
[ "$(snapshot | grep -c step-)" -ge "$(echo "$before" | grep -c step-)" ] ||
  fail "on_change continue: a checkpoint went missing"
python3 - runs/ext/stages/02-rl/metrics.jsonl <<'PY' || fail "on_change continue: rl trained again"
import json, sys
assert [json.loads(l)["step"] for l in open(sys.argv[1])] == [1, 2, 3, 4, 5, 6]
PY

"$r1forge" run "$config" run.dir=runs/ext "${common[@]}" stages.rl.grpo.max_steps=6 \
  stages.rl.grpo.optimizer.learning_rate=0.002 run.on_change=restart >runs/restart.log 2>&1 ||
  { fail "on_change restart failed"; tail -20 runs/restart.log; }
expect_in runs/restart.log "run.on_change=restart: deleting runs/ext/stages/02-rl" "on_change restart"
python3 - runs/ext/stages/02-rl <<'PY' || fail "on_change restart: rl did not start again"
import json, os, sys
lines = [json.loads(l) for l in open(os.path.join(sys.argv[1], "metrics.jsonl"))]
assert [l["step"] for l in lines] == [1, 2, 3, 4, 5, 6], lines
assert abs(lines[0]["learning_rate"] - 0.002) < 1e-12, lines[0]
PY
echo "ok: run.on_change error (exit 2, nothing touched), continue and restart"

# ---- a moved run folder -----------------------------------------------------------------------
mv runs/reference runs/moved
"$r1forge" run "$config" run.dir=runs/moved >runs/moved.log 2>&1 || fail "the moved run failed"
[ "$(grep -c 'finished earlier' runs/moved.log)" = 3 ] || { fail "moved: not every stage skipped"; cat runs/moved.log; }
ls runs/moved/stages | grep -q superseded && fail "moved: a stage was superseded"
echo "ok: a moved run folder skips every finished stage"

echo "run_folder: $failures failures, $(( $(date +%s) - start )) s"
[ "$failures" = 0 ]
