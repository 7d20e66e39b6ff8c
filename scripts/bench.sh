#!/usr/bin/env bash
# Benchmarks with baselines measured in the same run; prints tables of ratios.
#   train:    `r1forge bench train` vs transformers (PyTorch eager, sdpa and eager attention)
#             on the same PRESET weights, shapes and thread count; forward + backward, and
#             each as a share of the fp32 (bf16 with MIXED_PRECISION=1) GEMM peak.
#   generate: `r1forge generate` (timed as a whole process, model load included) vs
#             transformers generate() and a plain PyTorch eager KV-cache loop (generation time
#             only), 8 prompts x G = 8, prompt 32, 128 and 512 new tokens, batch 1/8/64; plus
#             the engine with and without KV cache (`r1forge bench generate --backend`).
#   logprobs: `r1forge bench logprobs`: peak memory (forked child per variant) and time of
#             forward + backward, chunked log-probs vs the naive [N, T, V] path, N 16, T 512,
#             V 32768, E 256, REPEATS interleaved processes each.
#   distill:  `r1forge bench distill`: peak memory (forked child per variant) and time of
#             forward + backward, chunked distillation loss vs naive [N, T, V], N 8, T 512,
#             V 32768, E 256, K 64 (DISTILL_FLAGS: extra `bench distill` flags).
#   grpo:     whole GRPO steps: `r1forge stage` (a GRPO stage) vs TRL's GRPOTrainer (no vLLM) on
#             the same qwen2-10m model at the vocabulary of a tokenizer trained here, the same
#             prompts, reward and step shape (B 4 x G 8, 64 new tokens, dapo, beta 0, one
#             optimizer step per rollout batch); s/step, rollout and update seconds, TRL/r1forge.
#   sft:      SFT tokens/s: `r1forge stage` (an sft stage) vs transformers' Trainer on the same
#             PRESET weights, the same r1forge-tokenized rows (BATCH x SEQ tokens per optimizer
#             step, no padding, loss on completion tokens only), AdamW lr 2e-5, fp32; per-step
#             time after WARMUP steps, peak RSS, r1forge/Trainer (scripts/bench/sft.sh).
#             LENGTHS=varied: one epoch of the same varied-length examples, r1forge packed vs
#             the Trainer padded (and with group_by_length); real tokens/s, padding share.
#   zero:     scripts/bench/zero_memory.sh: per-rank AdamW state and peak resident set of a short
#             SFT stage on a ~48M-parameter model in 2 processes, distributed.zero_stage 0 vs 1.
#   sha256:   `r1forge bench sha256`: checkpoint hashing MB/s, OpenSSL vs the portable reference.
#   scaling:  scripts/bench/scaling.sh: r1forge's GRPO step time and peak RSS as G, completion
#             length and model size double (the grpo benchmark's setup, r1forge only).
# Usage: scripts/bench.sh [train|generate|logprobs|distill|grpo|sft|zero|sha256|scaling] ; env
# PRESET (qwen2-10m) for train, generate, grpo and sft; MIXED_PRECISION (0) for train and grpo;
# BATCH (8), SEQ (256), STEPS (10),
# THREADS (2), REPEATS (3) for train; NEW_TOKENS ("128 512"), BATCHES ("1 8 64") for generate;
# THREADS, REPEATS and LOGPROBS_FLAGS (extra `bench logprobs` flags) for logprobs; THREADS,
# REPEATS and those of scripts/bench/grpo.sh (PRESET, VOCAB, PROMPTS_PER_STEP, GENERATIONS,
# COMPLETION_LENGTH, MICRO_BATCH, GRPO_STEPS, WARMUP, GRADIENT_CHECKPOINTING, UNSHARED, PEER)
# for grpo; PRESET, BATCH (8), SEQ (256), STEPS (10), THREADS, REPEATS and those of
# scripts/bench/sft.sh (LENGTHS equal|varied, WARMUP 2, MICRO_BATCH, EXAMPLES, VOCAB) for sft;
# MEBIBYTES (256) for sha256. R1F_BENCH_BINARY (a built r1forge) and R1F_PYTHON (the venv's
# python) skip the build and set-up: the `bench` CTest entries run every benchmark at toy size
# that way, to check each still runs (no timing is asserted).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${R1F_BENCH_BINARY:-}" ] && [ -n "${R1F_PYTHON:-}" ]; then
  r1forge="$R1F_BENCH_BINARY"
  venv="$(dirname "$(dirname "$R1F_PYTHON")")"
else
  bash "$root/scripts/build.sh" --target r1forge >/dev/null
  venv="$(bash "$root/scripts/setup.sh" | tail -n 1)"
  r1forge="${R1F_BUILD_DIR:-$root/build}/bin/r1forge"
fi
work="${R1F_BENCH_DIR:-$root/build/bench}"
batch="${BATCH:-8}" seq="${SEQ:-256}" steps="${STEPS:-10}" threads="${THREADS:-2}"
repeats="${REPEATS:-3}" preset="${PRESET:-qwen2-10m}"
what="${1:-train}"
case "$what" in
  train|generate|logprobs|distill|grpo|sft|zero|sha256|scaling) ;;
  *) echo "unknown benchmark '$what' (train|generate|logprobs|distill|grpo|sft|zero|sha256|scaling)" >&2
     exit 2;;
