#!/usr/bin/env python3
"""Oracle fixtures for r1forge's advantage estimators (tests/rl/test_advantage.cpp).

Runs the installed TRL's advantage code on small reward matrices (NaN = a reward function
returned None, equal-reward groups, several functions with weights, KL in the reward) and writes
inputs and expected outputs to tests/golden/advantage/advantage_cases.json.

grpo / dr_grpo / rloo: the blocks below are line-for-line copies of TRL's
GRPOTrainer._generate_and_score_completions (sum_then_normalize) and
RLOOTrainer._generate_and_score_completions, calling TRL's own `nanstd`; check_trl_source()
fails if the installed TRL no longer contains the copied lines. They run in float64 so the
oracle is not the limit of the 1e-6 comparison. reinforce_pp(_baseline) has no TRL code: it is
written from algorithms.md section 2.3 with TRL's NaN conventions (nanmean/nanstd + epsilon).
frac_reward_zero_std follows r1forge's definition (share of groups with zero std), which is TRL's
for group scaling and rloo; for scale_rewards=batch TRL logs the batch std test instead.

Usage: make_advantage_fixtures.py [--check] [--out DIR]  (--check: compare with committed file)
"""
import argparse
import inspect
import json
import math
import pathlib
import sys

import torch
import trl
from trl.trainer import grpo_trainer, rloo_trainer
from trl.trainer.utils import nanstd

FIXTURE_NAME = "advantage_cases.json"
EPSILON = 1e-4  # TRL's hard-coded std epsilon

# Lines copied from TRL below; if the installed version changes them the oracle is stale.
GRPO_LINES = [
    "unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)",
    "rewards = (rewards_per_func * self.reward_weights.to(device).unsqueeze(0)).nansum(dim=1)",
    "mean_grouped_rewards = torch.nanmean(rewards.view(-1, num_generations), dim=1)",
    "std_rewards = nanstd(rewards.view(-1, num_generations), dim=1)",
    "std_rewards = nanstd(rewards).expand_as(rewards)",
    "advantages = advantages / (std_rewards + 1e-4)",
    "is_std_zero = torch.isclose(std_rewards, torch.zeros_like(std_rewards))",
    "advantages = torch.nan_to_num(advantages, nan=0.0)",
]
RLOO_LINES = [
    "rewards = rewards - self.beta * kl",
    "scorable_counts = (~torch.isnan(grouped_rewards)).sum(dim=1, keepdim=True)",
    "baselines = (grouped_sum - grouped_rewards) / (scorable_counts - 1)",
    "advantages = (advantages - torch.nanmean(advantages)) / (nanstd(advantages) + 1e-4)",
    "advantages = torch.nan_to_num(advantages, nan=0.0)",
]


def check_trl_source():
    for module, lines in ((grpo_trainer, GRPO_LINES), (rloo_trainer, RLOO_LINES)):
        source = inspect.getsource(module)
        for line in lines:
            if line not in source:
                sys.exit(f"TRL {trl.__version__} {module.__name__} no longer contains: {line}")


def logged_stats(rewards_per_func, weights):
    """TRL's logged `reward` / `reward_std` (identical in both trainers)."""
    unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)
    rewards = (rewards_per_func * weights.unsqueeze(0)).nansum(dim=1)
    rewards[unscorable_mask] = torch.nan
    return rewards, torch.nanmean(rewards).item(), nanstd(rewards).item()


def grpo_advantages(rewards_per_func, weights, num_generations, scale_rewards):
    """GRPOTrainer, multi_objective_aggregation == "sum_then_normalize"."""
    unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)
    rewards = (rewards_per_func * weights.unsqueeze(0)).nansum(dim=1)
    rewards[unscorable_mask] = torch.nan
    mean_grouped_rewards = torch.nanmean(rewards.view(-1, num_generations), dim=1)
    mean_grouped_rewards = mean_grouped_rewards.repeat_interleave(num_generations, dim=0)
    if scale_rewards in ["group", "none"]:
        if num_generations > 1:
            std_rewards = nanstd(rewards.view(-1, num_generations), dim=1)
            std_rewards = std_rewards.repeat_interleave(num_generations, dim=0)
        else:
            std_rewards = torch.zeros_like(rewards)
    elif scale_rewards == "batch":
        if rewards.numel() > 1:
            std_rewards = nanstd(rewards).expand_as(rewards)
        else:
            std_rewards = torch.zeros_like(rewards)
    advantages = rewards - mean_grouped_rewards
    if scale_rewards != "none":
        advantages = advantages / (std_rewards + 1e-4)
    return torch.nan_to_num(advantages, nan=0.0)


