#!/usr/bin/env python3
"""Markdown tables of a seed sweep (scripts/seed_sweep.sh): for each seed, the demo's per-stage
pass@1 / cons@8 / pass@8 / format and the distill-vs-rl arms, then pass@1's mean and spread
(min..max) over seeds per stage, the general-RL figures (reward models' held-out pair accuracy,
their mean scores on the held-out general prompts before and after general_rl), the
language-consistency ablation (share of Chinese held-out samples with mixed-language thinking,
pass@1), and the demo's targets checked at every seed: reasoning_rl >= cold_start + 15 points
at >= 95% format, sft >= reasoning_rl - 2 points; each reward model >= 90% held-out pair
accuracy, general_rl raises the reward models' summed mean score on the held-out general
prompts with reasoning pass@1 at most 2 points below sft's; rl_lc's mixed share below rl_plain's.

  python3 scripts/seed_table.py SWEEP_DIR SEED [SEED ...]
Exit status 1 when a target is missed at some seed (the table is printed either way).
"""
import json
import os
import statistics
import sys


def report(run_dir):
    path = os.path.join(run_dir, "report.json")
    if not os.path.exists(path):
        return None
    return {s["name"]: s for s in json.load(open(path))["stages"]}


def stage_file(run_dir, name, file):
    """run_dir/stages/NN-name/file, or None when it does not exist."""
    stages = os.path.join(run_dir, "stages")
    for folder in sorted(os.listdir(stages)) if os.path.isdir(stages) else []:
        if folder.split("-", 1)[-1] == name and os.path.exists(os.path.join(stages, folder, file)):
            return json.load(open(os.path.join(stages, folder, file)))
    return None


def pct(value):
    return "-" if value is None else f"{100 * value:.1f}%"


def general_rl_figures(run_dir, seed, failures, rows):
    """The reward models' accuracy and scores before/after general_rl, one row per seed."""
    accuracy = {rm: (stage_file(run_dir, rm, "reward_model.json") or {}).get("held_out_accuracy")
                for rm in ("helpfulness_rm", "harmlessness_rm")}
    before = (stage_file(run_dir, "general_before", "eval.json") or {}).get("rewards")
    after = (stage_file(run_dir, "general_after", "eval.json") or {}).get("rewards")
    stages = report(run_dir) or {}
    pass1 = {n: s["eval"]["pass_at_1"] for n, s in stages.items() if "eval" in s}
    if None in accuracy.values() or before is None or after is None or \
            not {"sft", "general_rl"} <= pass1.keys():
        failures.append(f"seed {seed}: the general-RL stages have not finished")
        return
    for rm, value in accuracy.items():
        if value < 0.90:
            failures.append(f"seed {seed}: {rm} held-out accuracy {100 * value:.1f}% < 90%")
    score = lambda r: r["helpfulness"] + r["harmlessness"]
    if score(after) <= score(before):
        failures.append(f"seed {seed}: general_rl left the reward-model score at "
                        f"{score(after):.3f} (sft {score(before):.3f})")
    drop = pass1["sft"] - pass1["general_rl"]
    if drop > 0.02:
        failures.append(f"seed {seed}: general_rl pass@1 {100 * drop:.1f} points below sft")
    rows.append(f"| {seed} | {pct(accuracy['helpfulness_rm'])} | {pct(accuracy['harmlessness_rm'])} "
                f"| {before['helpfulness']:.3f} -> {after['helpfulness']:.3f} "
                f"| {before['harmlessness']:.3f} -> {after['harmlessness']:.3f} "
                f"| {pct(before['instruction'])} -> {pct(after['instruction'])} "
                f"| {pct(pass1['sft'])} -> {pct(pass1['general_rl'])} |")


