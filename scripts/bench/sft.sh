#!/usr/bin/env bash
# The SFT tokens/s benchmark of scripts/bench.sh (see there): `r1forge stage` with an `sft` stage
# vs transformers' Trainer (scripts/bench/sft_peer.py) on the same model folder, the same token
# ids and the same step shape; report by scripts/bench/sft_report.py.
# Arguments: R1FORGE PYTHON WORKDIR THREADS REPEATS.
# Env: LENGTHS (equal: every row SEQ tokens, pure compute parity | varied: examples of varied
# lengths, each side batching them its standard way; below), PRESET (qwen2-10m), BATCH (8 rows
# per optimizer step), MICRO_BATCH (BATCH: rows per forward/backward; BATCH / MICRO_BATCH steps
# of gradient accumulation), SEQ (256 tokens per row), STEPS (10 optimizer steps per run; equal
# only), WARMUP (2 steps dropped per run), EXAMPLES (equal: BATCH, varied: 128 x BATCH; a
# multiple of BATCH: examples in the data set), VOCAB (1024, at most the preset's vocabulary: the
# trained tokenizer's size). Output under WORKDIR/sft (equal) or WORKDIR/sft-varied.
#
# LENGTHS=equal. What both sides do, and why it is fair:
# - Model: PRESET from `r1forge init-model --seed 1` at the preset's own vocabulary (so the LM
#   head costs what it does in the real model), fp32 weights, fp32 compute, CPU, THREADS
#   intra-op threads (r1forge run.threads; the peer torch.set_num_threads), gradient
#   checkpointing off. The tokenizer (SentencePiece, VOCAB pieces, trained here on synthetic
#   word problems) only makes the ids; they lie below VOCAB.
# - Data: EXAMPLES prompt/completion rows, each exactly SEQ tokens: a prompt of P tokens (every
#   row the same P, BOS included; prompt_template: plain) and a completion longer than SEQ - P,
#   which r1forge's sft.data.max_length: SEQ truncates (overflow: truncate, the EOS falls off).
#   The peer gets r1forge's own ids (`r1forge tokenize` of prompt and completion apart, as
#   data/sft_dataset.cpp encodes them, cut to SEQ); the driver checks r1forge's log line says
#   every example is SEQ tokens and truncated. So there is no padding on either side, packing
#   would change nothing (sft.packing: false; a row is one example), every step of both trains
#   BATCH x SEQ real tokens, and BATCH x (SEQ - P) of them are loss targets, whatever order the
#   two samplers draw (the report checks the target count of every step). EXAMPLES defaults to
#   BATCH: each step is then one pass over the same rows on both sides, so the step losses pair
#   up exactly (the report prints both first-step losses and the largest gap over all steps);
#   the token values do not change the work of a dense model.
# - Loss: next-token cross-entropy on completion tokens only (r1forge completion_only_loss:
#   true; the peer's labels are -100 over the prompt), the token mean over the whole optimizer
#   step (r1forge divides each micro-batch's sum by the step's target count; the Trainer passes
#   num_items_in_batch to the model's loss).
# - Optimizer: AdamW, lr 2e-5 constant (no warmup, no decay), betas 0.9/0.999, eps 1e-8, weight
#   decay 0, gradient clipping at norm 1.0, one step per BATCH rows. The peer keeps the
#   Trainer's default AdamW implementation (adamw_torch_fused on this torch).
# - Attention: r1forge's own (no mask: causal only); the peer the transformers default (sdpa)
#   with no attention_mask (nothing is padded), its fastest path.
# - No evaluation, no held-out split, no checkpoint inside the timed steps: r1forge saves only
#   at the end (save_steps 0, save_minutes 0), after the last timed step; the Trainer never
#   (save_strategy "no"). Logging: r1forge writes metrics.jsonl after each step's timer stops
#   (console every STEPS steps); the Trainer logs nothing (logging_strategy "no", report_to []).
# - Timing: per optimizer step, excluding the first WARMUP. r1forge: metrics.jsonl time/step
#   (drawing the rows, building the batch, forward/backward of every micro-batch, clipping,
#   AdamW). Trainer: from the start of get_batch_samples (the dataloader fetch and collation of
#   the step's micro-batches) to on_step_end (training_step for each, clipping, AdamW, scheduler,
#   zero_grad). Process start-up, model load and tokenization are outside both.
# - tokens/s = BATCH x SEQ / the median timed step (every token is real); target tokens/s the
#   same with the loss tokens. Peak RSS: GNU time's maximum resident set of the whole process.
# - REPEATS runs of each, interleaved; the table shows the run with the median tokens/s.
# - OpenMP: both sides run under one wait policy. r1forge sets OMP_WAIT_POLICY=PASSIVE for
#   itself unless OMP_WAIT_POLICY or GOMP_SPINCOUNT is set (core/threads.h), so when neither is
#   set this script exports PASSIVE for both; export either to run both under another policy.
#   Under libgomp's default spinning, another busy process on these cores (a build) slows the
#   peer by an order of magnitude (measured here with a build running: the Trainer's qwen2-10m
#   step at 2 x 64 tokens, 2 threads, 3.1 s spinning vs 0.10 s passive), which would make the
#   ratio meaningless. Time on an idle machine anyway: the header prints
#   the load average before the runs and this script warns above 0.5.
#
# LENGTHS=varied: what real SFT data looks like, examples of many lengths, with each side
# batching them the standard way of its framework. Model, threads, loss, optimizer, OpenMP
# policy, checkpoint and logging settings and peak RSS as above; what differs:
# - Data: EXAMPLES examples, each a synthetic question (its natural prompt length P, BOS
#   included, at most 3/4 of SEQ, so P varies too) and a completion, with a total length L
#   (prompt + completion + EOS) drawn uniformly (seeded) from [max(SEQ/8, P + 2), SEQ]: the
#   completion's r1forge ids are cut to L - P - 1 tokens, decoded (`r1forge tokenize --decode`)
#   and encoded again, and r1forge's encoding of that text is what both sides train on (its
#   length can differ from L by a token or so; examples that come out over SEQ are dropped, so
#   none is truncated: r1forge runs with overflow: error). The peer's ids are prompt ids +
#   completion ids + the EOS r1forge appends (add_eos: true); the report checks r1forge's log
#   counts exactly the peer's examples and tokens, none truncated or skipped.
# - r1forge: its packing, sft.packing: true: first-fit-decreasing of the examples into rows of
#   SEQ tokens (data/sft_dataset.cpp), each position keeping its example's own positions and
#   segment id, so attention stays inside the example; BATCH packed rows per optimizer step
#   (the last step of the epoch takes what is left), one epoch (num_epochs: 1, max_steps: 0).
#   A micro-batch is as wide as its longest packed row; the rest is padding.
# - Trainer (two runs): transformers' Trainer has no packing (TRL's SFTTrainer has; the issue
#   asks for the Trainer), so its standard way with variable lengths is the padding collator:
#   each micro-batch right-padded to its longest example, attention_mask 0 and labels -100 on
#   the padding (DataCollatorForSeq2Seq(padding="longest") on ids; sdpa attention now with a
#   mask). BATCH examples per optimizer step, one epoch (num_train_epochs 1, EXAMPLES / BATCH
#   steps), the default random sampler seeded (seed 1). The second run adds the Trainer's
#   group_by_length sampler (train_sampling_strategy "group_by_length"), a standard option
#   that sorts examples by length within mega-batches to cut the padding.
# - So both sides go once through the same examples and train the same real tokens and the
#   same loss tokens (the report checks both totals), in different batches: r1forge in fewer,
#   fuller optimizer steps. The losses therefore do not pair step by step; the report prints
#   each side's mean loss over the epoch (weighted by loss tokens) as a loose sanity check only.
# - Metric: real (non-pad) tokens per second = the real tokens of the timed steps (all but the
#   first WARMUP of each side) / the sum of their step times; the same for loss tokens. The
#   report also prints optimizer steps per epoch and the padding share (padding / all positions
#   the forward passes computed). metrics.jsonl has no per-step input token count, so the report
#   replays r1forge's packing and row order (first-fit-decreasing; the SplitMix64 Fisher-Yates
#   of data/prompt_dataset.cpp, seed derived from run.seed 1 and the stage name) to get each
#   step's examples, and checks the replay against every step's logged target-token count.
# - Timing: as above (each side's step timer includes drawing and building its batches:
#   packing into segment ids for r1forge, padding for the Trainer); REPEATS interleaved runs of
#   the three; the table shows each side's run with the median real tokens/s.
set -euo pipefail
r1forge="$1" python="$2" work="$3" threads="$4" repeats="$5"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
preset="${PRESET:-qwen2-10m}" batch="${BATCH:-8}" seq="${SEQ:-256}" steps="${STEPS:-10}"
warmup="${WARMUP:-2}" micro="${MICRO_BATCH:-${BATCH:-8}}" lengths="${LENGTHS:-equal}"
learning_rate=2.0e-5

