// Preference pairs for a reward model (Bradley-Terry): JSONL or Parquet rows
// (data/dataset_reader.h) in TRL's preference layouts, tokenized into prompt + chosen and
// prompt + rejected exactly as the SFT path lays out prompt + completion (sft_dataset.h), so
// the reward model reads the text layout the policy's completions have when it scores them.
//   standard        {"prompt": str, "chosen": str, "rejected": str, "margin"?: number}
//   implicit prompt {"chosen": str, "rejected": str}: the prompt is their common start
//   conversational  {"prompt": [messages], "chosen": [assistant msg], "rejected": [...]}, or
//                   without "prompt": chosen/rejected whole conversations sharing the prompt turns
// Not here: the reward model and its loss, batching (the reward_model stage).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/chat_prompt.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

struct PreferenceDataConfig {
  std::string path;  // JSONL or Parquet file, folder of shards, or glob (dataset_reader.h)
  std::string prompt_field = "prompt";      // str or messages; absent = implicit prompt
  std::string chosen_field = "chosen";      // the preferred completion (str or messages)
  std::string rejected_field = "rejected";  // the other one
  std::string margin_field = "margin";      // optional number per row (0 when absent)
  // r1_zero | plain | a text containing {prompt}; as data/prompt_dataset.h (string prompts)
  std::string prompt_template = "r1_zero";
  PromptFormat format;  // text | chat (the model's chat template); chat_prompt.h
  // Keep only rows whose aspect_field is this string (the preferences task writes
  // helpfulness | harmlessness); empty = every row.
  std::string aspect;
  std::string aspect_field = "aspect";
  int64_t max_length = 1024;  // tokens of prompt + one completion (+ EOS)
  // Longer pairs: truncate (keep the start: the completion's end is cut) | skip | error
  std::string overflow = "truncate";
  bool add_eos = true;       // end each sequence with EOS, as sft data.add_eos
  int64_t max_examples = 0;  // use the first N pairs kept; 0 = all

  bool operator==(const PreferenceDataConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("path", path, "JSONL or Parquet file, folder or glob of preference rows");
    v.field("prompt_field", prompt_field,
            "field with the prompt (text or messages); absent in a "
            "row = implicit prompt (the common start of chosen and rejected)");
    v.field("chosen_field", chosen_field, "field with the preferred completion");
    v.field("rejected_field", rejected_field, "field with the rejected completion");
    v.field("margin_field", margin_field, "field with an optional number per row (0 if absent)");
    v.field("prompt_template", prompt_template, "r1_zero | plain | a text containing {prompt}");
    format.visit(v);  // prompt_format, system_prompt, enable_thinking sit in this section
    v.field("aspect", aspect, "keep only rows whose aspect_field equals this; empty = all rows");
    v.field("aspect_field", aspect_field, "field the aspect filter reads");
    v.field("max_length", max_length, "tokens of prompt + one completion", IntRange{2, 1 << 24});
    v.field("overflow", overflow,
            "longer pairs: truncate (keep the start, cut the completion's end) | skip | error",
            OneOf{"truncate", "skip", "error"});
    v.field("add_eos", add_eos, "append EOS to both sequences");
    v.field("max_examples", max_examples, "use the first N pairs; 0 = all", IntRange{0, INT64_MAX});
  }
};

// One pair: both sequences start with the same prompt_length prompt tokens.
struct PreferencePair {
  std::vector<int64_t> chosen_ids;    // prompt + chosen completion (+ EOS)
  std::vector<int64_t> rejected_ids;  // prompt + rejected completion (+ EOS)
  int64_t prompt_length = 0;
  double margin = 0.0;  // the row's margin_field, 0 when absent
  int64_t line = 0;     // 1-based line (JSONL) or row (Parquet) in its file
};

struct PreferenceDataset {
  std::vector<PreferencePair> pairs;
  int64_t truncated = 0;  // pairs with a side cut to max_length
  // Pairs dropped: over max_length under overflow: skip, a prompt that leaves no completion
  // token, or two sides made equal by truncation (no preference left to learn).
  int64_t skipped = 0;
  int64_t filtered = 0;  // rows of another aspect
};

// DataError naming file:line and the field for a row whose fields have the wrong shape (a
// missing chosen/rejected, a non-numeric margin, a conversation that is not one assistant turn
// after the prompt, chosen equal to rejected), a conversational row under prompt_format: text,
// an overlong pair under `error`, or a dataset left empty; IoError for an unreadable file;
// ConfigError when prompt_format is chat and `chat_template` is null.
PreferenceDataset load_preference_dataset(const PreferenceDataConfig& config,
                                          const Tokenizer& tokenizer,
                                          const ChatTemplate* chat_template = nullptr);

}  // namespace r1forge
