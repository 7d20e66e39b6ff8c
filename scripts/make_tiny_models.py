#!/usr/bin/env python3
"""Makes tiny random Hugging Face model folders of the four architectures r1forge loads, with
transformers itself (no downloads), for the interop tests (tests/python/check_real_models.py).

Each is a real checkpoint's config.json (configs/models/) scaled down: few layers, narrow,
vocab 512, with the real one's quirks kept: grouped-query attention, tied or untied
embeddings, Qwen2's q/k/v biases, Qwen3's q/k norms and head_dim != hidden / heads, Llama-3's
rope_scaling (original context scaled down so all three frequency bands are in use), the
R1-distill's rope_theta 10000 with sliding_window / max_window_layers present but off.
Weights: transformers' init with a wider std (so greedy argmaxes are not near-ties), then
biases and norm weights randomised (transformers sets them to 0 and 1, which would leave their
loading untested). Fixed seeds: the same folders on every run.

Written under OUT: <arch>-fp32/ and <arch>-bf16/ for arch in qwen2.5, qwen3, llama3,
r1-distill-qwen, each with config.json, generation_config.json and model.safetensors; the
r1-distill-qwen-fp32 and qwen3-bf16 folders are sharded (model-0000i-of-0000n.safetensors +
model.safetensors.index.json). A bf16 folder holds the fp32 folder's weights rounded to bf16.

Usage: make_tiny_models.py OUT [--only ARCH ...]
"""
import argparse
import os
import sys

import torch
from transformers import (GenerationConfig, LlamaConfig, LlamaForCausalLM, Qwen2Config,
                          Qwen2ForCausalLM, Qwen3Config, Qwen3ForCausalLM)

VOCAB = 512
# Shard limit for the sharded folders: a few shards for these ~1 MB models.
SHARD = "300KB"


def qwen25():
    # Qwen2.5-0.5B: 896 wide, 14 heads / 2 KV heads (GQA 7:1), head_dim 64, tied, theta 1e6.
    return Qwen2ForCausalLM, Qwen2Config(
        vocab_size=VOCAB, hidden_size=112, intermediate_size=304, num_hidden_layers=3,
        num_attention_heads=7, num_key_value_heads=1, max_position_embeddings=512,
        max_window_layers=3, sliding_window=512, use_sliding_window=False,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, rms_norm_eps=1e-6,
        tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, initializer_range=0.1)


def qwen3():
    # Qwen3-0.6B: 1024 wide, 16 heads / 8 KV heads, head_dim 128 (not 1024 / 16 = 64), q/k
    # RMSNorm, no attention biases, tied, theta 1e6. Here 64 wide, 4 / 2 heads, head_dim 32.
    return Qwen3ForCausalLM, Qwen3Config(
        vocab_size=VOCAB, hidden_size=64, intermediate_size=192, num_hidden_layers=3,
        num_attention_heads=4, num_key_value_heads=2, head_dim=32, max_position_embeddings=512,
        max_window_layers=3, use_sliding_window=False, attention_bias=False,
        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0}, rms_norm_eps=1e-6,
        tie_word_embeddings=True, bos_token_id=1, eos_token_id=3, initializer_range=0.1)


def llama3():
    # Llama-3.2-1B: 2048 wide, 32 heads / 8 KV heads, head_dim 64, tied, theta 5e5, llama3
    # rope scaling factor 32 from an 8192 original context. Here the original context is 64
    # so that positions up to ~100 cross the high-, mid- and low-frequency bands.
    return LlamaForCausalLM, LlamaConfig(
        vocab_size=VOCAB, hidden_size=96, intermediate_size=256, num_hidden_layers=2,
        num_attention_heads=8, num_key_value_heads=2, head_dim=12, max_position_embeddings=512,
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 64},
        rms_norm_eps=1e-5, attention_bias=False, mlp_bias=False, tie_word_embeddings=True,
        bos_token_id=1, eos_token_id=[2, 4, 5], initializer_range=0.1)


def r1_distill_qwen():
    # DeepSeek-R1-Distill-Qwen-1.5B (Qwen2.5-Math-1.5B's shape): 12 heads / 2 KV heads, untied
    # LM head, rope_theta 10000, sliding_window 4096 and max_window_layers 21 with
    # use_sliding_window false (so every layer is full attention).
    return Qwen2ForCausalLM, Qwen2Config(
        vocab_size=VOCAB, hidden_size=96, intermediate_size=256, num_hidden_layers=3,
        num_attention_heads=6, num_key_value_heads=2, max_position_embeddings=512,
        max_window_layers=2, sliding_window=128, use_sliding_window=False,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0}, rms_norm_eps=1e-6,
        tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, initializer_range=0.1)


ARCHITECTURES = {"qwen2.5": qwen25, "qwen3": qwen3, "llama3": llama3,
                 "r1-distill-qwen": r1_distill_qwen}
SHARDED = {("r1-distill-qwen", "fp32"), ("qwen3", "bf16")}
# generation_config.json as the real checkpoints ship it: stop ids, and the R1 distill's
# recommended sampling (temperature 0.6, top_p 0.95).
GENERATION = {
    "qwen2.5": dict(bos_token_id=1, eos_token_id=2),
    "qwen3": dict(bos_token_id=1, eos_token_id=[3, 2], pad_token_id=2),
    "llama3": dict(bos_token_id=1, eos_token_id=[2, 4, 5]),
    "r1-distill-qwen": dict(bos_token_id=0, eos_token_id=2, do_sample=True, temperature=0.6,
                            top_p=0.95),
}


def build(arch, seed):
    model_class, config = ARCHITECTURES[arch]()
    torch.manual_seed(seed)
    model = model_class(config).float()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith(".bias"):
                param.copy_(torch.randn_like(param) * 0.1)
            elif "norm" in name:
                param.copy_(1.0 + torch.randn_like(param) * 0.1)
    model.generation_config = GenerationConfig(**GENERATION[arch])
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--only", nargs="*", choices=sorted(ARCHITECTURES), default=None)
    args = parser.parse_args()
    torch.set_num_threads(2)
    for index, arch in enumerate(sorted(ARCHITECTURES)):  # seeds fixed per architecture
        if args.only and arch not in args.only:
            continue
        model = build(arch, seed=1000 + index)
        for dtype_name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            folder = os.path.join(args.out, f"{arch}-{dtype_name}")
            shard = SHARD if (arch, dtype_name) in SHARDED else "5GB"
            model.to(dtype).save_pretrained(folder, max_shard_size=shard)
        print(f"{arch}: {sum(p.numel() for p in model.parameters())} parameters -> "
              f"{args.out}/{arch}-{{fp32,bf16}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
