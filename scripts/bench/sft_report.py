#!/usr/bin/env python3
"""Table of `scripts/bench.sh sft` (see scripts/bench/sft.sh): reads each r1forge run's
metrics.jsonl and log, and each Trainer run's JSON line, from --dir.

--lengths equal: drops --warmup steps per run and takes each run's median step; then the run
with the median tokens/s of each side. Checks first that both sides trained what the benchmark
says: r1forge's log reports every example at exactly --seq-len tokens (all truncated, none
skipped), both ran the same number of steps, and every step of both has the same target tokens.
Prints a markdown table, the r1forge / Trainer tokens/s ratio, the first- and last-step loss of
each side and the largest per-step gap (same weights; with EXAMPLES = BATCH the same rows every
step, so they agree to about 1e-5: measured ~1e-6 at toy size) and a JSON last line.

--lengths varied: one epoch of varied-length examples per run, r1forge packed, the Trainer
padded (and padded with group_by_length). Per run: real (non-pad) tokens of the steps after
--warmup over the sum of their times, the same for target (loss) tokens, steps per epoch and
the padding share; then each side's run with the median real tokens/s. r1forge's metrics.jsonl
logs no per-step input tokens, so its steps are replayed here (first-fit-decreasing packing and
the PromptSampler order, as src/data/sft_dataset.cpp and src/data/prompt_dataset.cpp do them)
and checked against every logged step's target count. Checks that r1forge's log counts the
examples and tokens of ids.jsonl (none truncated or skipped) and that every side trained the
same real and target tokens over the epoch. Prints a markdown table, the ratios, each side's
mean loss over the epoch (a loose check only: the batches differ) and a JSON last line."""
import argparse
import json
import re
import statistics
import sys

NAMES = {"r1forge": "r1forge sft stage", "trainer": "transformers Trainer",
         "trainer-grouped": "transformers Trainer, group_by_length"}
BATCHING = {"r1forge": "packing (first-fit-decreasing, segment ids)",
            "trainer": "padding to the longest (random order)",
            "trainer-grouped": "padding to the longest (length-grouped order)"}
MASK64 = (1 << 64) - 1


def fail(message):
    sys.exit(f"sft_report: {message}")


def process_figures(path):
    """(peak RSS MiB, wall seconds) of a whole process from its GNU time file."""
    with open(path) as f:
        rss_kib, wall = f.read().split()[-2:]
    return int(rss_kib) / 1024, float(wall)


def r1forge_run(run_dir, log, args):
    with open(log) as f:
        text = f.read()
    # sft_trainer.cpp: "sft: N examples (T tokens, X truncated, Y skipped) in R rows; ..."
    match = re.search(r"(\d+) examples \((\d+) tokens, (\d+) truncated, (\d+) skipped\)", text)
    if not match:
        fail(f"{log}: no 'N examples (T tokens, ...)' line to check the data against")
    count, tokens, truncated, skipped = map(int, match.groups())
    if (count, tokens, truncated, skipped) != (args.examples, args.examples * args.seq_len,
                                              args.examples, 0):
        fail(f"{log}: r1forge loaded {count} examples of {tokens} tokens ({truncated} truncated, "
             f"{skipped} skipped); expected {args.examples} x {args.seq_len}, all truncated")
    with open(f"{run_dir}/stages/01-sft/metrics.jsonl") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    steps = [{"step": m["step"], "seconds": m["time/step"], "loss": m["loss"],
              "tokens": args.batch_size * args.seq_len, "target_tokens": int(m["target_tokens"])}
             for m in lines if "time/step" in m]
    return steps


def trainer_run(path):
    with open(path) as f:
        row = json.loads(f.read().strip().splitlines()[-1])
    return row["steps"]


def summarize(steps, warmup):
    timed = steps[warmup:]
    seconds = statistics.median(s["seconds"] for s in timed)
    return {"median_step_seconds": seconds,
            "tokens_per_second": timed[0]["tokens"] / seconds,
            "target_tokens_per_second": timed[0]["target_tokens"] / seconds,
            "first_loss": steps[0]["loss"], "last_loss": steps[-1]["loss"],
            "tokens_per_step": timed[0]["tokens"],
            "target_tokens_per_step": timed[0]["target_tokens"]}


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def derive_seed(seed, purpose, indices=()):
    """core/rng.cpp derive_seed: FNV-1a of the purpose, mixed with the seed and indices."""
    digest = 0xCBF29CE484222325
    for byte in purpose.encode():
        digest = ((digest ^ byte) * 0x100000001B3) & MASK64
    state = splitmix64(seed ^ splitmix64(digest))
    for index in indices:
        state = splitmix64(state ^ splitmix64(index + 1))
    return state


