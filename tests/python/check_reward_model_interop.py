#!/usr/bin/env python3
"""Reward-model folders saved by r1forge, loaded and scored by transformers (a CTest entry).

1. `reward_model_tool init` starts reward models from the causal-LM golden folders
   (tests/golden/tiny_qwen2: untied, q/k/v biases; tiny_llama: tied embeddings) and saves them;
   `resave` writes a transformers-made Qwen3 classifier back out in float32 and in bfloat16.
2. transformers' AutoModelForSequenceClassification loads each folder with no missing,
   unexpected or mismatched weights, as a *ForSequenceClassification with one label; the body
   equals what transformers' own from_pretrained of the causal LM gives.
3. transformers' logits and `reward_model_tool score` agree within 1e-4 (fp32; the bf16
   folder is scored in fp32 on both sides from the same rounded weights) on right- and
   left-padded batches.
Exit status 0 when everything agrees; the mismatches are printed otherwise.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

import torch

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification  # noqa: E402

TOLERANCE = 1e-4
PAD = 0
ROOT = pathlib.Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
ROWS = [[5, 17, 33, 9, 41, 3, 60, 8], [7, 22], [12, 40, 8, 19, PAD], [30], [11, 50, 23, 4, 60]]


def run(command):
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"command failed ({result.returncode}): {' '.join(map(str, command))}\n"
                 f"{result.stderr}")


def padded(left):
    width = max(len(row) for row in ROWS)
    ids, mask = [], []
    for row in ROWS:
        fill = width - len(row)
        ids.append([PAD] * fill + row if left else row + [PAD] * fill)
        mask.append([0] * fill + [1] * len(row) if left else [1] * len(row) + [0] * fill)
    return ids, mask


def check_folder(tool, folder, workdir, name, causal_lm=None):
    problems = []
    model, info = AutoModelForSequenceClassification.from_pretrained(
        folder, output_loading_info=True, dtype=torch.float32)
    loading = {key: value for key, value in info.items() if value}
    if loading:
        problems.append(f"{name}: transformers loading reported {loading}")
    if not type(model).__name__.endswith("ForSequenceClassification") or model.num_labels != 1:
        problems.append(f"{name}: loaded as {type(model).__name__} with {model.num_labels} labels")
    if model.config.pad_token_id != PAD:
        problems.append(f"{name}: pad_token_id {model.config.pad_token_id}")
    if causal_lm is not None:
        reference = AutoModelForCausalLM.from_pretrained(causal_lm, dtype=torch.float32)
        body = model.model.state_dict()
        for key, value in reference.model.state_dict().items():
            if not torch.equal(body[key], value):
                problems.append(f"{name}: body tensor {key} differs from the causal LM's")
    model.eval()
    for label, left in (("right", False), ("left", True)):
        ids, mask = padded(left)
        request = workdir / f"{name}.{label}.in.json"
        response = workdir / f"{name}.{label}.out.json"
        request.write_text(json.dumps({"input_ids": ids, "attention_mask": mask}))
        run([tool, "score", folder, request, response])
        ours = torch.tensor(json.loads(response.read_text())["scores"], dtype=torch.float64)
        with torch.no_grad():
            theirs = model(input_ids=torch.tensor(ids),
                           attention_mask=torch.tensor(mask)).logits.squeeze(-1).double()
        difference = (ours - theirs).abs().max().item()
        print(f"{name} {label}-padded: max |r1forge - transformers| = {difference:.2e}")
        if not difference <= TOLERANCE:
            problems.append(f"{name} {label}-padded: scores {ours.tolist()} vs "
                            f"transformers {theirs.tolist()}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)
    workdir = pathlib.Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    problems = []
    for causal in ("tiny_qwen2", "tiny_llama"):
        folder = workdir / f"{causal}_rm_init"
        run([args.tool, "init", GOLDEN / causal, folder, 5, PAD])
        problems += check_folder(args.tool, folder, workdir, f"{causal}_init", GOLDEN / causal)
    for dtype in ("float32", "bfloat16"):
        folder = workdir / f"tiny_qwen3_rm_{dtype}"
        run([args.tool, "resave", GOLDEN / "reward_model" / "tiny_qwen3_rm", folder, dtype])
        config = json.loads((folder / "config.json").read_text())
        if config.get("dtype") != dtype:
            problems.append(f"{folder}: config.json dtype {config.get('dtype')}")
        problems += check_folder(args.tool, folder, workdir, f"qwen3_resaved_{dtype}")
    if problems:
        sys.exit("\n".join(problems))
    print("reward model folders saved by r1forge load in transformers with the same scores")


if __name__ == "__main__":
    main()
