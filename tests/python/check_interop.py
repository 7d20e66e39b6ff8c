#!/usr/bin/env python3
"""Interop with transformers, both ways, through the r1forge binary (a CTest entry).

1. `r1forge init-model` folders (tiny Qwen2 with GQA and biases, tiny Llama with tied
   embeddings and Llama-3 RoPE scaling, tiny Qwen3 with q/k norms and head_dim != E / H, and
   a bf16-stored one) load in transformers with no
   missing, unexpected or mismatched weights.
2. `r1forge logprobs` on those folders and on the transformers-written golden folders agrees
   with transformers' log-softmax of the same tokens within 1e-4 nats (fp32), over a batch
   of prompts and completions of different lengths (exercising right-padded batching).
Exit status 0 when everything agrees; the mismatches are printed otherwise.
"""
import argparse
import json
import os
import random
import subprocess
import sys

import torch
from transformers import AutoModelForCausalLM

TOLERANCE_NATS = 1e-4


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
    return result


def transformers_logprobs(model, prompt, completion):
    ids = torch.tensor([prompt + completion])
    with torch.no_grad():
        logits = model(input_ids=ids).logits.double()
    logprobs = torch.log_softmax(logits[0, :-1], dim=-1)
    targets = ids[0, 1:]
    picked = logprobs.gather(1, targets.unsqueeze(1)).squeeze(1)
    return picked[len(prompt) - 1:].tolist()


def check_folder(r1forge, folder, workdir, name):
    model, info = AutoModelForCausalLM.from_pretrained(
        folder, output_loading_info=True, dtype=torch.float32, attn_implementation="eager")
    problems = [f"{key}: {value}" for key, value in info.items() if value]
    if problems:
        return [f"{name}: transformers loading reported {problems}"]
    vocab = model.config.vocab_size
    rng = random.Random(7)
    requests = []
    for _ in range(7):
        prompt = [rng.randrange(vocab) for _ in range(rng.randint(1, 9))]
        completion = [rng.randrange(vocab) for _ in range(rng.randint(0, 12))]
        requests.append((prompt, completion))
    input_path = os.path.join(workdir, f"{name}.in.jsonl")
    output_path = os.path.join(workdir, f"{name}.out.jsonl")
    with open(input_path, "w") as f:
        for prompt, completion in requests:
            f.write(json.dumps({"prompt_ids": prompt, "completion_ids": completion}) + "\n")
    run([r1forge, "logprobs", "--model", folder, "--input", input_path, "--output",
         output_path, "--batch-size", "3", "--threads", "2"])
    with open(output_path) as f:
        ours = [json.loads(line)["completion_logprobs"] for line in f]
    failures = []
    worst = 0.0
    for index, ((prompt, completion), got) in enumerate(zip(requests, ours)):
        expected = transformers_logprobs(model, prompt, completion)
        if len(got) != len(expected):
            failures.append(f"{name} line {index + 1}: {len(got)} values, expected {len(expected)}")
            continue
        for a, b in zip(got, expected):
            worst = max(worst, abs(a - b))
    if len(ours) != len(requests):
        failures.append(f"{name}: {len(ours)} output lines for {len(requests)} inputs")
    if worst > TOLERANCE_NATS:
        failures.append(f"{name}: max |delta logprob| {worst:.3g} > {TOLERANCE_NATS}")
    print(f"{name}: max |delta logprob| = {worst:.2e} nats over {len(requests)} lines")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--r1forge", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    os.makedirs(args.workdir, exist_ok=True)
    golden = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden")
    folders = []
    for preset, extra in (("tiny-qwen2", []), ("tiny-llama", []), ("tiny-qwen3", []),
                          ("tiny-qwen2", ["--dtype", "bfloat16"])):
        name = preset + ("-bf16" if extra else "")
        folder = os.path.join(args.workdir, name)
        run([args.r1forge, "init-model", "--preset", preset, "--out", folder, "--seed", "3",
             "--overwrite"] + extra)
        folders.append((name, folder))
    for name in ("tiny_qwen2", "tiny_llama", "tiny_qwen3"):
        folders.append(("transformers-" + name, os.path.join(golden, name)))
    failures = []
    for name, folder in folders:
        failures += check_folder(args.r1forge, folder, args.workdir, name)
    for failure in failures:
        print("FAIL:", failure)
    print("interop OK" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
