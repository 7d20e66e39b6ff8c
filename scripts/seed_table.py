#!/usr/bin/env python3
"""Markdown tables of a seed sweep (scripts/seed_sweep.sh): for each seed, the demo's per-stage
pass@1 / cons@8 / pass@8 / format and the distill-vs-rl arms, then pass@1's mean and spread
(min..max) over seeds per stage, and the demo's targets checked at every seed:
reasoning_rl >= cold_start + 15 points at >= 95% format, sft >= reasoning_rl - 2 points.

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


def cell(stage, key):
    value = (stage or {}).get("eval", {}).get(key)
    return "-" if value is None else f"{100 * value:.1f}%"


def main():
    sweep, seeds = sys.argv[1], sys.argv[2:]
    per_stage = {}
    failures = []
    for seed in seeds:
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
    print("\ntargets: " + ("all met" if not failures else "MISSED: " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
