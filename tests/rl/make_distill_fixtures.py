#!/usr/bin/env python3
"""Oracle fixture for r1forge's distillation loss (tests/rl/test_distill_trl.cpp).

Runs the installed TRL's GKDTrainer.generalized_jsd_loss (the function itself, not a copy) in
float64 on small random student and teacher logits with -100 labels for excluded positions,
at several beta (0 = forward KL, 1 = reverse KL, in between the generalised JSD) and
temperatures, and records the loss and its gradient w.r.t. the student logits. r1forge
reproduces it with K = V (the rest bucket is then empty, so the loss is the full-vocabulary
divergence) and W = I (so hidden states are the logits).

Usage: make_distill_fixtures.py [--check] [--out DIR]  (--check: compare with committed file)
"""
import argparse
import json
import pathlib
import sys

import torch
import trl
from trl.experimental.gkd.gkd_trainer import GKDTrainer

FIXTURE_NAME = "trl_generalized_jsd.json"
CASES = [  # (beta, temperature, seed)
    (0.0, 1.0, 1),
    (1.0, 1.0, 2),
    (0.5, 1.0, 3),
    (0.9, 2.0, 4),
    (0.1, 0.7, 5),
]
N, T, V = 2, 3, 5


def make_case(beta, temperature, seed):
    generator = torch.Generator().manual_seed(seed)
    student = torch.randn(N, T, V, generator=generator, dtype=torch.float64) * 1.5
    teacher = torch.randn(N, T, V, generator=generator, dtype=torch.float64) * 1.5
    labels = torch.randint(0, V, (N, T), generator=generator)
    labels[0, 0] = -100  # a prompt position
    labels[1, 2] = -100  # padding
    student.requires_grad_(True)
    loss = GKDTrainer.generalized_jsd_loss(
        student, teacher, labels=labels, beta=beta, temperature=temperature
    )
    loss.backward()
    return {
        "beta": beta,
        "temperature": temperature,
        "student_logits": student.detach().tolist(),
        "teacher_logits": teacher.tolist(),
        "mask": (labels != -100).tolist(),
        "loss": loss.item(),
        "grad_student_logits": student.grad.tolist(),
    }


def close(a, b, tolerance=1e-12):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[key], b[key], tolerance) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y, tolerance) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(a, str):
        return a == b
    return abs(a - b) <= tolerance * max(1.0, abs(b))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument(
        "--out", default=str(pathlib.Path(__file__).resolve().parents[1] / "golden" / "distill")
    )
    args = parser.parse_args()
    fixture = {
        "generator": "tests/rl/make_distill_fixtures.py",
        "trl_version": trl.__version__,
        "cases": [make_case(*case) for case in CASES],
    }
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
