#!/usr/bin/env python3
"""Compares two r1forge run folders for exact resume: every stage's final weights byte for
byte, metrics.jsonl and samples.jsonl line for line (wall-clock keys left out: no two runs
share them), eval.json, data.jsonl, and the stages recorded in pipeline_state.json. Paths
naming the trial's run folder are read as the reference's (provenance records the policy).
Usage: compare_runs.py REFERENCE_RUN TRIAL_RUN; exit 1 with the differences listed."""
import json
import os
import sys

TIMING_KEYS = ("time/", "eval/time", "tokens_per_second", "mfu")


def without_timings(line):
    return {k: v for k, v in line.items() if not k.startswith(TIMING_KEYS)}


def jsonl(path):
    with open(path) as f:
        return [without_timings(json.loads(l)) for l in f if l.strip()]


def main(reference, trial):
    problems = []
    ref_stages = sorted(os.listdir(os.path.join(reference, "stages")))
    trial_stages = sorted(os.listdir(os.path.join(trial, "stages")))
    if ref_stages != trial_stages:
        problems.append(f"stage folders differ: {ref_stages} vs {trial_stages}")
    for stage in ref_stages:
        for name in ("final/model.safetensors", "eval.json", "data.jsonl"):
            a, b = (os.path.join(run, "stages", stage, name) for run in (reference, trial))
            if not os.path.exists(a):
                continue
            if not os.path.exists(b):
                problems.append(f"{stage}/{name} missing")
            elif open(a, "rb").read() != open(b, "rb").read().replace(
                    trial.encode(), reference.encode()):
                problems.append(f"{stage}/{name} differs")
        for name in ("metrics.jsonl", "samples.jsonl"):
            a, b = (os.path.join(run, "stages", stage, name) for run in (reference, trial))
            if not os.path.exists(a):
                continue
            left, right = jsonl(a), jsonl(b) if os.path.exists(b) else []
            if left != right:
                diff = next((i for i, (x, y) in enumerate(zip(left, right)) if x != y),
                            min(len(left), len(right)))
                problems.append(f"{stage}/{name}: {len(left)} vs {len(right)} lines, first "
                                f"difference at line {diff + 1}")
    states = [json.load(open(os.path.join(run, "pipeline_state.json"))) for run in (reference, trial)]
    names = [[s["name"] for s in state["stages"]] for state in states]
    if names[0] != names[1]:
        problems.append(f"pipeline_state.json stages differ: {names[0]} vs {names[1]}")
    for problem in problems:
        print("  " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
