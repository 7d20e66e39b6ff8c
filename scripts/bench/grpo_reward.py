#!/usr/bin/env python3
"""The reward of `scripts/bench.sh grpo`, one function for both sides of the comparison.

Score = the share of a completion's characters that are digits. Cheap, and on a random model's
text it varies within a group, so advantages are non-zero and the update does real work
(a pass/fail reward such as `format` scores every random completion 0).

Run as a script, it is an r1forge `external` scorer (JSONL on stdin/stdout, docs/rewards.md);
TRL's GRPOTrainer imports `trl_reward` from it.
"""
import json
import sys


def digit_share(completion: str) -> float:
    return sum(c.isdigit() for c in completion) / max(1, len(completion))


def trl_reward(prompts, completions, **kwargs):
    """TRL reward_funcs signature: one float per completion."""
    return [digit_share(c) for c in completions]


def main():
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps({"id": request["id"], "score": digit_share(request["completion"])}),
              flush=True)


if __name__ == "__main__":
    main()
