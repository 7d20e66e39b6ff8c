#!/usr/bin/env bash
# The GPU benchmarks of [order 12], run by scripts/device_check.sh on the GPU machine (see
# ../shared/reference/performance.md for the goals), each against a baseline measured in the
# same run:
#   rollout   r1forge's engine (`bench generate`, generation time only; the paged backend with
#             the paged attention and fused sampling kernels) vs transformers generate() on the
#             same model folder: Qwen2.5-0.5B shape, random bf16 weights, 64 prompts of 128
#             tokens x G = 8, 512 new tokens, batch 512. Goal >= 5x. Also the torch backend
#             (ATen attention over padded slots) and the paged backend with its ATen twins.
#   sampling  the token choice's share of a decode step (fused kernel; and its ATen twin).
#             Goal <= 5%.
#   batch 1   decode tokens/s x bytes read per token (the bf16 weights) against the HBM
#             bandwidth measured here with a device-to-device copy. Goal >= 20%.
#   training  `bench train` forward + backward at 0.5B, bf16 weights, batch 8 x 1024, as a
#             share of the bf16 GEMM peak measured here (MFU). Goal >= 35%.
# Writes $OUT/gpu_bench.md and $OUT/gpu_bench.jsonl. Needs R1F_BENCH_BINARY and R1F_PYTHON (a
# Python with torch and transformers). R1F_DEVICE_REHEARSAL=1: the same steps on the CPU with
# a 10M-parameter model and toy sizes (checks the script, measures nothing).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
r1forge="${R1F_BENCH_BINARY:?set R1F_BENCH_BINARY}"
python="${R1F_PYTHON:?set R1F_PYTHON}"
out="${OUT:?set OUT}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
results="$out/gpu_bench.jsonl"
: >"$results"

if [ "${R1F_DEVICE_REHEARSAL:-0}" = 1 ]; then
  device=cpu dtype=float32 preset=qwen2-10m prompts=2 n=2 prompt_len=16 new=8 batch=4
  single_new=8 train_batch=2 train_seq=64
else
  device=cuda dtype=bfloat16 preset=qwen2.5-0.5b prompts=64 n=8 prompt_len=128 new=512
  batch=512 single_new=256 train_batch=8 train_seq=1024
fi
"$r1forge" init-model --preset "$preset" --dtype "$dtype" --out "$work/model" >/dev/null
"$python" - "$work/prompts.jsonl" "$work/model" "$prompts" "$prompt_len" <<'PY'
import json, random, sys
rng = random.Random(0)
vocab = json.load(open(f"{sys.argv[2]}/config.json"))["vocab_size"]
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[3])):
        f.write(json.dumps({"prompt_ids": [rng.randrange(vocab) for _ in range(int(sys.argv[4]))]}) + "\n")
PY

common=(--model "$work/model" --device "$device" --dtype "$dtype")
echo "== rollout: r1forge engine (paged backend; kernels on, then their ATen twins; torch backend)"
rollout() {  # case backend kernels [extra flags]
  R1F_CUDA_KERNELS="$3" "$r1forge" bench generate "${common[@]}" --backend "$2" "${@:4}" --prompts "$prompts" \
    --n "$n" --prompt-len "$prompt_len" --max-new-tokens "$new" --batch-size "$batch" | tail -n 1 |
    "$python" -c "import json,sys; r=json.load(sys.stdin); r['case']='$1'; print(json.dumps(r))" \
      >>"$results"
}
rollout rollout-auto paged 1 --cuda-graphs
rollout rollout-eager paged 1
rollout rollout-aten paged 0
rollout rollout-torch torch 1
echo "== rollout: transformers generate()"
"$python" "$here/generate_peer.py" --mode hf --model "$work/model" --prompts "$work/prompts.jsonl" \
  --n "$n" --max-new-tokens "$new" --batch-size "$batch" --device "$device" --dtype "$dtype" |
  tail -n 1 | "$python" -c "import json,sys; r=json.load(sys.stdin); r['case']='rollout-hf'; print(json.dumps(r))" \
  >>"$results"
echo "== batch-1 decode"
"$r1forge" bench generate "${common[@]}" --backend paged --cuda-graphs --prompts 1 --n 1 \
  --prompt-len "$prompt_len" --max-new-tokens "$single_new" --batch-size 1 | tail -n 1 |
  "$python" -c "import json,sys; r=json.load(sys.stdin); r['case']='batch1'; print(json.dumps(r))" \
    >>"$results"
