#!/usr/bin/env bash
# Data parallel over 2 processes (Gloo on loopback, `r1forge launch`) against one process, on
# configs/tiny/resume.yaml (pretrain with 2 micro-batches a step, GRPO with a reset KL
# reference and 2 optimizer steps a step, SFT), every micro-batch setting chosen so that each
# rank computes a share of every step:
#   1. 2 processes end with every stage's weights within 1e-6 of 1 process, and the same GRPO
#      samples (the rollout is sharded, each prompt drawing what one process would);
#   2. a 2-process run killed (SIGKILL, launcher and workers) in GRPO step 3 and launched
#      again resumes bit for bit as the uninterrupted 2-process run;
#   3. the same checkpoint resumed by 1 process sees the same remaining data (samples.jsonl
#      prompts) and ends within 1e-5 of it;
#   4. SIGKILL of rank 1 mid-step: rank 0 fails within seconds, naming rank 1, and the
#      launcher exits non-zero;
#   5. distributed.timeout_seconds: a rank stalled past it fails the run, "every rank alive";
#   6. the seven-stage smoke pipeline in 2 processes: final models within 1e-5 of 1 process,
#      the same rejection-sampled data and evaluations.
#   7. with PYTHON (the venv's): the same 2-process run under torchrun (--no-python; its agent
#      serves the store, TORCHELASTIC_USE_AGENT_STORE) is bit for bit the r1forge launch one.
# Usage: data_parallel.sh R1FORGE_BINARY WORK_DIR [PYTHON]
set -uo pipefail
r1forge="$1"
work="$2"
python="${3:-}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/tests/integration/data_parallel_util.sh"
# sampling.max_batch_size=4: one process decodes a prompt's 4 samples together, as each rank
# does, so the rollouts' log-probs are bit for bit the same (a batched decode's last bits
# depend on which rows share the batch; with 8 rows together GRPO's weights differed by 5.6e-7).
settings+=(sampling.max_batch_size=4)

start=$SECONDS
one runs/one || { tail -30 runs/one.log; exit 1; }
one_seconds=$((SECONDS - start))
start=$SECONDS
# Buckets of 10 kB: the tiny model's gradients travel in several (the sums are the same).
two runs/two distributed.bucket_megabytes=0.01 || { tail -30 runs/two.log; exit 1; }
echo "1 process: ${one_seconds} s; 2 processes: $((SECONDS - start)) s"

# 1. Within 1e-6, and the same rollouts.
python3 "$weights" runs/one runs/two 1e-6 || fail "2 processes differ from 1 by more than 1e-6"
python3 - runs/one runs/two <<'PY' || fail "the GRPO samples differ between 1 and 2 processes"
import json, sys
a, b = ([json.loads(l) for l in open(f"{run}/stages/02-rl/samples.jsonl")] for run in sys.argv[1:])
assert len(a) == len(b) and a, (len(a), len(b))
for x, y in zip(a, b):
    assert (x["step"], x["prompt"], x["completion"]) == (y["step"], y["prompt"], y["completion"]), (x, y)
    assert abs(x["advantage"] - y["advantage"]) < 1e-9, (x, y)
print(f"GRPO samples: {len(a)} lines, the same prompts, completions and advantages")
PY
grep -q "distributed: rank 0 of 2" runs/two.log || fail "the 2-process log does not show rank 0 of 2"
grep -Eq "data parallel: [0-9]+ gradients summed over 2 ranks in ([2-9]|[1-9][0-9]+) buckets of at most 0.01 MB" \
  runs/two.log || fail "distributed.bucket_megabytes=0.01 did not split the gradients"
grep -Eq "data parallel: [1-9][0-9]* of [0-9]+ gradient buckets left during the first step's last backward" \
  runs/two.log || fail "no gradient bucket left during backward (distributed.overlap_backward)"
# Rank 1 says it joined, then only warnings and errors: rank 0 speaks for the run.
[ "$(grep '^\[rank 1\] .* info ' runs/two.log | grep -vc ' info distributed: rank 1 of 2')" = 0 ] ||
  fail "rank 1 logged info lines beyond joining"

