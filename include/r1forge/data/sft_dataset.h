// Supervised fine-tuning data: JSONL or Parquet rows of prompt + completion (the prompt rendered
// through the same templates as RL prompts, so SFT and GRPO see identical prompts) or of plain text
// (pretraining), tokenized once with a per-token loss mask, and batched either one example
// per row (right-padded) or packed first-fit-decreasing into rows of max_length tokens.
// Packed rows carry segment ids and positions restarting at 0 per example; the model turns
// the ids into a block-diagonal causal mask (model/transformer.h), so packed examples never
// attend to each other and a packed batch has exactly the unpacked batch's loss.
// Not here: the loss and the training loop (pipeline/sft_trainer.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/chat_prompt.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

struct SftDataConfig {
  std::string path;  // JSONL or Parquet file, folder of shards, or glob (dataset_reader.h)
  std::string prompt_field = "prompt";          // raw question (prompt/completion rows)
  std::string completion_field = "completion";  // the target text after the prompt
  std::string text_field = "text";              // plain text (pretraining rows)
  // r1_zero | plain | a text containing {prompt}; as data/prompt_dataset.h
  std::string prompt_template = "r1_zero";
  PromptFormat format;                // text | chat (the model's chat template); chat_prompt.h
  std::string messages_field;         // chat: a whole conversation (OpenR1-Math's "messages")
  int64_t max_length = 1024;          // tokens per example (TRL max_length)
  std::string overflow = "truncate";  // longer examples: truncate (keep the start) | skip | error
  bool add_eos = true;                // end each example with EOS so the model learns to stop
  int64_t max_examples = 0;           // use the first N rows; 0 = all

  bool operator==(const SftDataConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("path", path,
            "JSONL or Parquet file, folder or glob (prompt/completion rows, or text rows)");
    v.field("prompt_field", prompt_field, "field with the raw prompt");
    v.field("completion_field", completion_field, "field with the target completion");
    v.field("text_field", text_field, "field with plain text (pretrain)");
    v.field("prompt_template", prompt_template, "r1_zero | plain | a text containing {prompt}");
    format.visit(v);  // prompt_format, system_prompt, enable_thinking sit in this section
    v.field("messages_field", messages_field,
            "chat: field with a conversation; its last assistant turn is the completion, the "
            "turns before it the prompt; empty = prompt_field + completion_field");
    v.field("max_length", max_length, "tokens per example (TRL max_length)", IntRange{2, 1 << 24});
    v.field("overflow", overflow, "longer examples: truncate (keep the start) | skip | error",
            OneOf{"truncate", "skip", "error"});
    v.field("add_eos", add_eos, "append EOS to every example");
    v.field("max_examples", max_examples, "use the first N rows; 0 = all", IntRange{0, INT64_MAX});
  }
};

// One tokenized example: ids[t] for t < prompt_length are prompt tokens (no loss when
// training completion-only); the rest are predicted.
struct SftExample {
  std::vector<int64_t> ids;
  int64_t prompt_length = 0;  // 0 for text rows: every token after the first is predicted
  int64_t line = 0;           // 1-based line (JSONL) or row (Parquet) in its file
};

struct SftDataset {
  std::vector<SftExample> examples;
  int64_t truncated = 0;  // examples cut to max_length
  int64_t skipped = 0;    // examples dropped by overflow: skip
  int64_t tokens() const;
};

// `text_rows`: read text_field (pretraining) instead of prompt + completion. Under
// prompt_format: chat the prompt is rendered by `chat_template` (ConfigError when null) with
// the generation prompt and encoded without special tokens; see chat_prompt_completion. DataError
// naming file:line for a line without the string field(s), an overlong example under `error`, an
// empty completion, or a dataset left empty; IoError for an unreadable file.
SftDataset load_sft_dataset(const SftDataConfig& config,
                            const Tokenizer& tokenizer,
                            bool text_rows,
                            const ChatTemplate* chat_template = nullptr);

// Splits off the last `fraction` of the examples (at least one when fraction > 0) as a
// held-out set; the rest stays in `dataset`. A deterministic split, so resumed runs agree.
SftDataset split_held_out(SftDataset& dataset, double fraction);

// A packing plan: bins[b] lists example indices placed in row b (first-fit-decreasing by
// length, each bin holding at most `capacity` tokens). Deterministic: ties keep file order.
std::vector<std::vector<int64_t>> pack_first_fit_decreasing(const std::vector<SftExample>& examples,
                                                            int64_t capacity);

// A training batch. targets[n, t] is the token predicted at position t (= input t + 1);
// loss_mask marks targets that count. Shapes: N rows, T positions.
struct SftBatch {
  at::Tensor input_ids;       // [N, T] int64, right-padded with pad_id
  at::Tensor targets;         // [N, T] int64 (pad_id where nothing is predicted)
  at::Tensor loss_mask;       // [N, T] bool
  at::Tensor positions;       // [N, T] int64, restarting at 0 in every packed example
  at::Tensor segment_ids;     // [N, T] int64 (1.. per example, 0 for padding); undefined unpacked
  int64_t target_tokens = 0;  // loss_mask.sum()
  int64_t rows() const { return input_ids.size(0); }
};

// rows[n] lists the examples of row n (one each unpacked; a bin when packed).
// `completion_only`: prompt tokens are not targets (TRL completion_only_loss).
SftBatch make_sft_batch(const std::vector<SftExample>& examples,
                        const std::vector<std::vector<int64_t>>& rows,
                        int64_t pad_id,
                        bool completion_only,
                        bool packed);

}  // namespace r1forge
