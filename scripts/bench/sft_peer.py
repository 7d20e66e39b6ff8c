#!/usr/bin/env python3
"""The transformers Trainer peer of `scripts/bench.sh sft`: SFT optimizer steps on the same
model folder, token ids and step shape as the r1forge sft stage it is compared with.

Data: --data JSONL rows {"ids": [...], "prompt_length": P}, r1forge's own encoding of each
example (scripts/bench/sft.sh). labels = ids with the prompt positions set to -100: the loss is
on completion tokens only, as r1forge's completion_only_loss; the model shifts them, so
position t predicts token t + 1.
- Without --pad-id (LENGTHS=equal): all rows of one length, so nothing is padded and no
  attention mask is passed (the model's causal mask alone, its fastest sdpa path); the default
  data collator stacks them.
- With --pad-id (LENGTHS=varied): rows of varied lengths and the usual padding collator, what
  DataCollatorForSeq2Seq(padding="longest", label_pad_token_id=-100) does (written out here: the
  model folder's SentencePiece tokenizer needs packages the venv lacks, and the ids are already
  made): each micro-batch right-padded with --pad-id to its longest row, attention_mask 1 on
  real tokens and 0 on padding, labels -100 on padding. --group-by-length adds the Trainer's
  LengthGroupedSampler (train_sampling_strategy "group_by_length"; group_by_length=True before
  transformers 5), which orders the examples so that each optimizer step's are of similar length.

Trainer: per_device_train_batch_size = --micro-batch-size, gradient_accumulation_steps =
--batch-size / micro, max_steps = --steps (or num_train_epochs = --epochs: exactly that many
passes), fp32 on the CPU (use_cpu, bf16/fp16 off), AdamW (the Trainer's default implementation)
at a constant --learning-rate, weight decay 0, clipping at 1.0, no evaluation, no saving
(save_strategy "no"), no logging (logging_strategy "no", report_to []), dataloader_num_workers 0,
the sampler seeded by --seed. The loss is the token mean over the whole optimizer step (the
Trainer hands num_items_in_batch to the model's loss).

Timing: per optimizer step, from the start of get_batch_samples (fetching and collating the
step's micro-batches) to on_step_end (after AdamW, the scheduler and zero_grad). Per step it
also records the loss (the sum of the micro-batches' losses, each already divided by the step's
target count), the input tokens (padding included), the real (non-pad) tokens and the target
tokens. Prints one JSON line.
"""
import argparse
import json
import statistics
import sys
import time

import torch
from transformers import AutoModelForCausalLM, Trainer, TrainerCallback, TrainingArguments


class IdsDataset(torch.utils.data.Dataset):
    """Rows: input_ids [T] and labels [T] (-100 over the prompt); one T unless varied."""

    def __init__(self, path, varied):
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        if not rows:
            sys.exit(f"sft_peer: {path} holds no rows")
        lengths = {len(r["ids"]) for r in rows}
        if len(lengths) != 1 and not varied:
            sys.exit(f"sft_peer: rows of {sorted(lengths)} tokens without --pad-id; unpadded "
                     f"batches need one length")
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        row = self.rows[index]
        ids = torch.tensor(row["ids"], dtype=torch.long)
        labels = ids.clone()
        labels[: row["prompt_length"]] = -100
        return {"input_ids": ids, "labels": labels}


def padding_collator(pad_id):
    """Right-pads a micro-batch to its longest row: DataCollatorForSeq2Seq(padding="longest",
    label_pad_token_id=-100) on rows that are already token ids."""

    def collate(features):
        width = max(len(f["input_ids"]) for f in features)
        ids = torch.full((len(features), width), pad_id, dtype=torch.long)
        labels = torch.full((len(features), width), -100, dtype=torch.long)
        mask = torch.zeros((len(features), width), dtype=torch.long)
        for n, f in enumerate(features):
            length = len(f["input_ids"])
            ids[n, :length] = f["input_ids"]
            labels[n, :length] = f["labels"]
            mask[n, :length] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}

    return collate


class TimedTrainer(Trainer):
    """A Trainer that notes when each optimizer step starts fetching its batches, what they
    hold, and the loss its micro-batches return. The work done is unchanged."""

    step_start = None
    step_tokens = 0
    step_real_tokens = 0
    step_targets = 0
    step_losses = []

    def get_batch_samples(self, epoch_iterator, num_batches, device):
        TimedTrainer.step_start = time.perf_counter()
        batches, num_items = super().get_batch_samples(epoch_iterator, num_batches, device)
        TimedTrainer.step_tokens = sum(b["input_ids"].numel() for b in batches)
        TimedTrainer.step_real_tokens = sum(
            int(b["attention_mask"].sum()) if "attention_mask" in b else b["input_ids"].numel()
            for b in batches)
        # The targets: labels after the model's shift (position t predicts label t + 1).
        TimedTrainer.step_targets = sum(int((b["labels"][:, 1:] != -100).sum()) for b in batches)
        TimedTrainer.step_losses = []
        return batches, num_items

    def training_step(self, model, inputs, num_items_in_batch=None):
        loss = super().training_step(model, inputs, num_items_in_batch)
        TimedTrainer.step_losses.append(loss)  # detached; read after the step's timer stops
        return loss


