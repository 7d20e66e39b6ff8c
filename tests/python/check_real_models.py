#!/usr/bin/env python3
"""r1forge against transformers on a tiny random model of one real architecture (a CTest entry
per architecture: qwen2.5, qwen3, llama3, r1-distill-qwen; folders from
scripts/make_tiny_models.py, made fresh in the work folder).

1. fp32 folder: `r1forge logprobs` equals transformers' log-softmax within 1e-4 nats over a
   right-padded batch of prompts and completions of different lengths.
2. bf16 folder: loaded to fp32 compute, the same 1e-4 (the bf16 weights decode exactly);
   computed in bf16 on both sides, within BF16_TOLERANCE_NATS (two bf16 implementations
   differ by rounding order only; the figure printed is the measured worst case).
3. Greedy `r1forge generate` (temperature 0, 64 new tokens, three prompts batched together
   through the KV-cache engine) gives transformers' `generate(do_sample=False)` tokens: with
   EOS ignored on both sides, and with each side's EOS from generation_config.json.
   The smallest top-1/top-2 logit gap along transformers' path is printed: the comparison is
   meaningful only well above fp32 noise.
4. `train_step_tool` takes one AdamW step in r1forge and saves the folder (sharded, with an
   index); transformers loads it with no missing or unexpected weights, every weight moved,
   tied embeddings written as transformers writes them (no lm_head.weight), and transformers'
   logits on probe ids equal r1forge's in-memory logits within 1e-4.
Exit status 0 when everything agrees; each failure is printed.
"""
import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys

import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

TOLERANCE_NATS = 1e-4
# bf16 keeps 8 significant bits (relative rounding 2^-9); two implementations rounding in a
# different order differ by a few ulps of logits of size ~5-10, i.e. a few 0.01 nats (measured
# worst 0.053 over the four architectures).
BF16_TOLERANCE_NATS = 0.15
NEW_TOKENS = 64
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(command)}\n"
                 f"{result.stdout}\n{result.stderr}")
    return result


def load_transformers(folder, dtype):
    model, info = AutoModelForCausalLM.from_pretrained(
        folder, output_loading_info=True, dtype=dtype, attn_implementation="eager")
    problems = {key: value for key, value in info.items() if value}
    return model.eval(), problems


def transformers_logprobs(model, prompt, completion):
    ids = torch.tensor([prompt + completion])
    with torch.no_grad():
        logits = model(input_ids=ids).logits.double()
    logprobs = torch.log_softmax(logits[0, :-1], dim=-1)
    picked = logprobs.gather(1, ids[0, 1:].unsqueeze(1)).squeeze(1)
    return picked[len(prompt) - 1:].tolist()


def requests_for(vocab, seed):
    rng = random.Random(seed)
    requests = []
    for _ in range(7):
        prompt = [rng.randrange(vocab) for _ in range(rng.randint(1, 20))]
        completion = [rng.randrange(vocab) for _ in range(rng.randint(0, 40))]
        requests.append((prompt, completion))
    return requests


def compare_logprobs(args, label, folder, hf_model, dtype_flag, tolerance):
    requests = requests_for(hf_model.config.vocab_size, seed=7)
    input_path = os.path.join(args.workdir, f"{label}.in.jsonl")
    output_path = os.path.join(args.workdir, f"{label}.out.jsonl")
    with open(input_path, "w") as f:
        for prompt, completion in requests:
            f.write(json.dumps({"prompt_ids": prompt, "completion_ids": completion}) + "\n")
    run([args.r1forge, "logprobs", "--model", folder, "--input", input_path, "--output",
         output_path, "--batch-size", "3", "--threads", "2", "--dtype", dtype_flag])
    with open(output_path) as f:
        ours = [json.loads(line)["completion_logprobs"] for line in f]
    if len(ours) != len(requests):
        return [f"{label}: {len(ours)} output lines for {len(requests)} inputs"]
    failures, worst, count = [], 0.0, 0
    for index, ((prompt, completion), got) in enumerate(zip(requests, ours)):
        expected = transformers_logprobs(hf_model, prompt, completion)
        if len(got) != len(expected):
            failures.append(f"{label} line {index + 1}: {len(got)} values, expected "
                            f"{len(expected)}")
            continue
        count += len(got)
        worst = max([worst] + [abs(a - b) for a, b in zip(got, expected)])
    print(f"{label}: max |r1forge - transformers| log-prob = {worst:.2e} nats over {count} "
          f"tokens (tolerance {tolerance:g})")
    if worst > tolerance:
        failures.append(f"{label}: max |delta logprob| {worst:.3g} > {tolerance}")
    return failures


