#!/usr/bin/env python3
"""Python peers of r1forge's generation benchmark, on the same model folder and prompts.

--mode hf:    transformers `generate()` (sampling, temperature 1, top-k/top-p off, KV cache,
              `min_new_tokens = max_new_tokens` so every sequence runs to the end), over the
              sequences in chunks of --batch-size (each prompt repeated --n times).
--mode eager: a plain PyTorch eager decode loop written here for the Qwen2/Llama layout: a
              preallocated KV cache [layers, B, Hkv, S, D], SDPA attention, one prefill then
              one token per step, torch.multinomial sampling. The "no framework" baseline.
Timing covers generation only (model loading excluded). Prints one JSON line.
"""
import argparse
import json
import math
import time

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForCausalLM


def read_prompts(path):
    with open(path) as f:
        return [json.loads(line)["prompt_ids"] for line in f if line.strip()]


def sequences(prompts, n):
    return [p for p in prompts for _ in range(n)]


def run_hf(args, seqs):
    dtype = torch.bfloat16 if args.dtype == "bfloat16" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype).to(args.device)
    model.eval()
    generated = 0
    if args.device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    with torch.inference_mode():
        for begin in range(0, len(seqs), args.batch_size):
            batch = torch.tensor(seqs[begin:begin + args.batch_size], device=args.device)
            out = model.generate(input_ids=batch, attention_mask=torch.ones_like(batch),
                                 do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                                 max_new_tokens=args.max_new_tokens,
                                 min_new_tokens=args.max_new_tokens, pad_token_id=0)
            generated += (out.shape[1] - batch.shape[1]) * batch.shape[0]
    if args.device == "cuda":
        torch.cuda.synchronize()
    return generated, time.perf_counter() - start


class EagerModel:
    """Qwen2/Llama forward from the safetensors weights, with a preallocated KV cache."""

    def __init__(self, folder):
        config = AutoConfig.from_pretrained(folder)
        weights = load_file(f"{folder}/model.safetensors")
        self.layers = config.num_hidden_layers
        self.heads = config.num_attention_heads
        self.kv_heads = config.num_key_value_heads
        self.dim = getattr(config, "head_dim", None) or config.hidden_size // self.heads
        self.eps = config.rms_norm_eps
        theta = getattr(config, "rope_theta", None) or config.rope_parameters["rope_theta"]
        self.inv_freq = 1.0 / (theta ** (torch.arange(0, self.dim, 2).float() / self.dim))
        self.w = weights
        self.embed = weights["model.embed_tokens.weight"]
        self.head = weights.get("lm_head.weight", self.embed)

    def norm(self, x, weight):
        return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))

    def rope(self, x, positions):
        angles = positions[:, :, None].float() * self.inv_freq  # [B, T, D/2]
        cos = torch.cat([angles, angles], -1).cos()[:, None]    # [B, 1, T, D]
        sin = torch.cat([angles, angles], -1).sin()[:, None]
        half = x.shape[-1] // 2
        rotated = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rotated * sin

    def forward(self, ids, start, cache_k, cache_v):
        batch, length = ids.shape
        positions = torch.arange(start, start + length).expand(batch, length)
        x = self.embed[ids]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self.norm(x, self.w[p + "input_layernorm.weight"])
            q = torch.nn.functional.linear(h, self.w[p + "self_attn.q_proj.weight"],
                                           self.w.get(p + "self_attn.q_proj.bias"))
            k = torch.nn.functional.linear(h, self.w[p + "self_attn.k_proj.weight"],
                                           self.w.get(p + "self_attn.k_proj.bias"))
            v = torch.nn.functional.linear(h, self.w[p + "self_attn.v_proj.weight"],
                                           self.w.get(p + "self_attn.v_proj.bias"))
            q = self.rope(q.view(batch, length, self.heads, self.dim).transpose(1, 2), positions)
            k = self.rope(k.view(batch, length, self.kv_heads, self.dim).transpose(1, 2), positions)
            v = v.view(batch, length, self.kv_heads, self.dim).transpose(1, 2)
            cache_k[i][:, :, start:start + length] = k
            cache_v[i][:, :, start:start + length] = v
            keys = cache_k[i][:, :, :start + length]
            values = cache_v[i][:, :, :start + length]
            attention = torch.nn.functional.scaled_dot_product_attention(
                q, keys, values, is_causal=length > 1, enable_gqa=self.heads != self.kv_heads)
            attention = attention.transpose(1, 2).reshape(batch, length, -1)
            x = x + torch.nn.functional.linear(attention, self.w[p + "self_attn.o_proj.weight"])
            h = self.norm(x, self.w[p + "post_attention_layernorm.weight"])
            gate = torch.nn.functional.linear(h, self.w[p + "mlp.gate_proj.weight"])
            up = torch.nn.functional.linear(h, self.w[p + "mlp.up_proj.weight"])
            x = x + torch.nn.functional.linear(torch.nn.functional.silu(gate) * up,
                                               self.w[p + "mlp.down_proj.weight"])
        x = self.norm(x[:, -1], self.w["model.norm.weight"])
        return torch.nn.functional.linear(x, self.head)  # [B, V]


def run_eager(args, seqs):
    model = EagerModel(args.model)
    generated = 0
    start_time = time.perf_counter()
    with torch.inference_mode():
        for begin in range(0, len(seqs), args.batch_size):
            batch = torch.tensor(seqs[begin:begin + args.batch_size])
            rows, prompt = batch.shape
            capacity = prompt + args.max_new_tokens
            shape = (rows, model.kv_heads, capacity, model.dim)
            cache_k = [torch.zeros(shape) for _ in range(model.layers)]
            cache_v = [torch.zeros(shape) for _ in range(model.layers)]
            logits = model.forward(batch, 0, cache_k, cache_v)
            position = prompt
            for _ in range(args.max_new_tokens):
                token = torch.multinomial(torch.softmax(logits, -1), 1)  # [B, 1]
                generated += rows
                if position == capacity:
                    break
                logits = model.forward(token, position, cache_k, cache_v)
                position += 1
    return generated, time.perf_counter() - start_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["hf", "eager"], required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--prompts", required=True, help="JSONL with prompt_ids per line")
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="hf mode: where the model runs (the GPU benchmark: cuda)")
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32",
                        help="hf mode: weights and compute")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    seqs = sequences(read_prompts(args.prompts), args.n)
    generated, seconds = (run_hf if args.mode == "hf" else run_eager)(args, seqs)
    print(json.dumps({"bench": "generate", "implementation": f"python-{args.mode}",
                      "batch_size": args.batch_size, "max_new_tokens": args.max_new_tokens,
                      "generated_tokens": generated, "seconds": seconds,
                      "tokens_per_second": generated / seconds}))


if __name__ == "__main__":
    main()