esac
if [ "$what" = "sha256" ]; then
  exec "$r1forge" bench sha256 --mebibytes "${MEBIBYTES:-256}" --repeats "$repeats"
fi
if [ "$what" = "zero" ]; then
  R1F_BINARY="$r1forge" exec bash "$root/scripts/bench/zero_memory.sh" "$work/zero_memory"
fi
if [ "$what" = "logprobs" ]; then
  # shellcheck disable=SC2086  # LOGPROBS_FLAGS is a list of flags
  exec "$r1forge" bench logprobs --threads "$threads" --repeats "$repeats" ${LOGPROBS_FLAGS:-}
fi
if [ "$what" = "distill" ]; then
  # shellcheck disable=SC2086  # DISTILL_FLAGS is a list of flags
  exec "$r1forge" bench distill --threads "$threads" --repeats "$repeats" ${DISTILL_FLAGS:-}
fi

mkdir -p "$work"
if [ "$what" = "grpo" ]; then
  exec bash "$root/scripts/bench/grpo.sh" "$r1forge" "$venv/bin/python" "$work" "$threads" \
    "$repeats"
fi
if [ "$what" = "sft" ]; then
  BATCH="$batch" SEQ="$seq" STEPS="$steps" PRESET="$preset" \
    exec bash "$root/scripts/bench/sft.sh" "$r1forge" "$venv/bin/python" "$work" "$threads" \
    "$repeats"
fi
if [ "$what" = "scaling" ]; then
  exec bash "$root/scripts/bench/scaling.sh" "$r1forge" "$venv/bin/python" "$work" "$threads"
fi
model="$work/$preset"
"$r1forge" init-model --preset "$preset" --out "$model" --seed 1 --overwrite 2>/dev/null
if [ "$what" = "generate" ]; then
  exec bash "$root/scripts/bench/generate.sh" "$r1forge" "$venv/bin/python" "$model" "$work" "$threads"
fi
flags=(--batch-size "$batch" --seq-len "$seq" --steps "$steps" --threads "$threads")
peer="$root/scripts/bench/train_peer.py"
# Each implementation runs REPEATS times, interleaved, so machine drift hits all alike; the
# table shows the median run (process-to-process spread here is about 5%).
results="$work/train_results.jsonl"
: >"$results"
# MIXED_PRECISION=1: every row under bf16 autocast over fp32 weights (r1forge
# --mixed-precision, the peers torch.autocast), against the bf16 GEMM peak.
precision=()
peer_precision=()
if [ "${MIXED_PRECISION:-0}" = 1 ]; then precision=(--mixed-precision) peer_precision=(--autocast); fi
for ((r = 0; r < repeats; r++)); do
  "$r1forge" bench train --model "$model" "${flags[@]}" "${precision[@]}" | tail -n 1 >>"$results"
  "$r1forge" bench train --model "$model" "${flags[@]}" "${precision[@]}" --gradient-checkpointing |
    tail -n 1 >>"$results"
  for attention in sdpa eager; do
    "$venv/bin/python" "$peer" --model "$model" "${flags[@]}" "${peer_precision[@]}" \
      --attention "$attention" 2>/dev/null | tail -n 1 >>"$results"
  done
done

"$venv/bin/python" - "$results" "$preset" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def key(row):
    name = row["implementation"]
    return name + (" (gradient checkpointing)" if row.get("gradient_checkpointing") else "")
groups = {}
for row in rows:
    groups.setdefault(key(row), []).append(row)
median = {name: sorted(runs, key=lambda r: r["tokens_per_second"])[len(runs) // 2]
          for name, runs in groups.items()}
base = max(median["transformers-sdpa"]["tokens_per_second"],
           median["transformers-eager"]["tokens_per_second"])
r = median["r1forge"]
mixed = r.get("mixed_precision", "none") != "none"
peak = r["gemm_peak_bf16" if mixed else "gemm_peak_fp32"]
print(f"forward+backward, {sys.argv[2]} ({r['parameters']:,} params), batch {r['batch_size']}, "
      f"seq {r['sequence_length']}, {r['threads']} threads, "
      f"{'bf16 autocast over fp32 weights' if mixed else 'fp32'}; median of {r['steps']} steps "
      f"per run, median of {len(groups['r1forge'])} interleaved runs; GEMM peak measured in the "
      f"r1forge runs: fp32 {r['gemm_peak_fp32'] / 1e9:.0f}, bf16 {r['gemm_peak_bf16'] / 1e9:.0f} "
      f"GFLOP/s")
print("| implementation | ms/step | tokens/s | vs faster transformers | of GEMM peak | "
      "runs (tokens/s) |")
print("|---|---|---|---|---|---|")
for name, row in median.items():
    spread = ", ".join(f"{x['tokens_per_second']:.0f}" for x in groups[name])
    share = row["tokens_per_second"] * r["flops_per_token"] / peak
    print(f"| {name} | {row['median_step_seconds'] * 1e3:.1f} | {row['tokens_per_second']:.0f} | "
          f"{row['tokens_per_second'] / base:.2f}x | {100 * share:.1f}% | {spread} |")
print(json.dumps({"bench": "train", "ratio_vs_transformers": r["tokens_per_second"] / base,
                  "median": median}))
PY
