// Prompt datasets for RL stages: JSONL or Parquet rows (data/dataset_reader.h) with a prompt field
// (configurable, so GSM8K `question`, MATH `problem` and open-r1 `problem` load as they are),
// rendered through a prompt template (the R1-Zero template of the paper, the prompt as is, or a
// custom text with
// `{prompt}`), tokenized once, with the max-prompt-length policy applied. Every row's full JSON
// object travels with it as the metadata rewards read (reference answers, numbers, language).
// Also the seeded epoch-wise sampler that hands out prompt indices.
// Not here: chat templates (tokenizer/chat_template.h, [order 6]), SFT data (sft_dataset.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/chat_prompt.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

// The DeepSeek-R1-Zero template (R1 paper, Table 1) with `{prompt}` where the question goes.
extern const char* const kR1ZeroTemplate;

struct PromptDataConfig {
  std::string path;  // JSONL or Parquet file, folder of shards, or glob (dataset_reader.h)
  std::string prompt_field = "prompt";  // the field holding the question text
  // r1_zero (R1 paper Table 1) | plain (the prompt as is) | any text containing {prompt}
  std::string prompt_template = "r1_zero";
  PromptFormat format;                    // text | chat (the model's chat template); chat_prompt.h
  int64_t max_prompt_length = 512;        // tokens (TRL name); see prompt_overflow
  std::string prompt_overflow = "error";  // truncate_left | skip | error, for longer prompts
  int64_t max_prompts = 0;                // use the first N rows; 0 = all
  bool shuffle = true;                    // reshuffle every epoch (seeded from run.seed)

  bool operator==(const PromptDataConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("path", path, "prompts: a JSONL or Parquet file, a folder of shards or a glob");
    v.field("prompt_field", prompt_field, "field with the question (question, problem, ...)");
    v.field("prompt_template", prompt_template, "r1_zero | plain | a text containing {prompt}");
    format.visit(v);  // prompt_format, system_prompt, enable_thinking sit in this section
    v.field("max_prompt_length", max_prompt_length, "prompt tokens allowed (TRL name)",
            IntRange{1, 1 << 24});
    v.field("prompt_overflow", prompt_overflow,
            "longer prompts: truncate_left (keep the end) | skip | error",
            OneOf{"truncate_left", "skip", "error"});
    v.field("max_prompts", max_prompts, "use the first N rows; 0 = all", IntRange{0, INT64_MAX});
    v.field("shuffle", shuffle, "reshuffle the prompts every epoch");
  }
};

struct PromptRow {
  std::string text;  // the templated prompt the model sees
  // The question as the row wrote it (the prompt field, before the template and any
  // truncation): what rewards and filters that judge the question itself (its language) read.
  std::string question;
  std::vector<int64_t> ids;  // its tokens (with the tokenizer's BOS), after truncation
  nlohmann::json metadata;   // the row as read (a JSONL object or a Parquet row)
  int64_t line = 0;          // 1-based line (JSONL) or row (Parquet) in its file
  int64_t source = 0;        // which prompt set of a mixed stage it came from (prompt_mix.h)
};

struct PromptDataset {
  std::vector<PromptRow> rows;
  int64_t skipped_too_long = 0;  // rows dropped by prompt_overflow: skip
  int64_t truncated = 0;         // rows cut by prompt_overflow: truncate_left
};

// Renders one prompt through the template (ConfigError for a custom template without {prompt}).
std::string apply_prompt_template(const std::string& prompt_template, const std::string& prompt);

// Loads and tokenizes `config.path`. Under prompt_format: chat the templated prompt is the user
// turn of `chat_template` (the model folder's; ConfigError when null) with the generation
// prompt, encoded without special tokens (the template writes its own BOS); a prompt field
// that holds a message list is rendered as it is. DataError naming file:line for a line that
// is not an object or lacks a string prompt field, and for an overlong prompt under `error`;
// IoError for an unreadable file; DataError for a dataset left empty.
PromptDataset load_prompt_dataset(const PromptDataConfig& config,
                                  const Tokenizer& tokenizer,
                                  const ChatTemplate* chat_template = nullptr);

// Hands out row indices epoch by epoch: each epoch is a permutation of [0, size) (seeded by
// (seed, epoch) when shuffling, identity otherwise), consumed in order across calls.
class PromptSampler {
 public:
  PromptSampler(int64_t size, bool shuffle, uint64_t seed);
  std::vector<int64_t> next(int64_t count);
  int64_t epoch() const { return epoch_; }
  int64_t position() const { return position_; }  // indices handed out in this epoch
  int64_t size() const { return size_; }
  // Continues exactly where a sampler at (epoch, position) was: the epoch's order is rebuilt
  // from (seed, epoch). A position equal to size() is an exhausted epoch; the next call moves
  // on to the following one, never skipping it. DataError when position is out of range.
  void restore(int64_t epoch, int64_t position);

 private:
  void start_epoch();
  int64_t size_;
  bool shuffle_;
  uint64_t seed_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  std::vector<int64_t> order_;
};

}  // namespace r1forge