class StepTimer(TrainerCallback):
    def __init__(self):
        self.steps = []

    def on_step_end(self, args, state, control, **kwargs):
        seconds = time.perf_counter() - TimedTrainer.step_start
        self.steps.append({
            "step": state.global_step, "seconds": seconds,
            "loss": float(sum(loss.item() for loss in TimedTrainer.step_losses)),
            "tokens": TimedTrainer.step_tokens, "real_tokens": TimedTrainer.step_real_tokens,
            "target_tokens": TimedTrainer.step_targets})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="HF model folder (r1forge init-model)")
    parser.add_argument("--data", required=True, help="JSONL of {ids, prompt_length}")
    parser.add_argument("--batch-size", type=int, default=8, help="rows per optimizer step")
    parser.add_argument("--micro-batch-size", type=int, default=8, help="rows per forward")
    parser.add_argument("--steps", type=int, default=10, help="optimizer steps")
    parser.add_argument("--epochs", type=int, default=0,
                        help="> 0: passes over the data instead of --steps")
    parser.add_argument("--pad-id", type=int, default=None,
                        help="pad varied-length rows with this id (the padding collator)")
    parser.add_argument("--group-by-length", action="store_true",
                        help="with --pad-id: the Trainer's length-grouped sampler")
    parser.add_argument("--warmup", type=int, default=2, help="steps left out of the medians")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--learning-rate", type=float, default=2e-5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="scratch folder for the Trainer")
    args = parser.parse_args()
    if args.batch_size % args.micro_batch_size:
        sys.exit("sft_peer: --batch-size must be a multiple of --micro-batch-size")
    if args.group_by_length and args.pad_id is None:
        sys.exit("sft_peer: --group-by-length needs --pad-id (varied-length rows)")
    dataset = IdsDataset(args.data, varied=args.pad_id is not None)
    if args.epochs > 0:
        # The Trainer's last step of an epoch takes what is left; the benchmark keeps it whole.
        if len(dataset) % args.batch_size:
            sys.exit(f"sft_peer: {len(dataset)} rows are not a multiple of --batch-size")
        args.steps = args.epochs * len(dataset) // args.batch_size
    if not 0 <= args.warmup < args.steps:
        sys.exit(f"sft_peer: --warmup ({args.warmup}) must be below the steps ({args.steps})")
    torch.set_num_threads(args.threads)

    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    length = {"max_steps": args.steps}
    if args.epochs > 0:
        length = {"num_train_epochs": args.epochs, "max_steps": -1}
    sampling = {}
    if args.group_by_length:
        fields = TrainingArguments.__dataclass_fields__
        sampling = ({"train_sampling_strategy": "group_by_length"}
                    if "train_sampling_strategy" in fields else {"group_by_length": True})
    config = TrainingArguments(
        output_dir=args.out, use_cpu=True, bf16=False, fp16=False, report_to=[],
        per_device_train_batch_size=args.micro_batch_size,
        gradient_accumulation_steps=args.batch_size // args.micro_batch_size,
        **length, **sampling, learning_rate=args.learning_rate, lr_scheduler_type="constant",
        warmup_steps=0, weight_decay=0.0, adam_beta1=0.9, adam_beta2=0.999, adam_epsilon=1e-8,
        max_grad_norm=1.0, eval_strategy="no",
        save_strategy="no", logging_strategy="no", disable_tqdm=True, seed=args.seed,
        dataloader_num_workers=0, dataloader_drop_last=False, remove_unused_columns=False)
    timer = StepTimer()
    collator = {} if args.pad_id is None else {"data_collator": padding_collator(args.pad_id)}
    trainer = TimedTrainer(model=model, args=config, train_dataset=dataset, callbacks=[timer],
                           **collator)
    trainer.train()
    assert not model.is_gradient_checkpointing, "gradient checkpointing is off on both sides"

    if len(timer.steps) != args.steps:
        sys.exit(f"sft_peer: {len(timer.steps)} optimizer steps timed, {args.steps} expected")
    timed = timer.steps[args.warmup:]
    seconds = statistics.median(s["seconds"] for s in timed)
    tokens = timed[0]["tokens"]
    # Varied lengths: real (non-pad) tokens of the timed steps over their summed time.
    rate = (sum(s["real_tokens"] for s in timed) / sum(s["seconds"] for s in timed)
            if args.pad_id is not None else tokens / seconds)
    print(json.dumps({
        "bench": "sft", "implementation": "transformers-trainer", "threads": args.threads,
        "batch_size": args.batch_size, "micro_batch_size": args.micro_batch_size,
        "sequence_length": None if args.pad_id is not None else tokens // args.batch_size,
        "warmup_steps": args.warmup,
        "optimizer": str(config.optim), "attention": model.config._attn_implementation,
        "padding": args.pad_id is not None, "group_by_length": args.group_by_length,
        "median_step_seconds": seconds, "tokens_per_second": rate, "steps": timer.steps}))


if __name__ == "__main__":
    main()