# 2. SIGKILL of the whole 2-process run after GRPO step 3's metrics (its checkpoint not yet
# written), then the same command: bit for bit the uninterrupted 2-process run.
kill_everything() {  # the launcher and its workers
  local workers
  workers="$(pgrep -P "$pid" | tr '\n' ' ')"
  kill -9 "$pid" $workers 2>/dev/null
  wait "$pid" 2>/dev/null
  sleep 0.5
}
if start_stalled runs/resumed2.log "$PWD/resumed2.marker" rl/after_step:3 \
  "$r1forge" launch --nproc-per-node 2 --master-port 0 -- \
  "$r1forge" run "$config" run.dir=runs/resumed2 "${settings[@]}"; then
  kill_everything
  cp -r runs/resumed2 runs/resumed1  # the same checkpoint, for 1 process in 3.
  if two runs/resumed2 && python3 "$compare" runs/two runs/resumed2; then
    grep -q "resuming after step 2" runs/resumed2.log || fail "the 2-process rerun did not resume"
    echo "ok: a killed 2-process run resumes bit for bit in 2 processes"
  else
    fail "the 2-process resume differs from the uninterrupted run"; tail -20 runs/resumed2.log
  fi
  # 3. The same checkpoint in 1 process.
  if one runs/resumed1; then
    python3 "$weights" runs/two runs/resumed1 1e-5 || fail "1-process resume beyond 1e-5"
    python3 - runs/two runs/resumed1 <<'PY' || fail "the 1-process resume saw other data"
import json, sys
a, b = ([(l["step"], l["prompt"]) for l in map(json.loads, open(f"{run}/stages/02-rl/samples.jsonl"))]
        for run in sys.argv[1:])
assert a == b, "prompts per step differ"
print(f"1-process resume: the same {len(a)} prompts per step as the 2-process run")
PY
  else
    fail "the 1-process resume failed"; tail -20 runs/resumed1.log
  fi
else
  fail "the 2-process run never reached rl/after_step:3"; tail -30 runs/resumed2.log
fi

# 4. SIGKILL of rank 1 in the middle of GRPO step 2: both ranks stall 3 s there (ignoring
# signals), rank 1 is killed meanwhile, rank 0 then reaches the gradient all-reduce alone.
export R1F_TEST_STALL_SECONDS=3
start=$SECONDS
if start_stalled runs/killed.log "$PWD/killed.marker" rl/mid_step:2 \
  "$r1forge" launch --nproc-per-node 2 --master-port 0 --grace-seconds 30 -- \
  "$r1forge" run "$config" run.dir=runs/killed "${settings[@]}" distributed.timeout_seconds=60; then
  for worker in $(pgrep -P "$pid"); do
    grep -qz '^RANK=1$' "/proc/$worker/environ" && kill -9 "$worker"
  done
  wait "$pid"
  code=$?
  elapsed=$((SECONDS - start))
  [ "$code" != 0 ] || fail "the launcher exited 0 after a worker was killed"
  [ "$elapsed" -lt 45 ] || fail "the run took ${elapsed} s to stop (timeout 60 s)"
  grep -Eq "^\[rank 0\] .*rank 0 of 2: collective '[^']+' failed: .*rank 1 \(PID [0-9]+ on [^)]+\) has exited" \
    runs/killed.log || { fail "rank 0 does not name rank 1"; tail -20 runs/killed.log; }
  echo "SIGKILL of rank 1: launcher exit $code after ${elapsed} s"
else
  fail "the 2-process run never reached rl/mid_step:2"; tail -30 runs/killed.log
fi