fail() { echo "scripts/bench/sft.sh: $*" >&2; exit 2; }
case "$lengths" in
  equal) examples="${EXAMPLES:-$batch}" ;;
  varied)
    [[ "$batch" =~ ^[1-9][0-9]*$ ]] || fail "BATCH must be a positive integer, got '$batch'"
    examples="${EXAMPLES:-$((128 * batch))}" ;;
  *) fail "LENGTHS must be equal or varied, got '$lengths'" ;;
esac
for pair in "THREADS=$threads" "REPEATS=$repeats" "BATCH=$batch" "SEQ=$seq" "STEPS=$steps" \
  "MICRO_BATCH=$micro" "EXAMPLES=$examples"; do
  [[ "${pair#*=}" =~ ^[1-9][0-9]*$ ]] ||
    fail "${pair%%=*} must be a positive integer, got '${pair#*=}'"
done
[[ "$warmup" =~ ^[0-9]+$ ]] || fail "WARMUP must be a non-negative integer, got '$warmup'"
if [ "$lengths" = equal ]; then
  [ "$warmup" -lt "$steps" ] ||
    fail "WARMUP ($warmup) must be below STEPS ($steps): no step left to time"
fi
[ "$((batch % micro))" = 0 ] || fail "BATCH ($batch) must be a multiple of MICRO_BATCH ($micro)"
# Whole steps per pass over the rows: the Trainer's last step of an epoch takes what is left.
[ "$((examples % batch))" = 0 ] ||
  fail "EXAMPLES ($examples) must be a multiple of BATCH ($batch)"
