#!/usr/bin/env bash
# Exact resume end to end (docs/reliability.md): configs/tiny/resume.yaml (pretrain over two
# epochs, GRPO with a reset KL reference, SFT) is run once uninterrupted, then in trials that
# each stop the run somewhere (SIGKILL mid-step, mid-save, after the rename but before
# `latest`, between stages, at fixed delays; SIGTERM; a double SIGINT; a full disk; NaN
# gradients) and restart the same command. Every resumed run must end with the reference's
# final weights byte for byte and its metrics.jsonl/samples.jsonl lines (wall-clock values
# aside): tests/integration/compare_runs.py. Stops at chosen points use the test hook
# R1F_TEST_STALL_AT (core/fault_injection.h).
# Usage: kill_resume.sh R1FORGE_BINARY WORK_DIR [PYTHON with tensorboard]
set -uo pipefail
r1forge="$1"
work="$2"
python="${3:-python3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/tests/integration/stall_util.sh"
make_smoke_data "$r1forge" "$work" "$root"
cd "$work"
config="$root/configs/tiny/resume.yaml"
compare="$root/tests/integration/compare_runs.py"
trials=0
failures=0
kills=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run DIR [overrides...]: the whole pipeline to the end, appending to DIR.log.
run() {
  local dir="$1"
  shift
  "$r1forge" run "$config" run.dir="$dir" "$@" >>"$dir.log" 2>&1
}

# stall_run DIR POINT [overrides...]: the run of DIR, stopped at the hook POINT (stall_util.sh).
stall_run() {
  local dir="$1" point="$2"
  shift 2
  start_stalled "$dir.log" "$PWD/$dir.marker" "$point" "$r1forge" run "$config" run.dir="$dir" "$@"
}

# finish_and_compare DIR WHAT: restarts the same command, which must end well and equal the
# reference.
finish_and_compare() {
  local dir="$1" what="$2"
  if ! run "$dir"; then
    fail "$what: the restarted run failed"; tail -20 "$dir.log"; return
  fi
  if python3 "$compare" runs/reference "$dir"; then
    echo "ok: $what"
  else
    fail "$what: the resumed run differs from the uninterrupted one"
  fi
}

# kill_at POINT: SIGKILL at the hook, restart, compare.
kill_at() {
  local point="$1" dir="runs/kill-${1//[\/:]/-}"
  trials=$((trials + 1))
  if stall_run "$dir" "$point"; then
    kill -9 "$pid"; wait "$pid" 2>/dev/null; kills=$((kills + 1))
    finish_and_compare "$dir" "SIGKILL at $point"
  else
    fail "SIGKILL at $point: never got there"; tail -20 "$dir.log"
  fi
}

start=$(date +%s)
start_ms=$(date +%s%3N)
run runs/reference || { tail -40 runs/reference.log; exit 1; }
reference_ms=$(( $(date +%s%3N) - start_ms ))
echo "reference run: $reference_ms ms"

# Mid-step, mid-save, after the rename (before `latest`), after a step's metrics but before
# its checkpoint, and between stages; pretrain's step 4 ends an epoch, and its checkpoint is
# taken exactly there: a kill in step 5 must resume into epoch two, not skip it.
for point in pretrain/mid_step:3 pretrain/checkpoint_write:4 pretrain/mid_step:5 pretrain/after_step:5 \
             rl/mid_step:2 rl/checkpoint_write:2 rl/checkpoint_commit:3 rl/after_step:3 \
             sft/mid_step:2 stage_done:1 stage_done:2; do
  kill_at "$point"
done
grep -q "resuming after step 4" runs/kill-pretrain-mid_step-5.log ||
  fail "the epoch-boundary trial did not resume after step 4"
# TensorBoard reads the resumed stage's two events files as one run: the session start the
# resumed file begins with drops what the killed run logged after the checkpoint.
# (Step 5 was logged, then killed before a checkpoint: the old file's step 5 must go.)
"$python" - runs/kill-pretrain-after_step-5/stages/01-pretrain <<'PY' || fail "TensorBoard after a resume"
import json, os, struct, sys
from tensorboard.backend.event_processing import event_accumulator
stage = sys.argv[1]
acc = event_accumulator.EventAccumulator(stage, purge_orphaned_data=True)
acc.Reload()
steps = [e.step for e in acc.Scalars("loss")]
losses = [json.loads(l)["loss"] for l in open(os.path.join(stage, "metrics.jsonl"))]
assert steps == list(range(1, 9)), steps  # 5 once, not twice
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
assert [e.value for e in acc.Scalars("loss")] == [f32(x) for x in losses]
assert len([f for f in os.listdir(stage) if "tfevents" in f]) == 2
PY
grep -q "left by an interrupted checkpoint save" runs/kill-rl-checkpoint_write-2.log ||
  fail "the mid-save trial did not remove the staged checkpoint"

# At fixed shares of the reference run's time, wherever the run happens to be then.
for percent in 10 25 40 55 70 85; do
  delay=$(python3 -c "print($reference_ms * $percent / 100000)")
  trials=$((trials + 1))
  dir="runs/kill-after-${percent}-percent"
  "$r1forge" run "$config" run.dir="$dir" >>"$dir.log" 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); else echo "  (finished before ${delay} s)"; fi
  wait "$pid" 2>/dev/null
  finish_and_compare "$dir" "SIGKILL after ${delay} s (${percent}% of the reference run)"