def rloo_advantages(rewards_per_func, weights, num_generations, beta, kl, normalize_advantages):
    """RLOOTrainer (reward_clip_range unset); kl is the per-sequence summed KL."""
    unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)
    rewards = (rewards_per_func * weights.unsqueeze(0)).nansum(dim=1)
    rewards[unscorable_mask] = torch.nan
    if beta != 0.0:
        rewards = rewards - beta * kl
    grouped_rewards = rewards.view(-1, num_generations)
    scorable_counts = (~torch.isnan(grouped_rewards)).sum(dim=1, keepdim=True)
    grouped_sum = torch.nansum(grouped_rewards, dim=1, keepdim=True)
    if num_generations > 1:
        baselines = (grouped_sum - grouped_rewards) / (scorable_counts - 1)
        baselines = baselines.view(-1)
        advantages = rewards - baselines
    else:
        advantages = torch.zeros_like(rewards)
    if normalize_advantages:
        advantages = (advantages - torch.nanmean(advantages)) / (nanstd(advantages) + 1e-4)
    return torch.nan_to_num(advantages, nan=0.0)


def reinforce_pp_advantages(rewards_per_func, weights, num_generations, beta, kl, baseline):
    """algorithms.md 2.3, sequence level: whiten(r - beta*kl [- mean_group]) over the batch."""
    unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)
    rewards = (rewards_per_func * weights.unsqueeze(0)).nansum(dim=1)
    rewards[unscorable_mask] = torch.nan
    if beta != 0.0:
        rewards = rewards - beta * kl
    if baseline:
        grouped = rewards.view(-1, num_generations)
        counts = (~torch.isnan(grouped)).sum(dim=1, keepdim=True)
        centred = grouped - torch.nanmean(grouped, dim=1, keepdim=True)
        # a group with one scorable sample has no baseline: no signal (NaN), as in rloo
        rewards = torch.where(counts >= 2, centred, torch.full_like(centred, torch.nan)).view(-1)
    advantages = (rewards - torch.nanmean(rewards)) / (nanstd(rewards) + EPSILON)
    return torch.nan_to_num(advantages, nan=0.0)


def zero_std_fraction(rewards_per_func, weights, num_generations, beta, kl):
    """Share of groups whose (KL-shaped) rewards have TRL's isclose(nanstd, 0) == True."""
    unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)
    rewards = (rewards_per_func * weights.unsqueeze(0)).nansum(dim=1)
    rewards[unscorable_mask] = torch.nan
    if beta != 0.0:
        rewards = rewards - beta * kl
    if num_generations == 1:
        return 1.0
    std = nanstd(rewards.view(-1, num_generations), dim=1)
    return torch.isclose(std, torch.zeros_like(std)).double().mean().item()


NAN = float("nan")
# (name, estimator, options, group size, weights, rewards [B*G][F], kl [B*G] or None)
CASES = [
    ("paper_vector_13_1", "grpo", {"scale_rewards": "group"}, 4, [1.0], [[1], [0], [0], [1]], None),
    ("two_functions_weighted", "grpo", {"scale_rewards": "group"}, 4, [1.0, 0.5],
     [[1, 0.2], [0, 1], [1, 1], [0, 0.3], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]], None),
    ("none_rewards_group", "grpo", {"scale_rewards": "group"}, 4, [1.0, 2.0],
     [[1, NAN], [NAN, NAN], [0, 0.25], [NAN, 1], [NAN, NAN], [NAN, NAN], [0.7, NAN], [NAN, NAN],
      [0.1, 0.2], [0.3, 0.1], [NAN, NAN], [0.9, 0.4]], None),
    ("none_rewards_batch", "grpo", {"scale_rewards": "batch"}, 4, [1.0, 2.0],
     [[1, NAN], [NAN, NAN], [0, 0.25], [NAN, 1], [NAN, NAN], [NAN, NAN], [0.7, NAN], [NAN, NAN],
      [0.1, 0.2], [0.3, 0.1], [NAN, NAN], [0.9, 0.4]], None),
    ("none_rewards_none_scaling", "grpo", {"scale_rewards": "none"}, 4, [1.0, 2.0],
     [[1, NAN], [NAN, NAN], [0, 0.25], [NAN, 1], [NAN, NAN], [NAN, NAN], [0.7, NAN], [NAN, NAN],
      [0.1, 0.2], [0.3, 0.1], [NAN, NAN], [0.9, 0.4]], None),
    ("dr_grpo_mixed", "dr_grpo", {}, 3, [1.0, -0.5],
     [[2, 1], [0, 0], [1, NAN], [0.3, 0.3], [0.3, 0.3], [0.3, 0.3]], None),
    ("batch_scaling_equal_group", "grpo", {"scale_rewards": "batch"}, 2, [1.0],
     [[0.1], [0.1], [0.0], [1.0], [0.25], [0.75]], None),
    ("group_size_one", "grpo", {"scale_rewards": "group"}, 1, [1.0], [[0.3], [NAN], [1.0]], None),
    ("rloo_plain", "rloo", {}, 4, [1.0], [[1], [0], [0], [1], [0.2], [0.9], [0.4], [NAN]], None),
    ("rloo_kl_normalized", "rloo", {"normalize_advantages": True, "kl_in_reward_coef": 0.05}, 3,
     [1.0, 1.0], [[1, 0], [0, 0], [1, 1], [NAN, NAN], [0.5, NAN], [0.2, 0.1], [1, 1], [NAN, 0.4],
      [0.6, 0.6]], [0.5, 2.0, -0.3, 1.0, 0.0, 4.0, 0.1, 0.2, 0.3]),
    ("rloo_single_scorable", "rloo", {}, 3, [1.0], [[1], [NAN], [NAN], [0], [1], [0.5]], None),
    ("reinforce_pp_kl", "reinforce_pp", {"kl_in_reward_coef": 0.1}, 2, [1.0],
     [[1], [0], [NAN], [1], [0.5], [0.5]], [1.0, 3.0, 2.0, 0.0, -1.0, 0.5]),
    ("reinforce_pp_baseline_kl", "reinforce_pp_baseline", {"kl_in_reward_coef": 0.2}, 3, [1.0, 0.5],
     [[1, 1], [0, 1], [1, 0], [0, 0], [NAN, NAN], [1, NAN], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]],
     [0.1, 0.4, 0.0, 0.2, 5.0, 0.3, 0.0, 0.0, 0.0]),
]