echo "== memory bandwidth (device-to-device copy, bytes read + written)"
"$python" - "$device" >>"$results" <<'PY'
import json, sys, time
import torch
device = sys.argv[1]
x = torch.empty(1 << 28 if device == "cuda" else 1 << 24, dtype=torch.uint8, device=device)
y = torch.empty_like(x)
for _ in range(3):
    y.copy_(x)
if device == "cuda":
    torch.cuda.synchronize()
start = time.perf_counter()
for _ in range(20):
    y.copy_(x)
if device == "cuda":
    torch.cuda.synchronize()
seconds = (time.perf_counter() - start) / 20
print(json.dumps({"case": "bandwidth", "bytes_per_second": 2 * x.numel() / seconds}))
PY
echo "== training step"
"$r1forge" bench train "${common[@]}" --batch-size "$train_batch" --seq-len "$train_seq" \
  --steps 5 --warmup 2 | tail -n 1 |
  "$python" -c "import json,sys; r=json.load(sys.stdin); r['case']='train'; print(json.dumps(r))" \
    >>"$results"

"$python" - "$results" "$work/model" >"$out/gpu_bench.md" <<'PY'
import json, os, sys
rows = {r["case"]: r for r in map(json.loads, open(sys.argv[1]))}
model = json.load(open(os.path.join(sys.argv[2], "config.json")))
weights = sum(os.path.getsize(os.path.join(sys.argv[2], f))
              for f in os.listdir(sys.argv[2]) if f.endswith(".safetensors"))
fused, twin, hf = rows["rollout-auto"], rows["rollout-aten"], rows["rollout-hf"]
padded, eager = rows["rollout-torch"], rows["rollout-eager"]
def share(r):
    return r["sampling_seconds"] / (r["decode_seconds"] + r["sampling_seconds"])
single = rows["batch1"]
roofline = single["tokens_per_second"] * weights / rows["bandwidth"]["bytes_per_second"]
train = rows["train"]
def verdict(ok):
    return "met" if ok else "NOT met"
print(f"GPU benchmarks on {fused['device']}, {model['num_hidden_layers']} layers x "
      f"{model['hidden_size']} wide, {fused['dtype']} weights, random init")
print()
print("| figure | r1forge | baseline (same run) | ratio / share | goal |")
print("|---|---|---|---|---|")
print(f"| rollout tokens/s, {fused['prompts']} prompts x G {fused['samples_per_prompt']}, "
      f"{fused['max_new_tokens']} new, batch {fused['batch_size']} | {fused['tokens_per_second']:.0f} | "
      f"transformers generate {hf['tokens_per_second']:.0f} | "
      f"{fused['tokens_per_second'] / hf['tokens_per_second']:.2f}x | >= 5x: "
      f"{verdict(fused['tokens_per_second'] >= 5 * hf['tokens_per_second'])} |")
print(f"| same, other r1forge paths | | paged without graphs {eager['tokens_per_second']:.0f}; "
      f"paged with ATen twins {twin['tokens_per_second']:.0f}; torch backend "
      f"{padded['tokens_per_second']:.0f} | "
      f"{fused['tokens_per_second'] / eager['tokens_per_second']:.2f}x, "
      f"{fused['tokens_per_second'] / twin['tokens_per_second']:.2f}x, "
      f"{fused['tokens_per_second'] / padded['tokens_per_second']:.2f}x | |")
print(f"| sampling share of a decode step | fused kernel {100 * share(fused):.1f}% | "
      f"ATen twin {100 * share(twin):.1f}% | | <= 5%: {verdict(share(fused) <= 0.05)} |")
print(f"| batch-1 decode tokens/s | {single['tokens_per_second']:.0f} | copy bandwidth "
      f"{rows['bandwidth']['bytes_per_second'] / 1e9:.0f} GB/s, {weights / 1e9:.2f} GB of weights "
      f"per token | {100 * roofline:.1f}% of the roofline | >= 20%: {verdict(roofline >= 0.2)} |")
peak_name = "bf16" if train["dtype"] == "bfloat16" else "fp32"
print(f"| training forward + backward, batch {train['batch_size']} x {train['sequence_length']} | "
      f"{train['tokens_per_second']:.0f} tokens/s | {peak_name} GEMM peak "
      f"{train['gemm_peak_' + peak_name] / 1e12:.1f} TFLOP/s | MFU "
      f"{100 * train['fraction_of_peak']:.1f}% | >= 35%: "
      f"{verdict(train['fraction_of_peak'] >= 0.35)} |")
PY
cat "$out/gpu_bench.md"
