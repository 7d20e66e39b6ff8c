#!/usr/bin/env python3
"""TRL parity fixtures for r1forge's GRPO policy loss (src/rl/policy_loss.cpp).

Runs the installed TRL's own `GRPOTrainer._compute_loss` (not a transcription): the unbound method
is called with a stub `self` that carries the config fields it reads and returns fixed per-token
log-probs and entropies instead of running a model. Each case writes one JSON file with the
inputs, TRL's loss, the gradient of the loss w.r.t. the log-probs and entropies, and TRL's logged
metrics. Usage: make_trl_fixtures.py --out DIR  |  --check DIR (regenerate, compare, exit 1 on drift).
Not here: the C++ comparison (tests/rl/test_policy_loss.cpp reads these files).
"""
import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import torch
import trl
from trl.trainer.grpo_trainer import GRPOTrainer

N, L = 4, 6  # sequences, completion positions


class _Accelerator:
    num_processes = 1
    sync_gradients = True

    def gather(self, x):
        return x

    def gather_for_metrics(self, x):
        return x

    def reduce(self, x, reduction="sum"):
        return x


class _Stub:
    """Carries exactly the attributes `GRPOTrainer._compute_loss` reads; no model, one process."""

    get_off_policy_mask = staticmethod(GRPOTrainer.get_off_policy_mask)

    def __init__(self, case, logps, entropies):
        self.model = SimpleNamespace(training=True)
        self.accelerator = _Accelerator()
        self.current_gradient_accumulation_steps = case["accumulation_steps"]
        self.args = SimpleNamespace(
            use_bias_correction_kl=case["use_bias_correction_kl"],
            delta=case["delta"],
            steps_per_generation=case["accumulation_steps"],
        )
        self.loss_type = case["loss_type"]
        self.importance_sampling_level = case["importance_sampling_level"]
        self.beta = case["beta"]
        self.epsilon_low = case["epsilon"]
        self.epsilon_high = case["epsilon_high"] if case["epsilon_high"] is not None else case["epsilon"]
        self.max_completion_length = case["max_completion_length"]
        self.entropy_coef = case["entropy_coef"]
        self._entropy_bonus_enabled = case["entropy_coef"] != 0.0
        self.use_adaptive_entropy = False
        self.top_entropy_quantile = 1.0
        self.off_policy_mask_threshold = None
        self.use_vllm = False
        self.vllm_importance_sampling_correction = False
        self.aux_loss_enabled = False
        self._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
        self._logps, self._entropies = logps, entropies

    def _get_per_token_logps_and_entropies(self, model, input_ids, attention_mask, logits_to_keep, **kwargs):
        return self._logps, self._entropies, None


def _tensors(seed, spread=1.6):
    g = torch.Generator().manual_seed(seed)
    d = torch.float64
    logp = -torch.rand(N, L, generator=g, dtype=d) * 3.0 - 0.05
    # old/ref differ from logp by up to +-spread/2 nats: +-0.8 by default, so that both clip
    # sides (and delta = 1.5) trigger at eps 0.2; seeds 17 and 13 are chosen so that they do.
    old = logp + (torch.rand(N, L, generator=g, dtype=d) - 0.5) * spread
    ref = logp + (torch.rand(N, L, generator=g, dtype=d) - 0.5) * 1.6
    entropy = torch.rand(N, L, generator=g, dtype=d) * 2.0
    advantages = torch.tensor([1.2, -0.7, 0.4, -1.5], dtype=d)
    lengths = [6, 3, 1, 4]
    mask = torch.zeros(N, L, dtype=torch.int64)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
    return logp, old, ref, entropy, advantages, mask


def _case(name, **overrides):
    case = dict(name=name, loss_type="dapo", importance_sampling_level="token", beta=0.0, epsilon=0.2,
                epsilon_high=None, delta=None, entropy_coef=0.0, max_completion_length=8,
                use_bias_correction_kl=False, accumulation_steps=1, num_items_in_batch=None, seed=17)
    case.update(overrides)
    return case


