#!/usr/bin/env python3
"""End to end: the log-probs `r1forge generate` reports equal what `r1forge logprobs` (the
trainer's path) computes for the same prompt and sampled tokens, within 1e-5 nats (fp32; only
summation order differs between one-token cached decoding and the full forward).
Usage: check_generate_parity.py R1FORGE WORKDIR   (standard library only)"""
import json
import os
import subprocess
import sys


def main():
    r1forge, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "model")
    subprocess.run([r1forge, "init-model", "--preset", "tiny-llama", "--out", model, "--seed",
                    "2", "--overwrite"], check=True, capture_output=True)
    prompts = [[1, 2, 3, 4, 5], [17], [9, 8, 7]]
    with open(os.path.join(work, "prompts.jsonl"), "w") as f:
        for prompt in prompts:
            f.write(json.dumps({"prompt_ids": prompt}) + "\n")
    generated = os.path.join(work, "generated.jsonl")
    subprocess.run([r1forge, "generate", "--model", model, "--input",
                    os.path.join(work, "prompts.jsonl"), "--n", "3", "--max-new-tokens", "12",
                    "--temperature", "1", "--seed", "4", "--batch-size", "4", "--ignore-eos",
                    "--output", generated], check=True, capture_output=True)
    samples = [json.loads(line) for line in open(generated)]
    requests = os.path.join(work, "score.jsonl")
    with open(requests, "w") as f:
        for s in samples:
            f.write(json.dumps({"prompt_ids": prompts[s["prompt_index"]],
                                "completion_ids": s["ids"]}) + "\n")
    scored = os.path.join(work, "scored.jsonl")
    subprocess.run([r1forge, "logprobs", "--model", model, "--input", requests, "--output",
                    scored], check=True, capture_output=True)
    trainer = [json.loads(line)["completion_logprobs"] for line in open(scored)]
    worst = max(abs(a - b) for s, t in zip(samples, trainer) for a, b in zip(s["logprobs"], t))
    count = sum(len(s["ids"]) for s in samples)
    print(f"{len(samples)} samples, {count} tokens: max |generate - logprobs| = {worst:.2e} nats")
    ok = len(samples) == 9 and count == 9 * 12 and worst <= 1e-5
    print("1 passed, 0 failed" if ok else "0 passed, 1 failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
