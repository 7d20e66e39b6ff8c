#!/usr/bin/env python3
"""The PyTorch peer of `r1forge bench train`: forward + backward tokens/s of the same model
folder in transformers (PyTorch eager mode, fp32, CPU), on the same shapes and thread count;
with --autocast, the forward under torch.autocast("cpu", bfloat16) over the fp32 weights (what
HF Trainer's bf16=True does on CPU), as r1forge's model.mixed_precision: bfloat16.

Loss: mean next-token cross-entropy over all positions (what `r1forge bench train` computes).
Timing covers zero_grad + forward + loss + backward per step, median over the timed steps,
after untimed warm-up steps. Prints one JSON line.
"""
import argparse
import json
import statistics
import time

import torch
from transformers import AutoModelForCausalLM


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--attention", default="sdpa", choices=["sdpa", "eager"])
    parser.add_argument("--autocast", action="store_true", help="bf16 autocast forward")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = AutoModelForCausalLM.from_pretrained(
        args.model, dtype=torch.float32, attn_implementation=args.attention)
    model.train()
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, model.config.vocab_size, (args.batch_size, args.seq_len),
                        generator=generator)
    inputs, targets = ids[:, :-1], ids[:, 1:]
    times = []
    loss = None
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        model.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.autocast):
            logits = model(input_ids=inputs).logits
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1))
        loss.backward()
        if step >= args.warmup:
            times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    print(json.dumps({
        "bench": "train", "implementation": f"transformers-{args.attention}",
        "mixed_precision": "bfloat16" if args.autocast else "none",
        "batch_size": args.batch_size, "sequence_length": args.seq_len - 1,
        "threads": args.threads, "steps": args.steps, "median_step_seconds": seconds,
        "tokens_per_second": inputs.numel() / seconds, "final_loss": loss.item()}))


if __name__ == "__main__":
    main()