CASES = [
    _case("grpo", loss_type="grpo"),
    _case("bnpo", loss_type="bnpo"),
    _case("dr_grpo", loss_type="dr_grpo"),
    _case("dapo", loss_type="dapo"),
    _case("grpo_beta", loss_type="grpo", beta=0.04),
    _case("bnpo_beta", loss_type="bnpo", beta=0.04),
    _case("dr_grpo_beta", loss_type="dr_grpo", beta=0.04),
    _case("dapo_beta", loss_type="dapo", beta=0.04),
    _case("grpo_eps_high", loss_type="grpo", epsilon_high=0.28),
    _case("bnpo_eps_high", loss_type="bnpo", epsilon_high=0.28),
    _case("dr_grpo_eps_high", loss_type="dr_grpo", epsilon_high=0.28),
    _case("dapo_eps_high_beta", loss_type="dapo", epsilon_high=0.28, beta=0.001),
    _case("dapo_global_tokens", loss_type="dapo", num_items_in_batch=40, accumulation_steps=2),
    _case("grpo_accumulation", loss_type="grpo", accumulation_steps=2, beta=0.04),
    _case("gspo_sequence", loss_type="grpo", importance_sampling_level="sequence", epsilon=0.1),
    _case("gspo_sequence_beta", loss_type="dapo", importance_sampling_level="sequence", epsilon=0.1, beta=0.04),
    _case("delta_dual_clip", loss_type="bnpo", delta=1.5, seed=13),
    _case("bias_correction_kl", loss_type="dapo", beta=0.04, use_bias_correction_kl=True),
    _case("entropy_bonus", loss_type="dr_grpo", entropy_coef=0.01, accumulation_steps=2),
    # DeepSeek-R1's setting: epsilon 10 (grpo aggregation, k3 KL at beta 0.001). Ratios here
    # span e^-3..e^3, so the upper bound 1 + 10 = 11 clips some tokens while the lower bound
    # 1 - 10 = -9 never binds (a ratio is positive), where epsilon 0.2 would clip at 0.8.
    _case("grpo_r1_epsilon10", loss_type="grpo", epsilon=10.0, beta=0.001, spread=6.0),
]


def run_case(case):
    logp, old, ref, entropy, advantages, mask = _tensors(case["seed"], case.get("spread", 1.6))
    logp_leaf = logp.clone().requires_grad_(True)
    entropy_leaf = entropy.clone().requires_grad_(True)
    stub = _Stub(case, logp_leaf, entropy_leaf)
    items = case["num_items_in_batch"] if case["num_items_in_batch"] is not None else int(mask.sum())
    inputs = {
        "prompt_ids": torch.zeros(N, 1, dtype=torch.int64),
        "prompt_mask": torch.ones(N, 1, dtype=torch.int64),
        "completion_ids": torch.zeros(N, L, dtype=torch.int64),
        "completion_mask": mask,
        "advantages": advantages,
        "old_per_token_logps": old,
        "num_items_in_batch": torch.tensor(float(items), dtype=torch.float64),
    }
    if case["beta"] != 0.0:
        inputs["ref_per_token_logps"] = ref
    loss = GRPOTrainer._compute_loss(stub, None, inputs)
    loss.backward()
    metrics = {k: v[-1] for k, v in stub._metrics["train"].items()}
    return {
        "case": case,
        "trl_version": trl.__version__,
        "inputs": {"logp": logp.tolist(), "old_logp": old.tolist(), "ref_logp": ref.tolist(),
                   "entropy": entropy.tolist(), "advantages": advantages.tolist(), "mask": mask.tolist(),
                   "num_items_in_batch": items},
        "loss": loss.item(),
        "grad_logp": logp_leaf.grad.tolist(),
        "grad_entropy": (entropy_leaf.grad.tolist() if entropy_leaf.grad is not None
                         else torch.zeros(N, L, dtype=torch.float64).tolist()),
        "metrics": metrics,
    }


def _max_diff(a, b):
    if isinstance(a, list):
        return max((_max_diff(x, y) for x, y in zip(a, b)), default=0.0) if len(a) == len(b) else float("inf")
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return float("inf")
        return max((_max_diff(a[k], b[k]) for k in a), default=0.0)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b)
    return 0.0 if a == b else float("inf")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args()
    failures = 0
    for case in CASES:
        result = run_case(case)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{case['name']}.json").write_text(json.dumps(result, indent=1) + "\n")
            continue
        path = args.check / f"{case['name']}.json"
        if not path.exists():
            print(f"missing fixture {path}")
            failures += 1
            continue
        committed = json.loads(path.read_text())
        committed.pop("trl_version", None)
        result.pop("trl_version", None)
        diff = _max_diff(result, committed)
        status = "ok" if diff <= 1e-9 else "DRIFT"
        failures += status != "ok"
        print(f"{case['name']}: max diff {diff:.3g} {status}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
