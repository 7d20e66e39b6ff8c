#!/usr/bin/env bash
# The whole-GRPO-step benchmark of scripts/bench.sh (see there): `r1forge stage` with a GRPO
# stage vs TRL's GRPOTrainer (scripts/bench/grpo_peer.py) on the same model folder, prompts,
# reward and step shape. Arguments: R1FORGE PYTHON WORKDIR THREADS REPEATS.
# Env: PRESET (qwen2-10m), VOCAB (2048: tokenizer and model vocabulary), PROMPTS_PER_STEP (B,
# 4), GENERATIONS (G, 8), COMPLETION_LENGTH (64), MICRO_BATCH (16 completions per
# forward/backward), GRPO_STEPS (6 per run), WARMUP (1 step dropped per run),
# GRADIENT_CHECKPOINTING (0; 1 turns it on in both; TRL's own default is on, r1forge's off),
# UNSHARED (1: also run r1forge with grpo.shared_prompt_forward=false and
# sampling.shared_prompt_cache=never, each completion recomputing its prompt in the update and
# reading its own copy of the prompt's cache in the rollout, as TRL does, so the table shows
# what sharing buys; 0 skips it),
# PEER (1; 0 skips TRL: r1forge's own rows only, for the scaling table), LAYERS (the
# preset's; another count changes the model's size), MIXED_PRECISION (0; 1: bf16 autocast over
# fp32 weights in both, r1forge's model.mixed_precision: bfloat16 and TRL's bf16=True).
# Setup, all made here: a SentencePiece tokenizer trained on synthetic word problems (in the
# R1-Zero template, with solutions), a random model of PRESET at that vocabulary, 64 such
# problems in the template as prompts (applied here, `prompt_template: plain`, so both sides
# get the same text), and the digit-share reward of scripts/bench/grpo_reward.py (r1forge: an
# `external` scorer; TRL: the same function in-process). REPEATS interleaved runs each.
set -euo pipefail
r1forge="$1" python="$2" work="$3" threads="$4" repeats="$5"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
preset="${PRESET:-qwen2-10m}" vocab="${VOCAB:-2048}"
prompts_per_step="${PROMPTS_PER_STEP:-4}" generations="${GENERATIONS:-8}"
completion="${COMPLETION_LENGTH:-64}" micro="${MICRO_BATCH:-16}"
steps="${GRPO_STEPS:-6}" warmup="${WARMUP:-1}" checkpointing="${GRADIENT_CHECKPOINTING:-0}"
unshared="${UNSHARED:-1}" peer="${PEER:-1}" layers=() mixed=none precision_flag=()
if [ "${MIXED_PRECISION:-0}" = 1 ]; then mixed=bfloat16 precision_flag=(--bf16); fi
if [ -n "${LAYERS:-}" ]; then layers=(--num-hidden-layers "$LAYERS"); fi
gc_yaml=false gc_flag=()
if [ "$checkpointing" = 1 ]; then gc_yaml=true gc_flag=(--gradient-checkpointing); fi
dir="$work/grpo"
rm -rf "$dir"
mkdir -p "$dir"

"$python" - "$dir" "$vocab" <<'PY'
import json, random, sys
out, vocab = sys.argv[1], int(sys.argv[2])
rng = random.Random(0)
names = ("Ava Ben Chloe Dan Emma Finn Grace Hugo Ivy Jack Kai Lena Max Nora Omar Pia Quinn Rosa "
         "Sam Tara Uma Vic Wes Xena Yuri Zoe").split()
things = ("apples books coins marbles pencils stickers cookies stamps cards shells bottles "
          "candles tickets flowers rocks toys cups plates shirts hats").split()
verbs = "buys finds gets receives picks collects makes wins borrows earns".split()
# r1forge's r1_zero template (src/data/prompt_dataset.cpp), applied here for both sides.
template = ("A conversation between User and Assistant. The user asks a question, and the "
            "Assistant solves it. The assistant first thinks about the reasoning process in the "
            "mind and then provides the user with the answer. The reasoning process and answer "
            "are enclosed within <think> </think> and <answer> </answer> tags, respectively, "
            "i.e., <think> reasoning process here </think> <answer> answer here </answer>. "
            "User: {prompt}. Assistant:")
def problem():
    n, t, v = rng.choice(names), rng.choice(things), rng.choice(verbs)
    a, b = rng.randint(2, 999), rng.randint(2, 999)
    return (f"{n} has {a} {t} and {v} {b} more. How many {t} does {n} have now?",
            f"<think> {n} starts with {a} {t}. {a} + {b} = {a + b}. </think> "
            f"<answer> {a + b} </answer>")
with open(f"{out}/corpus.txt", "w") as corpus:  # prompts as the model sees them, solved
    for _ in range(4000):
        question, solution = problem()
        corpus.write(template.replace("{prompt}", question) + f" {solution}\n")