def transformers_greedy(model, prompt, use_eos):
    # generate() fills unset values from model.generation_config (loaded from the folder's
    # generation_config.json), so EOS is switched off there; sampling flags are overridden.
    saved = copy.deepcopy(model.generation_config)
    if not use_eos:
        model.generation_config.eos_token_id = None
    model.generation_config.temperature = None
    model.generation_config.top_p = None
    try:
        with torch.no_grad():
            out = model.generate(torch.tensor([prompt]), do_sample=False,
                                 max_new_tokens=NEW_TOKENS, pad_token_id=0, output_scores=True,
                                 return_dict_in_generate=True)
    finally:
        model.generation_config = saved
    tokens = out.sequences[0, len(prompt):].tolist()
    gaps = [float(s[0].topk(2).values[0] - s[0].topk(2).values[1]) for s in out.scores]
    return tokens, min(gaps)


def compare_generate(args, arch, folder, hf_model):
    rng = random.Random(3)
    vocab = hf_model.config.vocab_size
    prompts = [[rng.randrange(vocab) for _ in range(n)] for n in (5, 1, 17)]
    input_path = os.path.join(args.workdir, "generate.in.jsonl")
    with open(input_path, "w") as f:
        for prompt in prompts:
            f.write(json.dumps({"prompt_ids": prompt}) + "\n")
    failures = []
    source_folder, stop_id = folder, None
    for use_eos in (False, True):
        if use_eos:
            # A stop id that greedy decoding is known to reach (prompt 0's 21st token), added to
            # generation_config.json's eos_token_id list (config.json's is left alone), so both
            # sides must stop early, reading it from generation_config.json.
            folder = os.path.join(args.workdir, "with-stop-id")
            shutil.copytree(source_folder, folder)
            path = os.path.join(folder, "generation_config.json")
            with open(path) as f:
                generation = json.load(f)
            eos = generation.get("eos_token_id")
            eos = [] if eos is None else eos if isinstance(eos, list) else [eos]
            generation["eos_token_id"] = eos + [stop_id]
            with open(path, "w") as f:
                json.dump(generation, f, indent=2)
            hf_model, _ = load_transformers(folder, torch.float32)
        mode = f"EOS + {stop_id} from generation_config.json" if use_eos else "EOS ignored"
        label = f"{arch} greedy generate ({mode})"
        output_path = os.path.join(args.workdir, f"generate.{int(use_eos)}.out.jsonl")
        command = [args.r1forge, "generate", "--model", folder, "--input", input_path,
                   "--output", output_path, "--temperature", "0", "--max-new-tokens",
                   str(NEW_TOKENS), "--batch-size", "3", "--threads", "2"]
        if not use_eos:
            command.append("--ignore-eos")
        run(command)
        with open(output_path) as f:
            ours = {json.loads(line)["prompt_index"]: json.loads(line)["ids"] for line in f}
        smallest_gap, lengths = float("inf"), []
        for index, prompt in enumerate(prompts):
            expected, gap = transformers_greedy(hf_model, prompt, use_eos)
            if stop_id is None:
                stop_id = expected[20]
            smallest_gap = min(smallest_gap, gap)
            lengths.append(len(expected))
            got = ours.get(index)
            if got != expected:
                first = next((i for i, (a, b) in enumerate(zip(got or [], expected)) if a != b),
                             None)
                failures.append(f"{label}, prompt {index}: r1forge {got} != transformers "
                                f"{expected} (first difference at {first})")
        print(f"{label}: {len(prompts)} prompts, new tokens {lengths}, smallest top-2 logit "
              f"gap {smallest_gap:.3g}")
        if not use_eos and lengths != [NEW_TOKENS] * len(prompts):
            failures.append(f"{label}: transformers made {lengths} tokens, not {NEW_TOKENS}")
        if use_eos and lengths[0] > 21:
            failures.append(f"{label}: transformers did not stop at the added stop id")
    return failures