[ "$seq" -ge 16 ] || fail "SEQ ($seq) must be at least 16 tokens"
[ -x "$r1forge" ] || fail "no r1forge binary at '$r1forge'"
if [ -n "${VOCAB:-}" ] && ! [[ "$VOCAB" =~ ^[1-9][0-9]*$ ]]; then
  fail "VOCAB must be a positive integer, got '$VOCAB'"
fi

if [ -z "${OMP_WAIT_POLICY:-}" ] && [ -z "${GOMP_SPINCOUNT:-}" ]; then
  export OMP_WAIT_POLICY=PASSIVE
fi
openmp="OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-unset}${GOMP_SPINCOUNT:+ GOMP_SPINCOUNT=$GOMP_SPINCOUNT}"

dir="$work/sft"
[ "$lengths" = equal ] || dir="$work/sft-varied"
rm -rf "$dir"
mkdir -p "$dir"
model="$dir/model"
"$r1forge" init-model --preset "$preset" --out "$model" --seed 1 2>"$dir/init-model.log" ||
  { cat "$dir/init-model.log" >&2; fail "init-model --preset '$preset' failed"; }
model_vocab="$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["vocab_size"])' \
  "$model/config.json")"
vocab="${VOCAB:-$((model_vocab < 1024 ? model_vocab : 1024))}"
[ "$vocab" -le "$model_vocab" ] ||
  fail "VOCAB ($vocab) is above $preset's vocabulary ($model_vocab)"

# Synthetic word problems: a short question (the prompt) and a long worked solution chaining
# several of them (the completion, longer than SEQ tokens so max_length cuts every row, or the
# varied mode cuts each to its drawn length). Candidates: equal keeps only the prompts of the
# most common token length, so it needs many more than EXAMPLES; varied a margin for the prompts
# over 3/4 of SEQ and the examples that come out over SEQ after decoding.
if [ "$lengths" = equal ]; then
  candidates=$((20 * examples > 500 ? 20 * examples : 500))
else
  candidates=$((examples + examples / 4 + 64))
fi
"$python" - "$dir" "$seq" "$candidates" <<'PY'
import json, random, sys
out, seq, candidates = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(0)
names = ("Ava Ben Chloe Dan Emma Finn Grace Hugo Ivy Jack Kai Lena Max Nora Omar Pia Quinn Rosa "
         "Sam Tara Uma Vic Wes Xena Yuri Zoe Alice Bruno Clara Diego Elena Felix Gemma Henry "
         "Iris Jonas Karla Liam Maya Noah Olga Pablo Ruth Simon Tomas Ursula Victor Wanda").split()