def replay_r1forge(examples, args):
    """r1forge's steps of one epoch: per step the real tokens, targets and micro-batch
    positions. examples: (length, prompt_length) in file order. The packing is
    pack_first_fit_decreasing (stable sort by length, longest first; first bin with room), the
    order SftTrainer's PromptSampler (seed derive_seed(derive_seed(run.seed, "stage:sft"),
    "sft-order")), epoch 0: Fisher-Yates with SplitMix64 draws), the last step what is left."""
    order = sorted(range(len(examples)), key=lambda i: -examples[i][0])
    bins, room = [], []
    for index in order:
        length = examples[index][0]
        slot = next((b for b in range(len(bins)) if room[b] >= length), len(bins))
        if slot == len(bins):
            bins.append([])
            room.append(args.seq_len)
        bins[slot].append(index)
        room[slot] -= length
    seed = derive_seed(derive_seed(args.run_seed, f"stage:{args.stage}"), "sft-order")
    rows = list(range(len(bins)))
    state = derive_seed(seed, "prompt-order", (0,))
    for i in range(len(rows) - 1, 0, -1):
        state = splitmix64(state)
        j = state % (i + 1)
        rows[i], rows[j] = rows[j], rows[i]
    steps = []
    for start in range(0, len(rows), args.batch_size):
        taken = [bins[b] for b in rows[start:start + args.batch_size]]
        widths = [sum(examples[e][0] for e in row) for row in taken]
        positions = sum(len(widths[m:m + args.micro_batch_size]) *
                        max(widths[m:m + args.micro_batch_size])
                        for m in range(0, len(widths), args.micro_batch_size))
        steps.append({"real_tokens": sum(widths), "tokens": positions,
                      "target_tokens": sum(examples[e][0] - max(examples[e][1], 1)
                                           for row in taken for e in row)})
    return len(bins), steps


def r1forge_varied_run(run_dir, log, examples, args):
    """The r1forge run's steps, each with its replayed tokens; fails on any mismatch."""
    with open(log) as f:
        text = f.read()
    # sft_trainer.cpp: "sft: N examples (T tokens, X truncated, Y skipped) in R packed rows;
    # H held out; S steps of B rows"
    match = re.search(r"(\d+) examples \((\d+) tokens, (\d+) truncated, (\d+) skipped\) in "
                      r"(\d+) packed rows; (\d+) held out; (\d+) steps of", text)
    if not match:
        fail(f"{log}: no 'N examples (T tokens, ...) in R packed rows' line to check the data")
    count, tokens, truncated, skipped, rows, held_out, total_steps = map(int, match.groups())
    packed_rows, replay = replay_r1forge(examples, args)
    expected = (len(examples), sum(e[0] for e in examples), 0, 0, packed_rows, 0, len(replay))
    if (count, tokens, truncated, skipped, rows, held_out, total_steps) != expected:
        fail(f"{log}: r1forge loaded {count} examples of {tokens} tokens ({truncated} truncated, "
             f"{skipped} skipped) into {rows} packed rows, {held_out} held out, {total_steps} "
             f"steps; ids.jsonl and the packing replay say {expected[0]} examples of "
             f"{expected[1]} tokens, none truncated or skipped, {packed_rows} rows, "
             f"{len(replay)} steps")
    with open(f"{run_dir}/stages/01-sft/metrics.jsonl") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    steps = [{"step": m["step"], "seconds": m["time/step"], "loss": m["loss"],
              "target_tokens": int(m["target_tokens"])} for m in lines if "time/step" in m]
    if len(steps) != len(replay):
        fail(f"{run_dir}: {len(steps)} steps logged, {len(replay)} in the epoch")
    for step, replayed in zip(steps, replay):
        if step["target_tokens"] != replayed["target_tokens"]:
            fail(f"{run_dir} step {step['step']}: {step['target_tokens']} target tokens logged, "
                 f"{replayed['target_tokens']} in the replay of r1forge's packing and row order "
                 f"(sft_report.py replay_r1forge no longer matches src/data/; fix the replay)")
        step.update(tokens=replayed["tokens"], real_tokens=replayed["real_tokens"])
    return steps, packed_rows