def run_case(name, estimator, options, group_size, weights, rewards, kl):
    rewards_per_func = torch.tensor(rewards, dtype=torch.float64)
    weight_tensor = torch.tensor(weights, dtype=torch.float64)
    kl_tensor = torch.tensor(kl, dtype=torch.float64) if kl is not None else None
    beta = options.get("kl_in_reward_coef", 0.0)
    if estimator in ("grpo", "dr_grpo"):
        scaling = "none" if estimator == "dr_grpo" else options["scale_rewards"]
        advantages = grpo_advantages(rewards_per_func, weight_tensor, group_size, scaling)
    elif estimator == "rloo":
        advantages = rloo_advantages(rewards_per_func, weight_tensor, group_size, beta, kl_tensor,
                                     options.get("normalize_advantages", False))
    else:
        advantages = reinforce_pp_advantages(rewards_per_func, weight_tensor, group_size, beta,
                                             kl_tensor, estimator == "reinforce_pp_baseline")
    combined, reward_mean, reward_std = logged_stats(rewards_per_func, weight_tensor)
    as_json = lambda values: [None if math.isnan(v) else v for v in values]  # noqa: E731
    return {
        "name": name,
        "estimator": estimator,
        "scale_rewards": options.get("scale_rewards", "group"),
        "normalize_advantages": options.get("normalize_advantages", False),
        "kl_in_reward_coef": beta,
        "group_size": group_size,
        "weights": weights,
        "rewards_per_function": [as_json(row) for row in rewards],
        "sequence_kl": kl,
        "expected": {
            "advantages": advantages.tolist(),
            "rewards": as_json(combined.tolist()),
            "frac_reward_zero_std": zero_std_fraction(rewards_per_func, weight_tensor, group_size,
                                                      beta, kl_tensor),
            "reward_mean": None if math.isnan(reward_mean) else reward_mean,
            "reward_std": None if math.isnan(reward_std) else reward_std,
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--out", type=pathlib.Path,
                        default=pathlib.Path(__file__).resolve().parent.parent / "golden" / "advantage")
    args = parser.parse_args()
    check_trl_source()
    cases = [run_case(*case) for case in CASES]
    text = json.dumps({"trl_version": trl.__version__, "cases": cases}, indent=1) + "\n"
    path = args.out / FIXTURE_NAME
    if args.check:
        committed = json.loads(path.read_text())
        fresh = json.loads(text)
        for old, new in zip(committed["cases"], fresh["cases"], strict=True):
            for key in ("advantages", "rewards", "frac_reward_zero_std", "reward_mean", "reward_std"):
                olds, news = old["expected"][key], new["expected"][key]
                if not isinstance(olds, list):
                    olds, news = [olds], [news]
                for a, b in zip(olds, news, strict=True):
                    if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-9):
                        sys.exit(f"{path}: case {old['name']} {key} differs: {a} vs {b}")
            if {k: v for k, v in old.items() if k != "expected"} != \
                    {k: v for k, v in new.items() if k != "expected"}:
                sys.exit(f"{path}: case {old['name']} inputs differ from the script's")
        print(f"{path}: {len(cases)} cases match TRL {trl.__version__}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    print(f"wrote {path} ({len(cases)} cases, TRL {trl.__version__})")


if __name__ == "__main__":
    main()
