#!/usr/bin/env python3
"""The TRL peer of `scripts/bench.sh grpo`: GRPOTrainer steps on the same model folder, prompts
and step shape as the r1forge GRPO stage it is compared with.

Step shape: one rollout batch of B prompts x G completions (transformers generate(), no vLLM,
temperature 1, top-k/top-p off) and one optimizer step per GRPO step. In TRL's terms:
per_device_train_batch_size = --micro-batch-size completions per forward/backward,
gradient_accumulation_steps = B*G / micro, so generation_batch_size = steps_per_generation x
micro = B*G and one generation feeds exactly one optimizer step; num_iterations 1, beta 0,
loss_type dapo, fp32 (bf16=False: TRL's default is bf16), CPU, gradient checkpointing off
unless --gradient-checkpointing (TRL's default is on; r1forge's model.gradient_checkpointing off).

Tokenizer: transformers cannot load r1forge's SentencePiece folder here (no `sentencepiece`
package), so the peer's tokenizer is built from the same tokenizer.model with transformers'
own SentencePiece-to-`tokenizers` conversion (SpmConverter.build_tokenizer_from_spm_proto, which
follows the model's normalizer spec), plus a BOS post-processor when tokenizer_config.json
says add_bos_token. The run stops unless it encodes every prompt to exactly the ids r1forge
gives (--expect-ids) and decodes --decode-check ids to exactly r1forge's text.

Timing: a TrainerCallback from on_step_begin to on_step_end (the whole optimizer step: the
generation inside the first micro-batch, rewards, every forward/backward, clipping, AdamW);
phases by wrapping the trainer's own methods (generate, rewards, generate+score). Prints one
JSON line.
"""
import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict

import torch
from datasets import Dataset
from tokenizers.processors import TemplateProcessing
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast, TrainerCallback
from transformers.convert_slow_tokenizer import SpmConverter, import_protobuf
from trl import GRPOConfig, GRPOTrainer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from grpo_reward import trl_reward  # noqa: E402  (the same function r1forge's scorer runs)


def load_tokenizer(folder):
    """A fast tokenizer built from folder/tokenizer.model and tokenizer_config.json."""
    proto = import_protobuf().ModelProto()
    with open(os.path.join(folder, "tokenizer.model"), "rb") as f:
        proto.ParseFromString(f.read())
    vocab = [(piece.piece, piece.score) for piece in proto.pieces]
    backend = SpmConverter.build_tokenizer_from_spm_proto(proto, vocab, legacy=True)
    with open(os.path.join(folder, "tokenizer_config.json")) as f:
        config = json.load(f)
    bos = config["bos_token"]
    if config.get("add_bos_token"):
        bos_id = [piece.piece for piece in proto.pieces].index(bos)
        backend.post_processor = TemplateProcessing(single=f"{bos} $A",
                                                    special_tokens=[(bos, bos_id)])
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token=bos,
                                   eos_token=config["eos_token"], pad_token=config["pad_token"],
                                   unk_token=config["unk_token"])


def check_tokenizer(tokenizer, prompts, expect_ids, decode_check):
    with open(expect_ids) as f:
        expected = [json.loads(line)["ids"] for line in f if line.strip()]
    got = tokenizer(text=prompts)["input_ids"]
    bad = [i for i, (a, b) in enumerate(zip(got, expected)) if a != b]
    if len(got) != len(expected) or bad:
        sys.exit(f"grpo_peer: tokenizer ids differ from r1forge's on prompts {bad[:5]}")
    if decode_check:
        with open(decode_check) as f:
            pairs = [json.loads(line) for line in f if line.strip()]
        texts = tokenizer.batch_decode([p["ids"] for p in pairs], skip_special_tokens=True)
        bad = [i for i, (t, p) in enumerate(zip(texts, pairs)) if t != p["text"]]
        if bad:
            sys.exit(f"grpo_peer: decoded text differs from r1forge's on rows {bad[:5]}")


class TimedGRPOTrainer(GRPOTrainer):
    """GRPOTrainer whose generation, reward and generate+score phases add their seconds (and
    the generated tokens) to `self.bench`. The work done is unchanged."""

    bench = defaultdict(float)

    def _generate_single_turn(self, prompt_ids, *args, **kwargs):
        start = time.perf_counter()
        completion_ids, logprobs = super()._generate_single_turn(prompt_ids, *args, **kwargs)
        self.bench["generate"] += time.perf_counter() - start
        self.bench["completions"] += len(completion_ids)
        self.bench["generated_tokens"] += sum(len(c) for c in completion_ids)
        self.bench["truncated"] += sum(1 for c in completion_ids
                                       if not c or c[-1] not in self.eos_token_ids)
        return completion_ids, logprobs

    def _calculate_rewards(self, *args, **kwargs):
        start = time.perf_counter()
        rewards = super()._calculate_rewards(*args, **kwargs)
        self.bench["reward"] += time.perf_counter() - start
        return rewards

    def _generate_and_score_completions(self, *args, **kwargs):
        start = time.perf_counter()
        out = super()._generate_and_score_completions(*args, **kwargs)
        self.bench["generate_and_score"] += time.perf_counter() - start
        return out


