// The `sft:` section of a stage, used by types sft (completion-only loss on prompt/completion
// rows: cold start, R1's second SFT on curated data, distillation) and pretrain (plain
// next-token loss on text rows: the tiny base model the demo needs, since no pretrained
// weights can be downloaded here). Option names follow TRL SFTConfig / HF TrainingArguments.
// Not here: the loop (sft_trainer.h), the data format (data/sft_dataset.h).
#pragma once

#include <cstdint>
#include <string>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/sft_dataset.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/pipeline/checkpoint.h"

namespace r1forge {

// TRL SFTConfig's optimizer defaults: lr 2e-5, linear decay, no warmup.
inline OptimizerConfig sft_optimizer_defaults() {
  OptimizerConfig config;
  config.learning_rate = 2e-5;
  config.schedule.lr_scheduler_type = "linear";
  return config;
}

struct SftConfig {
  SftDataConfig data;                // training rows
  std::string eval_path;             // held-out rows (same fields); empty = eval_fraction of data
  double eval_fraction = 0.0;        // share of data held out when eval_path is empty; 0 = none
  int64_t num_epochs = 1;            // passes over the data (TRL num_train_epochs; default 3 there)
  int64_t max_steps = 0;             // > 0: exactly this many optimizer steps, epochs ignored
  int64_t batch_size = 16;           // rows (examples, or packed rows) per optimizer step
  int64_t micro_batch_size = 8;      // rows per forward/backward (gradient accumulation)
  bool packing = false;              // first-fit-decreasing into rows of data.max_length tokens
  bool completion_only_loss = true;  // sft: no loss on prompt tokens (TRL default); pretrain: n/a
  OptimizerConfig optimizer = sft_optimizer_defaults();
  int64_t logging_steps = 10;         // console line every N steps (metrics.jsonl gets all)
  int64_t eval_steps = 0;             // held-out loss every N steps and at the end; 0 = end only
  CheckpointConfig checkpoint;        // save_steps, save_minutes, save_total_limit, best metric
  int64_t logprob_chunk_rows = 1024;  // positions per log-softmax chunk (bounds [C, V] memory)

  bool operator==(const SftConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("data", data, "training rows (prompt/completion, or text for pretrain)");
    v.field("eval_path", eval_path, "held-out rows (JSONL or Parquet) for the eval loss; empty = eval_fraction");
    v.field("eval_fraction", eval_fraction, "share of data held out when eval_path is empty",
            RealRange{0.0, 1.0, false, true});
    v.field("num_epochs", num_epochs, "passes over the data", IntRange{1, 1 << 20});
    v.field("max_steps", max_steps, "optimizer steps; > 0 overrides num_epochs",
            IntRange{0, INT64_MAX});
    v.field("batch_size", batch_size, "rows per optimizer step", IntRange{1, 1 << 24});
    v.field("micro_batch_size", micro_batch_size, "rows per forward/backward",
            IntRange{1, 1 << 24});
    v.field("packing", packing, "pack examples into max_length rows (attention kept per example)");
    v.field("completion_only_loss", completion_only_loss, "no loss on prompt tokens (sft)");
    v.field("optimizer", optimizer, "AdamW and schedule (TRL SFT defaults: lr 2e-5, linear)");
    v.field("logging_steps", logging_steps, "console line every N steps", IntRange{1, INT64_MAX});
    v.field("eval_steps", eval_steps, "held-out loss every N steps; 0 = end only",
            IntRange{0, INT64_MAX});
    checkpoint.visit(v);  // its keys sit in this section, as in HF TrainingArguments
    v.field("logprob_chunk_rows", logprob_chunk_rows, "positions per log-softmax chunk",
            IntRange{1, 1 << 30});
  }
};

}  // namespace r1forge
