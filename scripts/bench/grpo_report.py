#!/usr/bin/env python3
"""Table of `scripts/bench.sh grpo` (see scripts/bench/grpo.sh): reads each r1forge run's
metrics.jsonl and each TRL run's JSON line from --dir, drops --warmup steps per run, takes
each run's median step (times; completion lengths are means over the timed steps), then the
median run by s/step. Rows: r1forge, r1forge with each completion recomputing its prompt
(when run), TRL (when run); peak RSS from each run's GNU time file. Prints a markdown table,
the TRL / r1forge ratio and a JSON last line."""
import argparse
import json
import os
import statistics

NAMES = {"r1forge": "r1forge", "unshared": "r1forge, prompt per completion", "trl": "TRL GRPOTrainer"}


def peak_rss_mib(path):
    """GNU time's maximum resident set (KiB) in MiB, or None when the run was not timed."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return int(f.read().strip().splitlines()[-1]) / 1024


def r1forge_run(path, warmup):
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    steps = []
    for m in lines:
        if "time/step" not in m or "eval/time" in m:
            continue
        seconds = m["time/step"]
        steps.append({
            "step": m["step"], "seconds": seconds, "rollout": m["time/rollout"],
            "reward": m["time/reward"], "logprobs": m.get("time/logprobs", 0.0),
            "update": m.get("time/update", 0.0), "mean_length": m["completions/mean_length"],
            "clipped_ratio": m["completions/clipped_ratio"],
            "tokens_per_second": m["tokens_per_second"]})
    return summarize("r1forge", steps, warmup)


def trl_run(path, warmup):
    with open(path) as f:
        row = json.loads(f.read().strip().splitlines()[-1])
    steps = [dict(s, tokens_per_second=s["generated_tokens"] / s["seconds"]) for s in row["steps"]]
    return summarize("trl", steps, warmup)


def summarize(name, steps, warmup):
    for s in steps:  # the rest of the step: batching, advantages, decode and tokenize (TRL), ...
        s["other"] = s["seconds"] - s["rollout"] - s["reward"] - s.get("logprobs", 0.0) - \
            s["update"]
    timed = steps[warmup:]
    keys = ("seconds", "rollout", "reward", "logprobs", "update", "other", "tokens_per_second")
    median = {k: statistics.median(s.get(k, 0.0) for s in timed) for k in keys}
    for k in ("mean_length", "clipped_ratio"):  # lengths: the mean over the timed steps
        median[k] = statistics.mean(s[k] for s in timed)
    return {"implementation": name, "median": median, "steps": steps}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--repeats", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--preset", default="qwen2-10m")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompts-per-step", type=int, required=True)
    parser.add_argument("--num-generations", type=int, required=True)
    parser.add_argument("--max-completion-length", type=int, required=True)
    parser.add_argument("--gradient-checkpointing", type=int, default=0)
    parser.add_argument("--precision", default="none", help="mixed precision: none | bfloat16")
    args = parser.parse_args()
    runs = {}
    for r in range(args.repeats):
        for name in ("r1forge", "unshared"):
            metrics = f"{args.dir}/{name}-{r}/stages/01-rl/metrics.jsonl"
            if os.path.exists(metrics):
                runs.setdefault(name, []).append(r1forge_run(metrics, args.warmup))
        if os.path.exists(f"{args.dir}/trl-{r}.jsonl"):
            runs.setdefault("trl", []).append(trl_run(f"{args.dir}/trl-{r}.jsonl", args.warmup))
        for name in runs:
            runs[name][-1]["median"]["peak_rss_mib"] = peak_rss_mib(f"{args.dir}/{name}-{r}.rss")
    shape = {"prompts_per_step": args.prompts_per_step, "num_generations": args.num_generations,
             "max_completion_length": args.max_completion_length,
             "gradient_checkpointing": bool(args.gradient_checkpointing)}
    with open(f"{args.dir}/prompt_ids.jsonl") as f:
        prompt_lengths = [len(json.loads(line)["ids"]) for line in f if line.strip()]
    median = {name: sorted(rs, key=lambda r: r["median"]["seconds"])[len(rs) // 2]
              for name, rs in runs.items()}
    ours = median["r1forge"]["median"]
    ratio = median["trl"]["median"]["seconds"] / ours["seconds"] if "trl" in median else None
    steps = len(median["r1forge"]["steps"])
    print(f"GRPO step, {args.preset}, B {shape['prompts_per_step']} prompts x G "
          f"{shape['num_generations']}, max_completion_length {shape['max_completion_length']}, "
          f"prompt {min(prompt_lengths)}-{max(prompt_lengths)} tokens, {args.threads} threads, "
          f"{'fp32' if args.precision == 'none' else 'bf16 autocast over fp32 weights'}, "
          f"gradient checkpointing {'on' if shape.get('gradient_checkpointing') else 'off'}; "
          f"median of steps {args.warmup + 1}-{steps} per run, median of {args.repeats} "
          f"interleaved runs")
    print("| implementation | s/step | rollout s | reward s | logprobs s | update s | other s | "
          "generated tok/s | mean completion length | clipped ratio | peak RSS MiB | "
          "runs (s/step) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, row in median.items():
        m = row["median"]
        spread = ", ".join(f"{r['median']['seconds']:.2f}" for r in runs[name])
        rss = f"{m['peak_rss_mib']:.0f}" if m.get("peak_rss_mib") else "-"
        print(f"| {NAMES[name]} | {m['seconds']:.2f} | {m['rollout']:.2f} | {m['reward']:.3f} | "
              f"{m['logprobs']:.2f} | {m['update']:.2f} | {m['other']:.2f} | "
              f"{m['tokens_per_second']:.0f} | {m['mean_length']:.1f} | "
              f"{m['clipped_ratio']:.2f} | {rss} | {spread} |")
    for name in ("unshared", "trl"):
        if name in median:
            other = median[name]["median"]
            print(f"{NAMES[name]} / r1forge s/step: **{other['seconds'] / ours['seconds']:.2f}x** "
                  f"(rollout {other['rollout'] / ours['rollout']:.2f}x, "
                  f"update {other['update'] / max(ours['update'], 1e-9):.2f}x)")
    print(json.dumps({"bench": "grpo", "ratio_trl_over_r1forge": ratio, "preset": args.preset,
                      "prompts_per_step": shape["prompts_per_step"],
                      "num_generations": shape["num_generations"],
                      "max_completion_length": shape["max_completion_length"],
                      "threads": args.threads, "warmup_steps": args.warmup,
                      "mixed_precision": args.precision,
                      "gradient_checkpointing": shape.get("gradient_checkpointing", False),
                      "median": {k: v["median"] for k, v in median.items()},
                      "runs": {k: [r["median"] for r in v] for k, v in runs.items()}}))


if __name__ == "__main__":
    main()