done

# Killed twice, in two stages.
trials=$((trials + 1))
dir=runs/kill-twice
if stall_run "$dir" pretrain/mid_step:6; then
  kill -9 "$pid"; wait "$pid" 2>/dev/null; kills=$((kills + 1))
  if stall_run "$dir" rl/checkpoint_write:3; then
    kill -9 "$pid"; wait "$pid" 2>/dev/null; kills=$((kills + 1))
    finish_and_compare "$dir" "SIGKILL twice (pretrain step 6, then rl's step-3 save)"
  else
    fail "kill twice: the second stop never came"
  fi
else
  fail "kill twice: the first stop never came"
fi

# SIGTERM: finish the step, save, exit 75 with a message; the same command continues.
trials=$((trials + 1))
dir=runs/sigterm
if stall_run "$dir" rl/mid_step:2; then
  kill -TERM "$pid"; wait "$pid"; code=$?
  [ "$code" = 75 ] || fail "SIGTERM: exit $code, want 75"
  grep -q "stopped by SIGTERM after step 2" "$dir.log" || fail "SIGTERM: no stop message"
  [ "$(cat "$dir/stages/02-rl/checkpoints/latest")" = step-0000002 ] ||
    fail "SIGTERM: latest is not step 2"
  finish_and_compare "$dir" "SIGTERM mid-step (exit $code)"
else
  fail "SIGTERM: never got there"
fi

# A second SIGINT stops at once (killed by the signal: 130), without the graceful save.
trials=$((trials + 1))
dir=runs/sigint-twice
export R1F_TEST_STALL_SECONDS=5  # the hook holds on, so the second signal finds the step
if stall_run "$dir" rl/mid_step:3; then
  kill -INT "$pid"; sleep 0.5; kill -INT "$pid"; wait "$pid"; code=$?
  [ "$code" = 130 ] || fail "double SIGINT: exit $code, want 130"
  finish_and_compare "$dir" "double SIGINT (exit $code)"
else
  fail "double SIGINT: never got there"
fi
unset R1F_TEST_STALL_SECONDS

# A full disk (a file-size limit, SIGXFSZ ignored so writes fail with EFBIG) while rl saves
# step 3: exit 1 naming the checkpoint; step 2 stays the newest, nothing staged is left.
trials=$((trials + 1))
dir=runs/disk-full
if stall_run "$dir" rl/mid_step:3; then
  kill -9 "$pid"; wait "$pid" 2>/dev/null; kills=$((kills + 1))
  limit_kb=$(( $(stat -c %s runs/reference/stages/02-rl/final/model.safetensors) / 2048 ))
  (trap '' XFSZ; ulimit -f "$limit_kb"; exec "$r1forge" run "$config" run.dir="$dir") \
    >>"$dir.log" 2>&1
  code=$?
  [ "$code" = 1 ] || fail "disk full: exit $code, want 1"
  grep -q "could not save checkpoint .*step-0000003" "$dir.log" || fail "disk full: no message"
  [ "$(cat "$dir/stages/02-rl/checkpoints/latest")" = step-0000002 ] ||
    fail "disk full: latest moved"
  ls "$dir/stages/02-rl/checkpoints" | grep -q tmp && fail "disk full: staging left behind"
  finish_and_compare "$dir" "full disk during a save (exit $code), then resumed"
else
  fail "disk full: never got there"
fi

# NaN gradients from pretrain's 5th update on, two skips allowed: steps 5 and 6 are skipped
# and counted, the 7th aborts with exit 3; the checkpoint of step 6 stays valid.
trials=$((trials + 1))
dir=runs/nan
R1F_TEST_NONFINITE_GRADIENTS=5-1000 run "$dir" stages.0.sft.optimizer.skip_nonfinite_steps=2
code=$?
[ "$code" = 3 ] || fail "NaN: exit $code, want 3"
grep -q "3 consecutive optimizer steps had a non-finite gradient norm" "$dir.log" ||
  fail "NaN: no message"
python3 - "$dir/stages/01-pretrain" <<'PY' || fail "NaN: metrics or checkpoint wrong"
import json, os, sys
stage = sys.argv[1]
lines = [json.loads(l) for l in open(os.path.join(stage, "metrics.jsonl"))]
assert [l["step"] for l in lines] == [1, 2, 3, 4, 5, 6], lines
assert [l["skipped_updates"] for l in lines] == [0, 0, 0, 0, 1, 1], lines
assert lines[-1]["nonfinite_skips"] == 2, lines[-1]
assert open(os.path.join(stage, "checkpoints", "latest")).read().strip() == "step-0000006"
assert not os.path.exists(os.path.join(stage, "final"))
PY
echo "ok: NaN gradients (exit $code)"
# One NaN step only: skipped, counted, and training goes on to the end.
trials=$((trials + 1))
dir=runs/nan-once
R1F_TEST_NONFINITE_GRADIENTS=3-3 run "$dir" || fail "one NaN step: the run failed"
python3 - "$dir/stages/01-pretrain/metrics.jsonl" <<'PY' || fail "one NaN step: metrics wrong"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 8 and lines[2]["skipped_updates"] == 1 and lines[-1]["nonfinite_skips"] == 1
PY
echo "ok: one NaN step skipped and counted"

echo "kill_resume: $trials trials ($kills SIGKILLs), $failures failures, $(( $(date +%s) - start )) s"
[ "$failures" = 0 ]