# 5. distributed.timeout_seconds: rank 1 alone stalls 30 s in GRPO step 2; with a 3 s timeout
# rank 0 fails at the gradient all-reduce saying every rank is alive.
export R1F_TEST_STALL_SECONDS=30 R1F_TEST_STALL_RANK=1
start=$SECONDS
if start_stalled runs/stalled.log "$PWD/stalled.marker" rl/mid_step:2 \
  "$r1forge" launch --nproc-per-node 2 --master-port 0 --grace-seconds 1 -- \
  "$r1forge" run "$config" run.dir=runs/stalled "${settings[@]}" distributed.timeout_seconds=3; then
  wait "$pid"
  code=$?
  elapsed=$((SECONDS - start))
  [ "$code" != 0 ] && [ "$elapsed" -lt 25 ] ||
    fail "a stalled rank with a 3 s timeout: exit $code after ${elapsed} s"
  grep -q "^\[rank 0\] .*Every rank is alive.*rank 1 (PID [0-9]* on [^)]*) is alive" runs/stalled.log ||
    { fail "rank 0's timeout does not say rank 1 is alive"; tail -20 runs/stalled.log; }
  echo "a rank stalled past distributed.timeout_seconds=3: launcher exit $code after ${elapsed} s"
else
  fail "the 2-process run never reached rl/mid_step:2 on rank 1"; tail -30 runs/stalled.log
fi
unset R1F_TEST_STALL_SECONDS R1F_TEST_STALL_RANK

# 6. The seven-stage smoke pipeline (configs/tiny/smoke.yaml: rejection sampling, evaluations
# and on-policy distillation too) under `r1forge launch --nproc-per-node 2`: the final models
# within 1e-5 of one process's, the same rejection-sampled data and evaluations.
smoke="$root/configs/tiny/smoke.yaml"
if "$r1forge" run "$smoke" run.dir=runs/smoke-one >runs/smoke-one.log 2>&1 &&
  "$r1forge" launch --nproc-per-node 2 --master-port 0 -- \
    "$r1forge" run "$smoke" run.dir=runs/smoke-two >runs/smoke-two.log 2>&1; then
  python3 "$weights" runs/smoke-one runs/smoke-two 1e-5 || fail "the smoke pipeline beyond 1e-5"
  for file in 04-rejection_sampling/data.jsonl 02-cold_start/eval.json 07-distill/eval.json; do
    python3 - "runs/smoke-one/stages/$file" "runs/smoke-two/stages/$file" <<'PY' ||
import json, sys
def content(path):  # a JSON file or JSONL lines; wall-clock seconds left out
    text = open(path).read().replace("smoke-two", "smoke-one")
    values = [json.loads(text)] if path.endswith(".json") else [
        json.loads(l) for l in text.splitlines() if l.strip()]
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "seconds"}
        return [strip(v) for v in x] if isinstance(x, list) else x
    return strip(values)
assert content(sys.argv[1]) == content(sys.argv[2]), f"{sys.argv[1]} differs"
PY
      fail "the smoke pipeline's $file differs between 1 and 2 processes"
  done
  echo "ok: the smoke pipeline in 2 processes matches 1 process"
else
  fail "the smoke pipeline failed"; tail -20 runs/smoke-one.log runs/smoke-two.log
fi

# 7. torchrun.
torchrun="$(dirname "${python:-/nonexistent}")/torchrun"
if [ -x "$torchrun" ]; then
  if "$torchrun" --standalone --nproc-per-node 2 --no-python "$r1forge" run "$config" \
    run.dir=runs/torchrun "${settings[@]}" distributed.bucket_megabytes=0.01 \
    distributed.overlap_backward=false >runs/torchrun.log 2>&1; then
    # Buckets sent after backward here, during it under r1forge launch: the same sums.
    python3 "$weights" runs/two runs/torchrun 0 || fail "torchrun's run differs from r1forge launch's"
    grep -q "gradients summed over 2 ranks in .* MB, after backward" runs/torchrun.log ||
      fail "distributed.overlap_backward=false still sent buckets during backward"
    echo "ok: under torchrun with overlap_backward false, the same weights as under r1forge launch"
  else
    fail "the run under torchrun failed"; tail -20 runs/torchrun.log
  fi
else
  echo "torchrun not found beside '${python}': skipped"
fi

if [ $failures -ne 0 ]; then
  echo "$failures failure(s); logs in $work/runs"
  exit 1
fi
echo "data parallel: all checks passed"