def compare_train_step(args, arch, source_folder):
    out = os.path.join(args.workdir, "stepped")
    probe = os.path.join(args.workdir, "probe.safetensors")
    shutil.rmtree(out, ignore_errors=True)
    # 200 kB shards: the stepped folder is sharded with an index.
    printed = run([args.train_step_tool, source_folder, out, probe, "200000"]).stdout.strip()
    label = f"{arch} after one r1forge training step"
    failures = []
    if not os.path.exists(os.path.join(out, "model.safetensors.index.json")):
        failures.append(f"{label}: no model.safetensors.index.json in the sharded folder")
    stepped, problems = load_transformers(out, torch.float32)
    if problems:
        failures.append(f"{label}: transformers loading reported {problems}")
    original, _ = load_transformers(source_folder, torch.float32)
    tied = stepped.config.tie_word_embeddings
    with open(os.path.join(out, "model.safetensors.index.json")) as f:
        saved_names = set(json.load(f)["weight_map"])
    if tied and "lm_head.weight" in saved_names:
        failures.append(f"{label}: tied embeddings but lm_head.weight was saved")
    if not tied and "lm_head.weight" not in saved_names:
        failures.append(f"{label}: untied embeddings but lm_head.weight is missing")
    expected_names = {name for name, _ in original.named_parameters()}
    if saved_names != expected_names:
        failures.append(f"{label}: saved {sorted(saved_names ^ expected_names)} differ from "
                        "transformers' parameter names")
    before = dict(original.named_parameters())
    unmoved = [name for name, param in stepped.named_parameters()
               if (param - before[name]).abs().max() < 1e-4]
    if unmoved:
        failures.append(f"{label}: weights the step did not move: {unmoved}")
    tensors = load_file(probe)
    with torch.no_grad():
        logits = stepped(input_ids=tensors["ids"]).logits
    worst = float((logits - tensors["logits"]).abs().max())
    print(f"{label} ({printed}): transformers loads the saved folder, "
          f"{len(saved_names)} tensors, max |logit delta| = {worst:.2e}")
    if worst > TOLERANCE_NATS:
        failures.append(f"{label}: max |logit delta| {worst:.3g} > {TOLERANCE_NATS}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", required=True)
    parser.add_argument("--r1forge", required=True)
    parser.add_argument("--train-step-tool", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    models = os.path.join(args.workdir, "models")
    run([sys.executable, os.path.join(ROOT, "scripts", "make_tiny_models.py"), models, "--only",
         args.arch])
    fp32 = os.path.join(models, f"{args.arch}-fp32")
    bf16 = os.path.join(models, f"{args.arch}-bf16")

    failures = []
    hf_fp32, problems = load_transformers(fp32, torch.float32)
    if problems:
        failures.append(f"{args.arch}: transformers loading reported {problems}")
    failures += compare_logprobs(args, f"{args.arch}-fp32", fp32, hf_fp32, "float32",
                                 TOLERANCE_NATS)
    hf_bf16_weights, _ = load_transformers(bf16, torch.float32)
    failures += compare_logprobs(args, f"{args.arch}-bf16 weights, fp32 compute", bf16,
                                 hf_bf16_weights, "float32", TOLERANCE_NATS)
    hf_bf16, _ = load_transformers(bf16, torch.bfloat16)
    failures += compare_logprobs(args, f"{args.arch}-bf16 weights, bf16 compute", bf16,
                                 hf_bf16, "bfloat16", BF16_TOLERANCE_NATS)
    failures += compare_generate(args, args.arch, fp32, hf_fp32)
    failures += compare_train_step(args, args.arch, fp32)
    for failure in failures:
        print("FAIL:", failure)
    print(f"{args.arch}: all checks agree" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
