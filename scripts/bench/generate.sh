#!/usr/bin/env bash
# The generation benchmark of scripts/bench.sh (see there). Arguments: R1FORGE PYTHON MODEL
# WORKDIR THREADS. Workload per batch size: 8 prompts x G = 8 (64 sequences) at batch 8 and
# 64; at batch 1, 1 prompt x 4 (4 sequences: throughput at batch 1 does not depend on how many
# sequences run one after another, and 64 x 512 tokens one by one would take an hour in the
# peers). Sampling at temperature 1 with top-k/top-p off, EOS ignored, fixed seeds.
set -euo pipefail
r1forge="$1" python="$2" model="$3" work="$4" threads="$5"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
new_tokens="${NEW_TOKENS:-128 512}"
batches="${BATCHES:-1 8 64}"
results="$work/generate_results.jsonl"
: >"$results"

"$python" - "$work" "$model" <<'PY'
import json, random, sys
rng = random.Random(0)
vocab = json.load(open(f"{sys.argv[2]}/config.json"))["vocab_size"]
for name, count in (("prompts8", 8), ("prompts1", 1)):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for _ in range(count):
            f.write(json.dumps({"prompt_ids": [rng.randrange(vocab) for _ in range(32)]}) + "\n")
PY

for tokens in $new_tokens; do
  for batch in $batches; do
    if [ "$batch" = 1 ]; then prompts="$work/prompts1.jsonl" n=4; else prompts="$work/prompts8.jsonl" n=8; fi
    sequences=$(( $(wc -l <"$prompts") * n ))
    start=$(date +%s.%N)
    "$r1forge" generate --model "$model" --input "$prompts" --n "$n" --max-new-tokens "$tokens" \
      --ignore-eos --batch-size "$batch" --threads "$threads" --seed 1 --output /dev/null 2>/dev/null
    end=$(date +%s.%N)
    "$python" -c "import json,sys; s=float(sys.argv[2])-float(sys.argv[1]); t=int(sys.argv[3]); print(json.dumps({'implementation':'r1forge (whole process)','batch_size':int(sys.argv[4]),'max_new_tokens':int(sys.argv[5]),'generated_tokens':t,'seconds':s,'tokens_per_second':t/s}))" \
      "$start" "$end" "$((sequences * tokens))" "$batch" "$tokens" >>"$results"
    for mode in hf eager; do
      "$python" "$here/generate_peer.py" --mode "$mode" --model "$model" --prompts "$prompts" \
        --n "$n" --max-new-tokens "$tokens" --batch-size "$batch" --threads "$threads" \
        2>/dev/null | tail -n 1 >>"$results"
    done
  done
  # KV cache vs full recompute, same engine: 1 prompt x 8 at batch 8.
  for backend in torch recompute; do
    "$r1forge" bench generate --model "$model" --backend "$backend" --prompts 1 --n 8 \
      --prompt-len 32 --max-new-tokens "$tokens" --batch-size 8 --threads "$threads" |
      tail -n 1 >>"$results"
  done
done

"$python" - "$results" "$(basename "$model")" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def find(impl, batch, tokens):
    for r in rows:
        if r["implementation"] == impl and r["batch_size"] == batch and r["max_new_tokens"] == tokens:
            return r
print(f"generation, {sys.argv[2]}, prompt 32 tokens, temperature 1, EOS ignored, 2 threads")
print("| new tokens | batch | r1forge (whole process) tok/s | transformers generate tok/s | "
      "PyTorch eager KV loop tok/s | vs faster peer |")
print("|---|---|---|---|---|---|")
summary = {"bench": "generate", "rows": rows}
for tokens in sorted({r["max_new_tokens"] for r in rows}):
    for batch in sorted({r["batch_size"] for r in rows if r["implementation"].startswith("r1forge (")}):
        ours, hf, eager = (find(i, batch, tokens) for i in
                           ("r1forge (whole process)", "python-hf", "python-eager"))
        if not (ours and hf and eager):
            continue
        best = max(hf["tokens_per_second"], eager["tokens_per_second"])
        print(f"| {tokens} | {batch} | {ours['tokens_per_second']:.0f} | {hf['tokens_per_second']:.0f} | "
              f"{eager['tokens_per_second']:.0f} | {ours['tokens_per_second'] / best:.2f}x |")
print()
print("| new tokens | engine with KV cache tok/s | same engine, full recompute tok/s | ratio |")
print("|---|---|---|---|")
for tokens in sorted({r["max_new_tokens"] for r in rows}):
    cached, recompute = find("r1forge-torch", 8, tokens), find("r1forge-recompute", 8, tokens)
    if cached and recompute:
        print(f"| {tokens} | {cached['tokens_per_second']:.0f} | {recompute['tokens_per_second']:.1f} | "
              f"{cached['tokens_per_second'] / recompute['tokens_per_second']:.0f}x |")
print()
print("| new tokens | batch 8 / batch 1 (r1forge whole process) |")
print("|---|---|")
for tokens in sorted({r["max_new_tokens"] for r in rows}):
    one, eight = find("r1forge (whole process)", 1, tokens), find("r1forge (whole process)", 8, tokens)
    if one and eight:
        print(f"| {tokens} | {eight['tokens_per_second'] / one['tokens_per_second']:.1f}x |")
print(json.dumps(summary))
PY