def summarize_varied(steps, warmup):
    timed = steps[warmup:]
    seconds = sum(s["seconds"] for s in timed)
    targets = sum(s["target_tokens"] for s in steps)
    return {"steps_per_epoch": len(steps), "timed_steps": len(timed),
            "timed_seconds": seconds, "mean_step_seconds": seconds / len(timed),
            "real_tokens_per_second": sum(s["real_tokens"] for s in timed) / seconds,
            "target_tokens_per_second": sum(s["target_tokens"] for s in timed) / seconds,
            "epoch_real_tokens": sum(s["real_tokens"] for s in steps),
            "epoch_target_tokens": targets,
            "epoch_positions": sum(s["tokens"] for s in steps),
            "padding_share": 1 - sum(s["real_tokens"] for s in steps) /
                             sum(s["tokens"] for s in steps),
            # Each step's loss is its targets' mean: weighted by targets, the epoch's token mean.
            "mean_loss": sum(s["loss"] * s["target_tokens"] for s in steps) / targets}


def report_varied(args):
    with open(f"{args.dir}/ids.jsonl") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    examples = [(len(r["ids"]), r["prompt_length"]) for r in rows]
    with open(f"{args.dir}/lengths.json") as f:
        data = json.load(f)
    if len(examples) != args.examples or sum(e[0] for e in examples) != data["tokens"]:
        fail(f"{args.dir}/ids.jsonl holds {len(examples)} examples; expected {args.examples} "
             f"of {data['tokens']} tokens")
    names = ("r1forge", "trainer", "trainer-grouped")
    runs = {name: [] for name in names}
    packed_rows = 0
    for r in range(args.repeats):
        steps = {"trainer": trainer_run(f"{args.dir}/trainer-{r}.jsonl"),
                 "trainer-grouped": trainer_run(f"{args.dir}/trainer-grouped-{r}.jsonl")}
        steps["r1forge"], packed_rows = r1forge_varied_run(
            f"{args.dir}/r1forge-{r}", f"{args.dir}/r1forge-{r}.log", examples, args)
        for name in names:
            if len(steps[name]) <= args.warmup:
                fail(f"run {r}: {NAMES[name]} ran {len(steps[name])} steps, none after WARMUP "
                     f"{args.warmup}; raise EXAMPLES")
            summary = summarize_varied(steps[name], args.warmup)
            # One epoch each: the same examples, so the same real and target tokens.
            if (summary["epoch_real_tokens"], summary["epoch_target_tokens"]) != (
                    data["tokens"], data["target_tokens"]):
                fail(f"run {r}: {NAMES[name]} trained {summary['epoch_real_tokens']} real tokens "
                     f"({summary['epoch_target_tokens']} targets) in its epoch; the data holds "
                     f"{data['tokens']} ({data['target_tokens']})")
            summary["peak_rss_mib"], summary["process_seconds"] = process_figures(
                f"{args.dir}/{name}-{r}.rss")
            runs[name].append(summary)

    median = {name: sorted(rs, key=lambda x: x["real_tokens_per_second"])[len(rs) // 2]
              for name, rs in runs.items()}
    base = median["trainer"]["real_tokens_per_second"]
    with open(f"{args.dir}/model/config.json") as f:
        model_vocab = json.load(f)["vocab_size"]
    print(f"SFT epoch of varied-length examples, {args.preset} (vocabulary {model_vocab}; ids "
          f"from a {args.vocab}-piece tokenizer), fp32, {args.threads} thread(s), "
          f"{args.openmp or 'OpenMP defaults'}; {args.examples} examples of "
          f"{data['length_min']}-{data['length_max']} tokens (mean {data['length_mean']:.1f}; "
          f"drawn uniformly from [max(SEQ/8, prompt + 2), SEQ], SEQ {args.seq_len}; decode + "
          f"encode moved {data['off_drawn']} by at most {data['off_drawn_max']} token(s); "
          f"prompts {data['prompt_min']}-{data['prompt_max']}), {data['tokens']} real tokens, "
          f"{data['target_tokens']} with loss; {args.batch_size} rows (r1forge: packed rows of "
          f"{args.seq_len}; Trainer: examples) per optimizer step, micro-batch "
          f"{args.micro_batch_size}; AdamW lr 2e-5 constant; one epoch per run, rates over the "
          f"steps after the first {args.warmup} (sum of tokens / sum of step times), median of "
          f"{args.repeats} interleaved runs; load average before the runs {args.load or '?'}")
    print("| implementation | batching | steps/epoch | real tokens/s | target tokens/s | "
          "vs Trainer | padding share | ms/step (mean) | peak RSS MiB | process s | "
          "runs (real tokens/s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        m = median[name]
        spread = ", ".join(f"{x['real_tokens_per_second']:.0f}" for x in runs[name])
        print(f"| {NAMES[name]} | {BATCHING[name]} | {m['steps_per_epoch']} | "
              f"{m['real_tokens_per_second']:.0f} | {m['target_tokens_per_second']:.0f} | "
              f"{m['real_tokens_per_second'] / base:.2f}x | {100 * m['padding_share']:.1f}% | "
              f"{m['mean_step_seconds'] * 1e3:.1f} | {m['peak_rss_mib']:.0f} | "
              f"{m['process_seconds']:.1f} | {spread} |")
    ratio = median["r1forge"]["real_tokens_per_second"] / base
    grouped = (median["r1forge"]["real_tokens_per_second"] /
               median["trainer-grouped"]["real_tokens_per_second"])
    print(f"r1forge / Trainer real tokens/s: **{ratio:.2f}x** (r1forge / Trainer with "
          f"group_by_length: {grouped:.2f}x)")
    print(f"checked: every side trained all {data['tokens']} real tokens ({data['target_tokens']} "
          f"with loss) in its epoch; r1forge packed the {args.examples} examples into "
          f"{packed_rows} rows, the Trainer took them {args.batch_size} per step")
    print(f"sanity (loose: the batches differ, so losses do not pair step by step): mean loss "
          f"over the epoch r1forge {median['r1forge']['mean_loss']:.5f}, Trainer "
          f"{median['trainer']['mean_loss']:.5f}, Trainer group_by_length "
          f"{median['trainer-grouped']['mean_loss']:.5f}")
    print(json.dumps({"bench": "sft", "lengths": "varied",
                      "ratio_r1forge_over_trainer": ratio,
                      "ratio_r1forge_over_trainer_group_by_length": grouped,
                      "preset": args.preset, "model_vocab": model_vocab,
                      "tokenizer_vocab": args.vocab, "batch_size": args.batch_size,
                      "micro_batch_size": args.micro_batch_size, "sequence_length": args.seq_len,
                      "examples": args.examples, "data": data, "packed_rows": packed_rows,
                      "threads": args.threads, "warmup_steps": args.warmup,
                      "openmp": args.openmp, "load_average": args.load,
                      "median": median, "runs": runs}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--preset", required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--micro-batch-size", type=int, required=True)
    parser.add_argument("--seq-len", type=int, required=True)
    parser.add_argument("--examples", type=int, required=True)
    parser.add_argument("--vocab", type=int, required=True, help="the tokenizer's size")
    parser.add_argument("--openmp", default="", help="the OpenMP wait settings of both sides")
    parser.add_argument("--load", default="", help="1-minute load average before the runs")
    parser.add_argument("--lengths", choices=("equal", "varied"), default="equal")
    parser.add_argument("--run-seed", type=int, default=1, help="run.seed of sft.sh's run.yaml")
    parser.add_argument("--stage", default="sft", help="the stage name in sft.sh's run.yaml")
    args = parser.parse_args()
    if args.lengths == "varied":
        report_varied(args)
        return

    runs = {"r1forge": [], "trainer": []}
    for r in range(args.repeats):
        pairs = {"r1forge": r1forge_run(f"{args.dir}/r1forge-{r}", f"{args.dir}/r1forge-{r}.log",
                                        args),
                 "trainer": trainer_run(f"{args.dir}/trainer-{r}.jsonl")}
        ours, theirs = pairs["r1forge"], pairs["trainer"]
        if len(ours) != len(theirs):
            fail(f"run {r}: r1forge timed {len(ours)} steps, the Trainer {len(theirs)}")
        for a, b in zip(ours, theirs):
            if (a["tokens"], a["target_tokens"]) != (b["tokens"], b["target_tokens"]):
                fail(f"run {r} step {a['step']}: r1forge trained {a['tokens']} tokens "
                     f"({a['target_tokens']} targets), the Trainer {b['tokens']} "
                     f"({b['target_tokens']})")
        for name, steps in pairs.items():
            summary = summarize(steps, args.warmup)
            summary["peak_rss_mib"], summary["process_seconds"] = process_figures(
                f"{args.dir}/{name}-{r}.rss")
            summary["loss_gap"] = max(abs(a["loss"] - b["loss"]) for a, b in zip(ours, theirs))
            runs[name].append({"summary": summary, "steps": steps})

    median = {name: sorted(rs, key=lambda x: x["summary"]["tokens_per_second"])[len(rs) // 2]
              for name, rs in runs.items()}
    ours, theirs = median["r1forge"]["summary"], median["trainer"]["summary"]
    ratio = ours["tokens_per_second"] / theirs["tokens_per_second"]
    with open(f"{args.dir}/model/config.json") as f:
        model_vocab = json.load(f)["vocab_size"]
    steps = len(median["r1forge"]["steps"])
    timed = f"{args.warmup + 1}-{steps}" if steps > args.warmup + 1 else f"{steps}"
    print(f"SFT step, {args.preset} (vocabulary {model_vocab}; ids from a {args.vocab}-piece "
          f"tokenizer), fp32, {args.threads} thread(s), {args.openmp or 'OpenMP defaults'}; "
          f"{args.batch_size} rows x {args.seq_len} tokens per optimizer step (micro-batch "
          f"{args.micro_batch_size}, no padding, {ours['target_tokens_per_step']} completion "
          f"tokens with loss), {args.examples} examples; AdamW lr 2e-5 constant; median of steps "
          f"{timed} per run, median of {args.repeats} interleaved runs; load average before the "
          f"runs {args.load or '?'}")
    print("| implementation | ms/step | tokens/s | target tokens/s | vs Trainer | peak RSS MiB | "
          "process s | runs (tokens/s) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, row in median.items():
        m = row["summary"]
        spread = ", ".join(f"{x['summary']['tokens_per_second']:.0f}" for x in runs[name])
        print(f"| {NAMES[name]} | {m['median_step_seconds'] * 1e3:.1f} | "
              f"{m['tokens_per_second']:.0f} | {m['target_tokens_per_second']:.0f} | "
              f"{m['tokens_per_second'] / theirs['tokens_per_second']:.2f}x | "
              f"{m['peak_rss_mib']:.0f} | {m['process_seconds']:.1f} | {spread} |")
    print(f"r1forge / Trainer tokens/s: **{ratio:.2f}x**")
    gap = max(x["summary"]["loss_gap"] for x in runs["r1forge"])
    print(f"sanity: step-1 loss r1forge {ours['first_loss']:.5f}, Trainer "
          f"{theirs['first_loss']:.5f}; last step {ours['last_loss']:.5f} vs "
          f"{theirs['last_loss']:.5f}; largest per-step gap over all runs {gap:.2e}"
          + ("" if args.examples == args.batch_size else
             " (EXAMPLES > BATCH: the two samplers draw different rows per step, so only the "
             "rough level compares)"))
    print(json.dumps({"bench": "sft", "ratio_r1forge_over_trainer": ratio, "preset": args.preset,
                      "model_vocab": model_vocab, "tokenizer_vocab": args.vocab,
                      "batch_size": args.batch_size, "micro_batch_size": args.micro_batch_size,
                      "sequence_length": args.seq_len, "examples": args.examples,
                      "threads": args.threads, "warmup_steps": args.warmup,
                      "openmp": args.openmp, "load_average": args.load,
                      "median": {k: v["summary"] for k, v in median.items()},
                      "runs": {k: [x["summary"] for x in v] for k, v in runs.items()}}))


if __name__ == "__main__":
    main()
