#!/usr/bin/env python3
"""Oracle fixture for r1forge's Bradley-Terry loss (tests/rl/test_bradley_terry.cpp).

Runs the installed TRL's RewardTrainer.compute_loss (the method itself, not a copy) in float64
on fixed chosen/rejected scores, with and without per-pair margins and
center_rewards_coefficient, and records the loss, its gradients w.r.t. both scores, and the
accuracy and margin metrics TRL logs. The trainer around the method is a stub: a "model"
returning the scores as sequence-classification logits [2P, 1] (chosen rows first, as TRL's
collator stacks them), an identity accelerator, and the metric dictionaries compute_loss fills.

Usage: make_bradley_terry_fixtures.py [--check] [--out DIR]  (--check: compare with the
committed file)
"""
import argparse
import collections
import json
import pathlib
import sys
import types

import torch
import trl
from trl import RewardTrainer

FIXTURE_NAME = "trl_bradley_terry.json"


def make_cases():
    generator = torch.Generator().manual_seed(11)
    random_chosen = (torch.randn(6, generator=generator, dtype=torch.float64) * 2).tolist()
    random_rejected = (torch.randn(6, generator=generator, dtype=torch.float64) * 2).tolist()
    random_margins = torch.rand(6, generator=generator, dtype=torch.float64).tolist()
    return [
        # (name, chosen, rejected, margins or None, center_rewards_coefficient or None)
        ("random", random_chosen, random_rejected, None, None),
        ("random_margin", random_chosen, random_rejected, random_margins, None),
        ("random_margin_center", random_chosen, random_rejected, random_margins, 0.01),
        # ties (not correct), a pair far on each side (log-sigmoid stability), negative margin
        ("ties_and_extremes", [0.5, -1.0, 40.0, -35.0, 2.0], [0.5, -1.0, -40.0, 35.0, 3.0],
         [0.0, 0.0, 0.0, 0.0, -2.0], 0.5),
    ]


def trl_compute_loss(chosen, rejected, margins, center):
    chosen = torch.tensor(chosen, dtype=torch.float64, requires_grad=True)
    rejected = torch.tensor(rejected, dtype=torch.float64, requires_grad=True)
    logits = torch.cat([chosen, rejected]).unsqueeze(-1)  # [2P, 1]

    def model(**_inputs):
        return types.SimpleNamespace(logits=logits)

    model.training = True
    trainer = types.SimpleNamespace(
        model=model,
        args=types.SimpleNamespace(center_rewards_coefficient=center),
        accelerator=types.SimpleNamespace(gather=lambda t: t, gather_for_metrics=lambda t: t),
        _total_train_tokens=0,
        _tp_size=1,
        _metrics={"train": collections.defaultdict(list), "eval": collections.defaultdict(list)},
    )
    inputs = {"attention_mask": torch.ones(2 * len(chosen), 3, dtype=torch.long)}
    if margins is not None:
        inputs["margin"] = torch.tensor(margins, dtype=torch.float64)
    loss = RewardTrainer.compute_loss(trainer, model, inputs)
    loss.backward()
    metrics = trainer._metrics["train"]
    return {
        "loss": loss.item(),
        "grad_chosen": chosen.grad.tolist(),
        "grad_rejected": rejected.grad.tolist(),
        "accuracy": metrics["accuracy"][0],
        "margin": metrics["margin"][0],
    }


def close(a, b, tolerance=1e-12):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[key], b[key], tolerance) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y, tolerance) for x, y in zip(a, b))
    if a is None or b is None or isinstance(a, str):
        return a == b
    return abs(a - b) <= tolerance * max(1.0, abs(b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--out", default=str(pathlib.Path(__file__).resolve().parents[1] / "golden" / "reward_model")
    )
    args = parser.parse_args()
    cases = []
    for name, chosen, rejected, margins, center in make_cases():
        case = {"name": name, "chosen": chosen, "rejected": rejected, "margins": margins,
                "center_rewards_coefficient": center}
        case.update(trl_compute_loss(chosen, rejected, margins, center))
        cases.append(case)
    fixture = {"generator": "tests/rl/make_bradley_terry_fixtures.py",
               "trl_version": trl.__version__, "cases": cases}
    path = pathlib.Path(args.out) / FIXTURE_NAME
    if args.check:
        committed = json.loads(path.read_text())
        if not close(committed["cases"], fixture["cases"]):
            sys.exit(f"{path} differs from what TRL {trl.__version__} computes now")
        print(f"{path}: matches TRL {trl.__version__}")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
