#!/usr/bin/env bash
# Per-rank memory of ZeRO-1 (distributed.zero_stage 1) against replicated AdamW state
# (zero_stage 0): the same short SFT stage (configs/tiny/resume.yaml's `sft` stage from a fresh
# ~48M-parameter Qwen2: width 512, 14 layers, MLP 1536, vocab 96; STEPS optimizer steps of 4
# rows, one micro-batch of 2 per rank, one thread per process) in 2 processes on this machine
# (`r1forge launch`, Gloo). Prints per rank, from rank 0's log line after the first update:
# the AdamW moments it holds (exact bytes) and its peak resident set by then; and from
# /usr/bin/time, its peak resident set over the whole run (the final checkpoint included,
# which gathers the whole state on rank 0). Then the ZeRO-1 / replicated ratios.
# Usage: scripts/bench/zero_memory.sh [WORK_DIR] ; env STEPS (default 3), R1F_BINARY.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
r1forge="${R1F_BINARY:-$root/build/bin/r1forge}"
work="${1:-/tmp/r1forge-zero-memory}"
steps="${STEPS:-3}"
mkdir -p "$work/runs"
cd "$work"
config="$root/configs/tiny/resume.yaml"
"$r1forge" make-data --config "$config" >/dev/null 2>&1  # its make_data: section, untimed
export OMP_WAIT_POLICY=PASSIVE

model=(stages.sft.init=tiny-qwen2 stages.sft.architecture.hidden_size=512
  stages.sft.architecture.intermediate_size=1536 stages.sft.architecture.num_hidden_layers=14
  stages.sft.architecture.num_attention_heads=8 stages.sft.architecture.num_key_value_heads=8
  stages.sft.architecture.max_position_embeddings=256)
stage=(stages.sft.sft.max_steps="$steps" stages.sft.sft.batch_size=4
  stages.sft.sft.micro_batch_size=2 stages.sft.sft.save_steps=0)

for zero in 0 1; do
  dir="runs/zero$zero"
  rm -rf "$dir" "$dir.log"
  "$r1forge" launch --nproc-per-node 2 --master-port 0 -- \
    /usr/bin/time -f "peak resident set of the whole run: %M KB" \
    "$r1forge" stage "$config" sft run.dir="$dir" "${model[@]}" "${stage[@]}" \
    distributed.zero_stage=$zero >"$dir.log" 2>&1 || { tail -20 "$dir.log"; exit 1; }
done

python3 - runs/zero0.log runs/zero1.log <<'PY'
import re, sys

def figures(log):
    text = open(log).read()
    line = re.search(r"optimizer state \(AdamW moments\) per rank: (.*)", text).group(1)
    state = [int(b) for b in re.findall(r"\(([0-9]+) B\)", line)]
    first = [float(m) for m in re.findall(r"rank \d+ ([0-9.]+) MB", line.split("; peak")[1])]
    whole = {int(r): int(kb) / 1024 for r, kb in
             re.findall(r"\[rank (\d+)\] peak resident set of the whole run: (\d+) KB", text)}
    return state, first, [whole[r] for r in sorted(whole)]

replicated, zero = figures(sys.argv[1]), figures(sys.argv[2])
# Replicated fp32 AdamW holds 2 moments of 4 bytes per trainable parameter.
print(f"model: {replicated[0][0] / 8 / 1e6:.1f}M parameters; 2 processes; MB = 2^20 bytes")
print(f"{'':>6} {'AdamW state MB':>28} {'peak RSS after update 1':>28} {'peak RSS whole run':>28}")
print(f"{'rank':>6} {'zero 0':>9} {'zero 1':>9} {'ratio':>8} {'zero 0':>9} {'zero 1':>9} {'ratio':>8}"
      f" {'zero 0':>9} {'zero 1':>9} {'ratio':>8}")
for r in range(len(zero[0])):
    cells = []
    for a, b in ((replicated[0][r] / 2**20, zero[0][r] / 2**20), (replicated[1][r], zero[1][r]),
                 (replicated[2][r], zero[2][r])):
        cells += [f"{a:9.1f}", f"{b:9.1f}", f"{b / a:8.3f}"]
    print(f"{r:>6} " + " ".join(cells))
PY