def language_figures(run_dir, seed, failures, rows):
    """The ablation's stages: pass@1 and the Chinese samples' mixed-thinking shares."""
    stages = report(run_dir)
    if stages is None:
        return
    mix = {}
    for name in ("cold_start", "rl_plain", "rl_lc"):
        zh = ((stage_file(run_dir, name, "language_mix.json") or {}).get("by_language", {})
              .get("zh"))
        eval_ = stages.get(name, {}).get("eval")
        if zh is None or eval_ is None:
            failures.append(f"seed {seed}: language-consistency stage {name} has no figures")
            return
        mix[name] = (zh["any_off_target"], zh["majority_off_target"], eval_["pass_at_1"])
        rows.append(f"| {seed} | {name} | {pct(zh['any_off_target'])} | "
                    f"{pct(zh['majority_off_target'])} | {pct(eval_['pass_at_1'])} |")
    if mix["rl_lc"][0] >= mix["rl_plain"][0]:
        failures.append(f"seed {seed}: rl_lc mixed share {pct(mix['rl_lc'][0])} is not below "
                        f"rl_plain's {pct(mix['rl_plain'][0])}")


def cell(stage, key):
    value = (stage or {}).get("eval", {}).get(key)
    return "-" if value is None else f"{100 * value:.1f}%"


def main():
    sweep, seeds = sys.argv[1], sys.argv[2:]
    per_stage = {}
    failures = []
    general_rows, language_rows = [], []
    for seed in seeds:
        general_rl_figures(os.path.join(sweep, f"r1-tiny-seed{seed}"), seed, failures,
                           general_rows)
        language_figures(os.path.join(sweep, f"language-consistency-seed{seed}"), seed, failures,
                         language_rows)
        for kind in ("r1-tiny", "distill-vs-rl"):
            stages = report(os.path.join(sweep, f"{kind}-seed{seed}"))
            if stages is None:
                continue
            print(f"\n**{kind}, seed {seed}**\n")
            print("| stage | seconds | pass@1 | cons@8 | pass@8 | format |")
            print("|---|---|---|---|---|---|")
            for name, stage in stages.items():
                print(f"| {name} | {stage['seconds']:.1f} | {cell(stage, 'pass_at_1')} | "
                      f"{cell(stage, 'cons_at_k')} | {cell(stage, 'pass_at_k')} | "
                      f"{cell(stage, 'format_rate')} |")
                if "eval" in stage:
                    per_stage.setdefault((kind, name), []).append(stage["eval"]["pass_at_1"])
            if kind == "r1-tiny":
                total = sum(s["seconds"] for s in stages.values())
                print(f"\nwhole run: {total:.0f} s")
                pass1 = {n: s["eval"]["pass_at_1"] for n, s in stages.items() if "eval" in s}
                if not {"cold_start", "reasoning_rl", "sft"} <= pass1.keys():
                    failures.append(f"seed {seed}: the run has not finished")
                    continue
                gain = pass1["reasoning_rl"] - pass1["cold_start"]
                fmt = stages["reasoning_rl"]["eval"]["format_rate"]
                if gain < 0.15 or fmt < 0.95:
                    failures.append(f"seed {seed}: reasoning_rl {100 * gain:+.1f} points, "
                                    f"format {100 * fmt:.1f}%")
                if pass1["sft"] < pass1["reasoning_rl"] - 0.02:
                    failures.append(f"seed {seed}: sft {100 * pass1['sft']:.1f}% < reasoning_rl "
                                    f"{100 * pass1['reasoning_rl']:.1f}% - 2 points")
    print("\n**pass@1 over seeds " + ", ".join(seeds) + "**\n")
    print("| run | stage | mean | min | max | per seed |")
    print("|---|---|---|---|---|---|")
    for (kind, name), values in per_stage.items():
        print(f"| {kind} | {name} | {100 * statistics.mean(values):.1f}% | "
              f"{100 * min(values):.1f}% | {100 * max(values):.1f}% | "
              + " / ".join(f"{100 * v:.1f}" for v in values) + " |")
    print("\n**general RL: reward models (held-out pair accuracy) and their mean scores on the "
          "held-out general prompts, sft -> general_rl**\n")
    print("| seed | helpfulness RM | harmlessness RM | helpfulness score | harmlessness score | "
          "instruction rule | reasoning pass@1 |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(general_rows))
    if language_rows:
        print("\n**language consistency: Chinese held-out samples whose thinking has English words "
              "(any / a majority), and pass@1 over all held-out problems**\n")
        print("| seed | stage | mixed (any) | mixed (majority) | pass@1 |")
        print("|---|---|---|---|---|")
        print("\n".join(language_rows))
    print("\ntargets: " + ("all met" if not failures else "MISSED: " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