things = ("apples books coins marbles pencils stickers cookies stamps cards shells bottles "
          "candles tickets flowers rocks toys cups plates shirts hats oranges buttons crayons "
          "feathers puzzles rubbers ribbons spoons socks keys beads leaves bricks nails boxes "
          "balloons blankets carrots cherries lemons mangoes peaches pillows radishes").split()
verbs = ("buys finds gets receives picks collects makes wins borrows earns bakes catches "
         "draws gathers orders prints saves trades").split()
def question():
    n, t, v = rng.choice(names), rng.choice(things), rng.choice(verbs)
    a, b = rng.randint(2, 999), rng.randint(2, 999)
    if rng.random() < 0.5:
        return (f"{n} has {a} {t} and {v} {b} more. How many {t} does {n} have now?",
                f"{n} starts with {a} {t}. {n} {v} {b} more, so {a} + {b} = {a + b}.")
    a, b = max(a, b), min(a, b)
    return (f"{n} had {a} {t} and gave away {b} of them. How many {t} are left?",
            f"{n} had {a} {t}. Giving away {b} leaves {a} - {b} = {a - b}.")
def completion(first_step):
    parts = ["<think>", first_step]
    while sum(len(p) + 1 for p in parts) < 8 * seq:  # well over seq tokens at any vocabulary
        parts.append("Check: " + question()[1])
    parts.append("</think> <answer> done </answer>")
    return " ".join(parts)
with open(f"{out}/corpus.txt", "w") as corpus:
    for _ in range(6000):
        q, s = question()
        corpus.write(f"{q} <think> {s} Check: {question()[1]} </think> "
                     f"<answer> {s.split()[-1][:-1]} </answer>\n")
with open(f"{out}/prompts.jsonl", "w") as p, open(f"{out}/completions.jsonl", "w") as c:
    for _ in range(candidates):
        q, s = question()
        p.write(json.dumps({"text": q}) + "\n")
        c.write(json.dumps({"text": completion(s)}) + "\n")
PY

"$r1forge" train-tokenizer --input "$dir/corpus.txt" --out "$model" --vocab-size "$vocab" \
  --user-symbols "<think>,</think>,<answer>,</answer>" --threads 1 2>"$dir/tokenizer.log" ||
  { cat "$dir/tokenizer.log" >&2; fail "train-tokenizer (VOCAB $vocab) failed"; }
# r1forge's own encoding, as its SFT loader does it: the prompt with special tokens (BOS), the
# completion without, apart.
"$r1forge" tokenize --tokenizer "$model" --add-special-tokens --input "$dir/prompts.jsonl" \
  --output "$dir/prompt_ids.jsonl"
"$r1forge" tokenize --tokenizer "$model" --input "$dir/completions.jsonl" \
  --output "$dir/completion_ids.jsonl"

if [ "$lengths" = equal ]; then
# EXAMPLES rows whose prompts share the most common length P (at most 3/4 of SEQ, so a quarter
# or more of each row is completion) and whose prompt + completion exceed SEQ: sft.jsonl (text,
# for r1forge) and ids.jsonl (SEQ ids + P, the peer's).
"$python" - "$dir" "$seq" "$examples" <<'PY'
import collections, json, sys
out, seq, examples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def lines(name):
    with open(f"{out}/{name}") as f:
        return [json.loads(line) for line in f if line.strip()]
rows = list(zip(lines("prompts.jsonl"), lines("completions.jsonl"), lines("prompt_ids.jsonl"),
                lines("completion_ids.jsonl")))
rows = [r for r in rows
        if 4 * len(r[2]["ids"]) <= 3 * seq and len(r[2]["ids"]) + len(r[3]["ids"]) > seq]
if not rows:
    sys.exit(f"scripts/bench/sft.sh: no candidate row fits SEQ {seq} (a prompt of at most 3/4 "
             f"of SEQ, prompt + completion over SEQ); raise SEQ")
length = collections.Counter(len(r[2]["ids"]) for r in rows).most_common(1)[0][0]
rows = [r for r in rows if len(r[2]["ids"]) == length][:examples]
if len(rows) < examples:
    sys.exit(f"scripts/bench/sft.sh: only {len(rows)} candidate rows have a {length}-token prompt; "
             f"EXAMPLES={examples} needs more (lower EXAMPLES)")
with open(f"{out}/sft.jsonl", "w") as text, open(f"{out}/ids.jsonl", "w") as ids:
    for prompt, completion, prompt_ids, completion_ids in rows:
        text.write(json.dumps({"prompt": prompt["text"], "completion": completion["text"]}) + "\n")
        ids.write(json.dumps({"ids": (prompt_ids["ids"] + completion_ids["ids"])[:seq],
                              "prompt_length": length}) + "\n")
