#!/usr/bin/env bash
# ZeRO-1 (distributed.zero_stage=1: AdamW state sharded over the ranks) on configs/tiny/resume.yaml
# (pretrain, GRPO with a reset KL reference, SFT), 2 processes (Gloo on loopback):
#   1. every stage's weights bit for bit those of the replicated 2-process run (each rank
#      updates whole parameters with the same kernels, and the gradient norm is computed from
#      the same per-parameter norms) and within 1e-5 of 1 process (2 processes sum the
#      micro-batches' gradients in another order; AdamW's m / sqrt(v) turns that rounding in a
#      near-zero gradient entry into up to ~1% of a step, 2.5e-6 at GRPO's lr 3e-4 with shared
#      prompts; the replicated run is the bit-for-bit check); each stage's last
#      checkpoint holds the whole optimizer state, bit for bit the replicated run's (tensors,
#      names, step counts);
#   2. each rank holds about half the replicated AdamW state (the logged per-rank sizes);
#   3. a ZeRO-1 run killed (SIGKILL) in GRPO step 3 resumes bit for bit in 2 ZeRO-1
#      processes, and within 1e-5 in 1 process;
#   4. a 1-process run killed there resumes within 1e-5 in 2 ZeRO-1 processes.
# Usage: zero_sharding.sh R1FORGE_BINARY WORK_DIR
set -uo pipefail
r1forge="$1"
work="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$root/tests/integration/data_parallel_util.sh"

start=$SECONDS
one runs/one || { tail -30 runs/one.log; exit 1; }
two runs/replicated || { tail -30 runs/replicated.log; exit 1; }
# 10 kB pieces: the gradients' reduce-scatter, the parameters' all-gather and the checkpoint's
# gather of the state each take several collectives (the default, 25 MB, takes one here).
two runs/zero distributed.zero_stage=1 distributed.bucket_megabytes=0.01 ||
  { tail -30 runs/zero.log; exit 1; }
echo "1 process, 2 replicated, 2 ZeRO-1: $((SECONDS - start)) s"

# 1. The same weights, and whole optimizer states in the checkpoints.
python3 "$weights" runs/replicated runs/zero 0 || fail "ZeRO-1 differs from replicated"
python3 "$weights" runs/one runs/zero 1e-5 || fail "ZeRO-1 differs from 1 process by more than 1e-5"
python3 - runs/replicated runs/zero <<'PY' || fail "the ZeRO-1 checkpoints' optimizer state differs"
import array, glob, json, os, struct, sys

def read(path):  # safetensors: 8-byte header length, JSON header, raw little-endian tensors
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        values = array.array({"F32": "f", "I64": "q"}[info["dtype"]])
        start, end = info["data_offsets"]
        values.frombytes(data[8 + n + start:8 + n + end])
        out[name] = (info["shape"], values)
    return out

reference, trial = sys.argv[1:]
checked = 0
for stage in sorted(os.listdir(f"{reference}/stages")):
    folders = sorted(glob.glob(f"{reference}/stages/{stage}/checkpoints/step-*"),
                     key=lambda f: int(f.rsplit("-", 1)[1]))
    if not folders:
        continue
    name = os.path.basename(folders[-1])
    a = read(f"{folders[-1]}/optimizer.safetensors")
    b = read(f"{trial}/stages/{stage}/checkpoints/{name}/optimizer.safetensors")
    assert sorted(a) == sorted(b), (stage, sorted(set(a) ^ set(b)))
    assert any(k.startswith("exp_avg_sq/") for k in a), stage
    worst = 0.0
    for key in a:
        assert a[key][0] == b[key][0], (stage, key, a[key][0], b[key][0])
        if key.startswith("step/"):
            assert a[key][1] == b[key][1], (stage, key)
        else:
            worst = max(worst, max(abs(x - y) for x, y in zip(a[key][1], b[key][1])))
    assert worst == 0, (stage, name, worst)
    print(f"{stage}/{name}: {len(a)} optimizer tensors, largest difference {worst:.3g}")
    checked += 1
assert checked == 3, checked
PY

