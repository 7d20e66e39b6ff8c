#!/usr/bin/env python3
"""Writes the golden fixtures r1forge's model tests compare against (tests/golden/).

Oracle: PyTorch + transformers (eager attention, fp32). For each tiny model it saves an HF
folder exactly as transformers writes it (config.json, model.safetensors, generation_config.json)
and golden.safetensors with:
  ids [2, 10], logits [2, 10, V], loss (mean next-token cross-entropy), grad.<hf name> for every
  parameter; padded_ids / padded_mask / padded_positions [2, 10] (row 1 left-padded by 3) and
  padded_logits [2, 10, V] (compare real positions only).
Biases and norm weights are randomised (transformers initialises them to 0 and 1, which would
leave bias and norm handling untested).

Usage: make_golden.py OUT_DIR            write fixtures
       make_golden.py --check DIR        regenerate into a temp dir and compare with DIR
"""
import argparse
import os
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file
from transformers import (LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM,
                          Qwen3Config, Qwen3ForCausalLM)

MODELS = {
    # Qwen2: q/k/v biases, GQA (4 heads, 2 KV heads), untied embeddings.
    "tiny_qwen2": (Qwen2ForCausalLM, Qwen2Config(
        vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=False,
        bos_token_id=1, eos_token_id=2)),
    # Llama: MHA, tied embeddings, Llama-3 rope scaling with all three frequency bands in use.
    "tiny_llama": (LlamaForCausalLM, LlamaConfig(
        vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=64,
        rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=1, eos_token_id=2,
        rope_scaling={"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0,
                      "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
        rope_theta=10000.0)),
    # Qwen3: per-head q/k RMSNorm, head_dim 16 != hidden / heads = 8, GQA, tied embeddings.
    "tiny_qwen3": (Qwen3ForCausalLM, Qwen3Config(
        vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=64,
        rope_theta=1000000.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
        attention_bias=False, bos_token_id=1, eos_token_id=2)),
}


def build(name, seed):
    model_class, config = MODELS[name]
    torch.manual_seed(seed)
    config._attn_implementation = "eager"
    model = model_class(config).float()
    with torch.no_grad():
        for param_name, param in model.named_parameters():
            if param_name.endswith(".bias"):
                param.copy_(torch.randn_like(param) * 0.1)
            elif "norm" in param_name:
                param.copy_(1.0 + torch.randn_like(param) * 0.1)
    return model


def golden_tensors(model, vocab, seed):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, vocab, (2, 10), generator=generator)
    out = {"ids": ids}
    model.zero_grad()
    logits = model(input_ids=ids).logits
    loss = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, vocab), ids[:, 1:].reshape(-1))
    loss.backward()
    out["logits"] = logits.detach()
    out["loss"] = loss.detach().reshape(1)
    for param_name, param in model.named_parameters():
        out["grad." + param_name] = param.grad.detach().clone()

    padded = ids.clone()
    mask = torch.ones_like(ids)
    padded[1, :3] = 0
    mask[1, :3] = 0
    positions = (mask.cumsum(1) - 1).clamp(min=0) * mask
    with torch.no_grad():
        padded_logits = model(input_ids=padded, attention_mask=mask, position_ids=positions).logits
    out.update(padded_ids=padded, padded_mask=mask, padded_positions=positions,
               padded_logits=padded_logits)
    return {k: v.contiguous() for k, v in out.items()}


def write(out_dir):
    for index, name in enumerate(MODELS):
        folder = os.path.join(out_dir, name)
        model = build(name, seed=1000 + index)
        model.save_pretrained(folder)
        tensors = golden_tensors(model, model.config.vocab_size, seed=2000 + index)
        save_file(tensors, os.path.join(folder, "golden.safetensors"), metadata={"format": "pt"})


def check(committed_dir):
    with tempfile.TemporaryDirectory() as fresh:
        write(fresh)
        failures = 0
        for name in MODELS:
            for file in ("model.safetensors", "golden.safetensors"):
                old = load_file(os.path.join(committed_dir, name, file))
                new = load_file(os.path.join(fresh, name, file))
                if old.keys() != new.keys():
                    print(f"{name}/{file}: tensor names differ")
                    failures += 1
                    continue
                for key in old:
                    a, b = old[key].double(), new[key].double()
                    if a.shape != b.shape or not torch.allclose(a, b, rtol=1e-5, atol=1e-6):
                        print(f"{name}/{file}: {key} differs (max {(a - b).abs().max():.3g})")
                        failures += 1
        print("golden fixtures reproduce" if failures == 0 else f"{failures} mismatches")
        return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden"))
    parser.add_argument("--check", metavar="DIR", help="compare a fresh run with DIR")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.check:
        return check(args.check)
    write(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