class StepTimer(TrainerCallback):
    def __init__(self):
        self.steps = []
        self.start = None

    def on_step_begin(self, args, state, control, **kwargs):
        TimedGRPOTrainer.bench.clear()
        self.start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        seconds = time.perf_counter() - self.start
        b = dict(TimedGRPOTrainer.bench)
        completions = max(1, b.get("completions", 0))
        self.steps.append({
            "step": state.global_step, "seconds": seconds,
            "rollout": b.get("generate", 0.0), "reward": b.get("reward", 0.0),
            # everything after generate+score: forward/backward of every micro-batch, clipping,
            # AdamW, zero_grad
            "update": seconds - b.get("generate_and_score", 0.0),
            "generated_tokens": b.get("generated_tokens", 0),
            "mean_length": b.get("generated_tokens", 0) / completions,
            "clipped_ratio": b.get("truncated", 0) / completions,
        })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="HF model folder (r1forge init-model)")
    parser.add_argument("--prompts", required=True, help="JSONL with a 'prompt' text per line")
    parser.add_argument("--expect-ids", required=True, help="JSONL of r1forge's prompt ids")
    parser.add_argument("--decode-check", help="JSONL of {ids, text} decoded by r1forge")
    parser.add_argument("--prompts-per-step", type=int, default=4)
    parser.add_argument("--num-generations", type=int, default=8)
    parser.add_argument("--max-completion-length", type=int, default=64)
    parser.add_argument("--micro-batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=1e-6)
    parser.add_argument("--gradient-checkpointing", action="store_true",
                        help="TRL's default; off unless given, as in r1forge")
    parser.add_argument("--out", required=True, help="scratch folder for the Trainer")
    parser.add_argument("--bf16", action="store_true", help="TrainingArguments bf16=True")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    with open(args.prompts) as f:
        prompts = [json.loads(line)["prompt"] for line in f if line.strip()]
    tokenizer = load_tokenizer(args.model)
    check_tokenizer(tokenizer, prompts, args.expect_ids, args.decode_check)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    # --bf16: TRL's own default (bf16=True: autocast over fp32 weights in training, as
    # r1forge's model.mixed_precision: bfloat16).

    completions = args.prompts_per_step * args.num_generations
    if completions % args.micro_batch_size:
        sys.exit("grpo_peer: B*G must be a multiple of --micro-batch-size")
    config = GRPOConfig(
        output_dir=args.out, use_cpu=True, bf16=args.bf16, fp16=False, report_to=[],
        gradient_checkpointing=args.gradient_checkpointing,
        per_device_train_batch_size=args.micro_batch_size,
        gradient_accumulation_steps=completions // args.micro_batch_size,
        num_generations=args.num_generations, max_completion_length=args.max_completion_length,
        temperature=1.0, top_p=1.0, top_k=0, beta=0.0, loss_type="dapo", num_iterations=1,
        scale_rewards="group", epsilon=0.2, learning_rate=args.learning_rate,
        lr_scheduler_type="constant", weight_decay=0.0, max_grad_norm=1.0,
        max_steps=args.steps, logging_steps=1, save_strategy="no", disable_tqdm=True,
        log_completions=False, seed=args.seed, dataloader_num_workers=0)
    assert config.generation_batch_size == completions and config.steps_per_generation == \
        config.gradient_accumulation_steps, "one generation per optimizer step"
    timer = StepTimer()
    trainer = TimedGRPOTrainer(
        model=model, reward_funcs=[trl_reward], args=config,
        train_dataset=Dataset.from_list([{"prompt": p} for p in prompts]),
        processing_class=tokenizer, callbacks=[timer])
    trainer.train()

    timed = timer.steps[args.warmup:]
    median = {key: statistics.median(s[key] for s in timed)
              for key in ("seconds", "rollout", "reward", "update", "mean_length",
                          "clipped_ratio", "generated_tokens")}
    print(json.dumps({
        "bench": "grpo", "implementation": "trl", "threads": args.threads,
        "prompts_per_step": args.prompts_per_step, "num_generations": args.num_generations,
        "max_completion_length": args.max_completion_length, "warmup_steps": args.warmup,
        "gradient_checkpointing": args.gradient_checkpointing,
        "median": median,
        "tokens_per_second": statistics.median(s["generated_tokens"] / s["seconds"] for s in timed),
        "steps": timer.steps}))


if __name__ == "__main__":
    main()