# 2. Per-rank AdamW state: ZeRO-1's two shards are equal (the smaller share padded) and each
# about half the replicated state (whole parameters per rank: the tiny model's largest is 3072
# of its 15520 elements, so at most 10% over half); one line per stage.
python3 - runs/replicated.log runs/zero.log <<'PY' || fail "ZeRO-1 does not halve the per-rank optimizer state"
import re, sys
def sizes(log, tail):
    pattern = re.compile(r"optimizer state \(AdamW moments\) per rank: rank 0 [0-9.]+ MB \(([0-9]+) B\), "
                         r"rank 1 [0-9.]+ MB \(([0-9]+) B\)" + re.escape(tail))
    return [tuple(map(int, m.groups())) for m in map(pattern.search, open(log)) if m]
replicated = sizes(sys.argv[1], " (replicated)")
zero = sizes(sys.argv[2], " (ZeRO-1: each rank holds 1/2 of them)")
assert len(replicated) == 3 and len(zero) == 3, (replicated, zero)
for (r0, r1), (z0, z1) in zip(replicated, zero):
    assert r0 == r1 > 0, (r0, r1)
    assert z0 == z1 and r0 / 2 <= z0 <= 0.6 * r0, (r0, z0, z1)
    print(f"AdamW state per rank: replicated {r0} B, ZeRO-1 {z0} B + {z1} B")
PY

# 3. SIGKILL of a ZeRO-1 run after GRPO step 3's metrics, resumed in 2 ZeRO-1 processes (bit
# for bit) and in 1 process (within 1e-5: its gradients are summed in another order).
kill_everything() {  # the launcher and its workers, or the one process
  local workers
  workers="$(pgrep -P "$pid" | tr '\n' ' ')"
  kill -9 "$pid" $workers 2>/dev/null
  wait "$pid" 2>/dev/null
  sleep 0.5
}
if start_stalled runs/zero_killed.log "$PWD/zero_killed.marker" rl/after_step:3 \
  "$r1forge" launch --nproc-per-node 2 --master-port 0 -- \
  "$r1forge" run "$config" run.dir=runs/zero_killed "${settings[@]}" distributed.zero_stage=1; then
  kill_everything
  cp -r runs/zero_killed runs/zero_to_one
  if two runs/zero_killed distributed.zero_stage=1 && python3 "$compare" runs/zero runs/zero_killed; then
    grep -q "resuming after step 2" runs/zero_killed.log || fail "the ZeRO-1 rerun did not resume"
    echo "ok: a killed ZeRO-1 run resumes bit for bit in 2 ZeRO-1 processes"
  else
    fail "the ZeRO-1 resume differs from the uninterrupted run"; tail -20 runs/zero_killed.log
  fi
  if one runs/zero_to_one; then
    grep -q "resuming after step 2" runs/zero_to_one.log || fail "1 process did not resume"
    python3 "$weights" runs/zero runs/zero_to_one 1e-5 || fail "ZeRO-1 -> 1 process beyond 1e-5"
  else
    fail "1 process could not resume a ZeRO-1 checkpoint"; tail -20 runs/zero_to_one.log
  fi
else
  fail "the ZeRO-1 run never reached rl/after_step:3"; tail -30 runs/zero_killed.log
fi

# 4. A 1-process checkpoint resumed by 2 ZeRO-1 processes.
if start_stalled runs/one_to_zero.log "$PWD/one_to_zero.marker" rl/after_step:3 \
  "$r1forge" run "$config" run.dir=runs/one_to_zero "${settings[@]}"; then
  kill_everything
  if two runs/one_to_zero distributed.zero_stage=1; then
    grep -q "resuming after step 2" runs/one_to_zero.log || fail "ZeRO-1 did not resume"
    python3 "$weights" runs/one runs/one_to_zero 1e-5 || fail "1 process -> ZeRO-1 beyond 1e-5"
  else
    fail "ZeRO-1 could not resume a 1-process checkpoint"; tail -20 runs/one_to_zero.log
  fi
else
  fail "the 1-process run never reached rl/after_step:3"; tail -30 runs/one_to_zero.log
fi

if [ $failures -ne 0 ]; then
  echo "$failures failure(s); logs in $work/runs"
  exit 1
fi
echo "ZeRO-1 sharding: all checks passed"
