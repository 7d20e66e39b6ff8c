#!/usr/bin/env python3
"""Oracle folders for r1forge's reward model (tests/model/test_reward_model.cpp).

Builds tiny random Qwen2ForSequenceClassification (q/k/v biases, GQA, untied),
LlamaForSequenceClassification (tied embeddings) and Qwen3ForSequenceClassification (q/k norms,
head_dim != E / H) models in transformers, seeded, num_labels 1, pad_token_id 0, and saves
each under tests/golden/reward_model/<name>/ with scores.json: the same rows right-padded,
left-padded, and one at a time, with transformers' logits (fp32, SDPA attention, the
attention mask passed, default position ids). One row ends in the pad id while unpadded (an
eos = pad ending), so its score is read one token earlier, by transformers' rule.
initializer_range 0.3 makes scores O(1), so a 1e-4 agreement means something.

Usage: make_reward_model_fixtures.py [--check] [--out DIR]  (--check: regenerate in memory and
compare the scores with the committed scores.json, and the weights with the committed folder)
"""
import argparse
import json
import pathlib
import sys
import tempfile

import torch
import transformers
from safetensors.torch import load_file
from transformers import (LlamaConfig, LlamaForSequenceClassification, Qwen2Config,
                          Qwen2ForSequenceClassification, Qwen3Config,
                          Qwen3ForSequenceClassification)

PAD = 0
VOCAB = 64
COMMON = dict(vocab_size=VOCAB, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
              num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
              num_labels=1, pad_token_id=PAD, initializer_range=0.3, bos_token_id=1,
              eos_token_id=2)
MODELS = {
    "tiny_qwen2_rm": (Qwen2Config, Qwen2ForSequenceClassification, dict(tie_word_embeddings=False)),
    "tiny_llama_rm": (LlamaConfig, LlamaForSequenceClassification,
                      dict(tie_word_embeddings=True, rope_theta=500000.0)),
    "tiny_qwen3_rm": (Qwen3Config, Qwen3ForSequenceClassification,
                      dict(tie_word_embeddings=False, head_dim=8)),
}
# Real token rows of different lengths; the last ends in PAD while real (eos = pad).
ROWS = [[5, 17, 33, 9, 41, 3, 60], [7, 22], [12, 40, 8, 19, PAD], [30], [11, 50, 23, 4]]


def padded(rows, left):
    width = max(len(row) for row in rows)
    ids, mask = [], []
    for row in rows:
        fill = width - len(row)
        ids.append([PAD] * fill + row if left else row + [PAD] * fill)
        mask.append([0] * fill + [1] * len(row) if left else [1] * len(row) + [0] * fill)
    return ids, mask


def scores(model, ids, mask):
    with torch.no_grad():
        out = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask))
    return out.logits.squeeze(-1).tolist()


def build(name):
    config_class, model_class, extra = MODELS[name]
    config = config_class(**COMMON, **extra)
    torch.manual_seed(1234)
    model = model_class(config).eval()
    batches = {}
    for label, left in (("right_padded", False), ("left_padded", True)):
        ids, mask = padded(ROWS, left)
        batches[label] = {"input_ids": ids, "attention_mask": mask,
                          "scores": scores(model, ids, mask)}
    batches["one_at_a_time"] = {"rows": ROWS,
                                "scores": [scores(model, [row], [[1] * len(row)])[0]
                                           for row in ROWS]}
    return model, {"generator": "tests/model/make_reward_model_fixtures.py",
                   "transformers_version": transformers.__version__, "pad_token_id": PAD,
                   "batches": batches}


def close(a, b, tolerance):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tolerance) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(close(x, y, tolerance) for x, y in zip(a, b))
    if isinstance(a, str):
        return True  # versions may differ; the numbers may not
    return abs(a - b) <= tolerance


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--out", default=str(
        pathlib.Path(__file__).resolve().parents[1] / "golden" / "reward_model"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    failures = []
    for name in MODELS:
        folder = pathlib.Path(args.out) / name
        model, fixture = build(name)
        if args.check:
            committed = json.loads((folder / "scores.json").read_text())
            if not close(committed["batches"], fixture["batches"], 1e-6):
                failures.append(f"{folder}/scores.json differs from transformers "
                                f"{transformers.__version__}'s scores now")
            with tempfile.TemporaryDirectory() as scratch:
                model.save_pretrained(scratch)
                fresh = load_file(f"{scratch}/model.safetensors")
            stored = load_file(str(folder / "model.safetensors"))
            if fresh.keys() != stored.keys() or any(
                    not torch.equal(fresh[k], stored[k]) for k in fresh):
                failures.append(f"{folder}/model.safetensors differs from a fresh build")
            continue
        model.save_pretrained(folder)
        (folder / "scores.json").write_text(json.dumps(fixture, indent=1) + "\n")
        print(f"wrote {folder}")
    if failures:
        sys.exit("\n".join(failures))
    if args.check:
        print("reward model fixtures match transformers " + transformers.__version__)


if __name__ == "__main__":
    main()