with open(f"{out}/prompts.jsonl", "w") as prompts, open(f"{out}/prompt_text.jsonl", "w") as text:
    for _ in range(64):
        prompt = template.replace("{prompt}", problem()[0])
        prompts.write(json.dumps({"prompt": prompt}) + "\n")
        text.write(json.dumps({"text": prompt}) + "\n")
with open(f"{out}/random_ids.jsonl", "w") as f:
    for _ in range(32):
        f.write(json.dumps({"ids": [rng.randrange(vocab) for _ in range(64)]}) + "\n")
PY

model="$dir/model"
"$r1forge" train-tokenizer --input "$dir/corpus.txt" --out "$model" --vocab-size "$vocab" \
  --user-symbols "<think>,</think>,<answer>,</answer>" --threads 1 2>/dev/null
"$r1forge" init-model --preset "$preset" --vocab-size "$vocab" "${layers[@]}" --out "$model" \
  --seed 1 2>/dev/null
# r1forge's own encoding and decoding, which the peer's tokenizer must reproduce exactly.
"$r1forge" tokenize --tokenizer "$model" --add-special-tokens --input "$dir/prompt_text.jsonl" \
  --output "$dir/prompt_ids.jsonl"
"$r1forge" tokenize --tokenizer "$model" --decode --skip-special-tokens \
  --input "$dir/random_ids.jsonl" --output "$dir/random_text.jsonl"
paste -d '\t' "$dir/random_ids.jsonl" "$dir/random_text.jsonl" | "$python" -c '
import json, sys
for line in sys.stdin:
    ids, text = line.rstrip("\n").split("\t")
    print(json.dumps({"ids": json.loads(ids)["ids"], "text": json.loads(text)["text"]}))' \
  >"$dir/decode_check.jsonl"

cat >"$dir/run.yaml" <<EOF
run: {dir: $dir/r1forge-0, seed: 1, threads: $threads}
model: {init: $model, gradient_checkpointing: $gc_yaml, mixed_precision: $mixed}
stages:
  - name: rl
    type: grpo
    grpo:
      data: {path: $dir/prompts.jsonl, prompt_field: prompt, prompt_template: plain}
      rewards:
        - {name: external, label: digits, options: {command: "$python $here/grpo_reward.py"}}
      max_steps: $steps
      prompts_per_step: $prompts_per_step
      num_generations: $generations
      max_completion_length: $completion
      micro_batch_size: $micro
      mini_batch_size: 0
      num_iterations: 1
      temperature: 1.0
      loss_type: dapo
      beta: 0.0
      optimizer: {learning_rate: 1.0e-6, max_grad_norm: 1.0}
      log_completions: 0
EOF

peer_flags=(--model "$model" --prompts "$dir/prompts.jsonl" --expect-ids "$dir/prompt_ids.jsonl"
            --decode-check "$dir/decode_check.jsonl" --prompts-per-step "$prompts_per_step"
            --num-generations "$generations" --max-completion-length "$completion"
            --micro-batch-size "$micro" --steps "$steps" --warmup "$warmup" --threads "$threads"
            "${gc_flag[@]}" "${precision_flag[@]}")
# Peak resident set of each r1forge run (GNU time's maximum RSS, KiB) beside its metrics.
peak_rss() { /usr/bin/time -f "%M" -o "$1" "${@:2}"; }
for ((r = 0; r < repeats; r++)); do
  peak_rss "$dir/r1forge-$r.rss" "$r1forge" stage "$dir/run.yaml" rl "run.dir=$dir/r1forge-$r" \
    2>"$dir/r1forge-$r.log" || { cat "$dir/r1forge-$r.log" >&2; exit 1; }
  if [ "$unshared" = 1 ]; then
    peak_rss "$dir/unshared-$r.rss" "$r1forge" stage "$dir/run.yaml" rl \
      "run.dir=$dir/unshared-$r" stages.rl.grpo.shared_prompt_forward=false \
      sampling.shared_prompt_cache=never \
      2>"$dir/unshared-$r.log" || { cat "$dir/unshared-$r.log" >&2; exit 1; }
  fi
  if [ "$peer" = 1 ]; then
    peak_rss "$dir/trl-$r.rss" "$python" "$here/grpo_peer.py" "${peer_flags[@]}" \
      --out "$dir/trl-$r" >"$dir/trl-$r.jsonl" 2>"$dir/trl-$r.log" ||
      { tail -n 30 "$dir/trl-$r.log" >&2; exit 1; }
  fi
done

"$python" "$here/grpo_report.py" --dir "$dir" --repeats "$repeats" --warmup "$warmup" \
  --preset "$preset" --threads "$threads" --prompts-per-step "$prompts_per_step" \
  --num-generations "$generations" --max-completion-length "$completion" \
  --gradient-checkpointing "$checkpointing" --precision "$mixed"