PY
else
# Varied: each candidate whose prompt is at most 3/4 of SEQ gets a total length L drawn
# uniformly from [max(SEQ/8, P + 2), SEQ] (seed 1); its completion ids are cut to L - P - 1
# (the EOS is the last token) and decoded back to text, which r1forge then encodes again.
"$python" - "$dir" "$seq" <<'PY'
import json, random, sys
out, seq = sys.argv[1], int(sys.argv[2])
def lines(name):
    with open(f"{out}/{name}") as f:
        return [json.loads(line) for line in f if line.strip()]
rng = random.Random(1)
with open(f"{out}/kept.jsonl", "w") as kept, open(f"{out}/cut_ids.jsonl", "w") as cut:
    for prompt, prompt_ids, completion_ids in zip(lines("prompts.jsonl"), lines("prompt_ids.jsonl"),
                                                  lines("completion_ids.jsonl")):
        p = len(prompt_ids["ids"])
        if 4 * p > 3 * seq or p + 2 > seq:
            continue
        total = rng.randint(max(seq // 8, p + 2), seq)
        kept.write(json.dumps({"prompt": prompt["text"], "prompt_ids": prompt_ids["ids"],
                               "drawn_length": total}) + "\n")
        cut.write(json.dumps({"ids": completion_ids["ids"][:total - p - 1]}) + "\n")
PY
"$r1forge" tokenize --tokenizer "$model" --decode --input "$dir/cut_ids.jsonl" \
  --output "$dir/cut_completions.jsonl"
"$r1forge" tokenize --tokenizer "$model" --input "$dir/cut_completions.jsonl" \
  --output "$dir/cut_completion_ids.jsonl"
# The first EXAMPLES whose prompt + completion + EOS fit SEQ: sft.jsonl (text, for r1forge),
# ids.jsonl (r1forge's ids + EOS, and P: the peer's), pad_id (the tokenizer's pad, for the
# peer's collator) and lengths.json (what the data holds, for the report).
"$python" - "$dir" "$model" "$seq" "$examples" "$batch" <<'PY'
import json, statistics, sys
out, model, seq, examples, batch = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
def lines(name):
    with open(f"{out}/{name}") as f:
        return [json.loads(line) for line in f if line.strip()]
with open(f"{model}/tokenizer_config.json") as f:
    config = json.load(f)
special = {token["content"]: int(index) for index, token in config["added_tokens_decoder"].items()}
eos, pad = special[config["eos_token"]], special[config["pad_token"]]
rows = []
for kept, text, ids in zip(lines("kept.jsonl"), lines("cut_completions.jsonl"),
                           lines("cut_completion_ids.jsonl")):
    example = kept["prompt_ids"] + ids["ids"] + [eos]
    if text["text"] and ids["ids"] and len(example) <= seq:
        rows.append((kept, text["text"], example))
rows = rows[:examples]
if len(rows) < examples:
    sys.exit(f"scripts/bench/sft.sh: only {len(rows)} varied-length examples fit SEQ {seq}; "
             f"EXAMPLES={examples} needs more (lower EXAMPLES)")
with open(f"{out}/sft.jsonl", "w") as text, open(f"{out}/ids.jsonl", "w") as ids:
    for kept, completion, example in rows:
        text.write(json.dumps({"prompt": kept["prompt"], "completion": completion}) + "\n")
        ids.write(json.dumps({"ids": example, "prompt_length": len(kept["prompt_ids"])}) + "\n")
with open(f"{out}/pad_id", "w") as f:
    f.write(f"{pad}\n")
totals = [len(example) for _, _, example in rows]
prompts = [len(kept["prompt_ids"]) for kept, _, _ in rows]
drawn = [kept["drawn_length"] for kept, _, _ in rows]
with open(f"{out}/lengths.json", "w") as f:
    json.dump({"examples": len(rows), "tokens": sum(totals),
               "target_tokens": sum(t - p for t, p in zip(totals, prompts)),
               "length_min": min(totals), "length_mean": statistics.fmean(totals),
               "length_max": max(totals), "prompt_min": min(prompts), "prompt_max": max(prompts),
               # Decoding the cut ids and encoding the text again can move a length a little.
               "off_drawn": sum(t != d for t, d in zip(totals, drawn)),
               "off_drawn_max": max(abs(t - d) for t, d in zip(totals, drawn)),
               # Packed rows hold at most SEQ tokens: a floor on r1forge's steps per epoch.
               "packed_steps_at_least": -(-sum(totals) // (seq * batch))}, f)
PY
read_floor='import json, sys; print(json.load(sys.stdin)["packed_steps_at_least"])'
packed_steps="$("$python" -c "$read_floor" <"$dir/lengths.json")"
[ "$warmup" -lt "$packed_steps" ] ||
  fail "WARMUP ($warmup) leaves no r1forge step to time: the packed epoch can be as short as" \
    "$packed_steps step(s); raise EXAMPLES"
fi

# equal: STEPS steps over unpacked SEQ-token rows (every one truncated); varied: one epoch of
# packed rows (max_steps 0: num_epochs counts), nothing truncated (overflow: error). run.seed 1
# and the stage name sft fix the row order, which sft_report.py replays.
if [ "$lengths" = equal ]; then
  overflow=truncate packing=false max_steps="$steps" logging_steps="$steps"
else
  overflow=error packing=true max_steps=0 logging_steps="$examples"
fi
cat >"$dir/run.yaml" <<EOF
run: {dir: $dir/r1forge-0, seed: 1, threads: $threads}
model:
  {init: $model, dtype: float32, device: cpu, gradient_checkpointing: false, mixed_precision: none}
stages:
  - name: sft
    type: sft
    sft:
      data:
        path: $dir/sft.jsonl
        prompt_template: plain
        max_length: $seq
        overflow: $overflow
        add_eos: true
      eval_fraction: 0.0
      num_epochs: 1
      max_steps: $max_steps
      batch_size: $batch
      micro_batch_size: $micro
      packing: $packing
      completion_only_loss: true
      optimizer:
        learning_rate: $learning_rate
        weight_decay: 0.0
        adam_beta1: 0.9
        adam_beta2: 0.999
        adam_epsilon: 1.0e-8
        max_grad_norm: 1.0
        schedule: {lr_scheduler_type: constant, warmup_steps: 0}
      logging_steps: $logging_steps
      eval_steps: 0
      save_steps: 0
      save_minutes: 0
EOF

peer_flags=(--model "$model" --data "$dir/ids.jsonl" --batch-size "$batch"
            --micro-batch-size "$micro" --warmup "$warmup"
            --threads "$threads" --learning-rate "$learning_rate")
peers=(trainer)
if [ "$lengths" = equal ]; then
  peer_flags+=(--steps "$steps")
else
  peer_flags+=(--epochs 1 --pad-id "$(cat "$dir/pad_id")")
  peers+=(trainer-grouped)
fi
load="$(cut -d ' ' -f 1 /proc/loadavg)"
if awk -v load="$load" 'BEGIN { exit !(load > 0.5) }'; then
  echo "scripts/bench/sft.sh: warning: load average $load before the runs; timings of a busy" \
    "machine are not comparable" >&2
fi
# Peak resident set (KiB) and wall seconds of each whole process, from GNU time.
peak_rss() { /usr/bin/time -f "%M %e" -o "$1" "${@:2}"; }
for ((r = 0; r < repeats; r++)); do
  peak_rss "$dir/r1forge-$r.rss" "$r1forge" stage "$dir/run.yaml" sft "run.dir=$dir/r1forge-$r" \
    >"$dir/r1forge-$r.log" 2>&1 ||
    { tail -n 30 "$dir/r1forge-$r.log" >&2; fail "r1forge run $r failed"; }
  for peer in "${peers[@]}"; do
    extra=()
    [ "$peer" = trainer ] || extra=(--group-by-length)
    peak_rss "$dir/$peer-$r.rss" "$python" "$here/sft_peer.py" "${peer_flags[@]}" "${extra[@]}" \
      --out "$dir/$peer-$r" >"$dir/$peer-$r.jsonl" 2>"$dir/$peer-$r.log" ||
      { tail -n 30 "$dir/$peer-$r.log" >&2; fail "Trainer run $r ($peer) failed"; }
  done
done

"$python" "$here/sft_report.py" --dir "$dir" --repeats "$repeats" --warmup "$warmup" \
  --preset "$preset" --threads "$threads" --batch-size "$batch" --micro-batch-size "$micro" \
  --seq-len "$seq" --examples "$examples" --vocab "$vocab" --openmp "$openmp" --load "$load" \
  --lengths "$lengths"
