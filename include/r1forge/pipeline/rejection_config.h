// The `rejection_sampling:` section of a stage (DeepSeek-R1 §2.3.3, the curation step between
// reasoning RL and the second SFT): which prompts to sample, how (N per prompt, and the
// generation settings: temperature, top-p, length, stop strings), the rewards that judge
// correctness, the acceptance rule, the readability filters, dedupe, the per-prompt cap k, and the
// non-reasoning SFT data mixed in. Not here: the loop (rejection_stage.h), the filters themselves
// (readability_filters.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/pipeline/readability_filters.h"
#include "r1forge/rl/reward.h"
#include "r1forge/sampling/generation_config.h"

namespace r1forge {

// Which samples count as correct (before the readability filters).
struct RejectionAcceptConfig {
  std::string correct_reward = "accuracy";  // label of the reward that judges correctness
  double min_score = 1.0;                   // accept when that score >= this (none = reject)
  std::string require_format;     // label of a format reward that must also pass; "" = none
  double format_min_score = 1.0;  // that reward's passing score

  bool operator==(const RejectionAcceptConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("correct_reward", correct_reward, "label of the reward that judges correctness");
    v.field("min_score", min_score, "correct when its score >= this; none = incorrect",
            RealRange{-1e6, 1e6});
    v.field("require_format", require_format,
            "label of a reward that must also pass (e.g. format); empty = none");
    v.field("format_min_score", format_min_score, "that reward's passing score",
            RealRange{-1e6, 1e6});
  }
};

// Non-reasoning SFT rows (writing, QA, translation: R1's ~200k) mixed into the output.
struct NonReasoningMixConfig {
  std::string
      path;  // SFT rows (JSONL or Parquet) with string "prompt" and "completion"; empty = none
  // Non-reasoning rows per accepted reasoning row: R1 used ~200k to ~600k, i.e. 1/3. The count
  // is round(ratio x accepted); rows are drawn without replacement, reshuffled when used up.
  double ratio = 1.0 / 3.0;

  bool operator==(const NonReasoningMixConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("path", path,
            "non-reasoning SFT rows, JSONL or Parquet (prompt, completion); empty = none");
    v.field("ratio", ratio, "non-reasoning rows per accepted reasoning row (R1: ~1/3)",
            RealRange{0.0, 1e6});
  }
};

struct RejectionSamplingConfig {
  PromptDataConfig data;           // the prompts, each sampled once over the whole file (no epochs)
  int64_t num_samples = 4;         // N completions per prompt
  int64_t prompts_per_batch = 16;  // prompts handed to the engine at once
  // How samples are drawn, keys spliced flat into this section. R1 gives no sampling setting
  // for this step; temperature 0.6 / top-p 0.95 is DeepSeek's recommended setting for R1
  // generation, which open-r1 used to build its distilled sets: diverse enough for N distinct
  // tries, cool enough that most tries stay coherent. Longer than max_completion_length (1024)
  // is truncated (see filters).
  GenerationSettings generation{.max_completion_length = 1024, .temperature = 0.6, .top_p = 0.95};
  std::vector<RewardSpec> rewards;  // scored per sample and written to provenance
  RejectionAcceptConfig accept;
  ReadabilityFilterConfig filters;
  // k: accepted completions kept per prompt (the first k by sample index). 1 keeps every
  // solved prompt at equal weight, so easy prompts (all N correct) do not crowd out hard ones;
  // raise it when prompts are few and diverse solutions matter more.
  int64_t max_per_prompt = 1;
  bool dedupe = true;  // drop a completion equal (up to case/whitespace) to one kept before
  NonReasoningMixConfig non_reasoning;
  bool keep_metadata = true;  // copy the prompt row's other fields into each output row

  bool operator==(const RejectionSamplingConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("data", data, "prompts to sample (each once; shuffle is ignored)");
    v.field("num_samples", num_samples, "N completions per prompt", IntRange{1, 1 << 16});
    v.field("prompts_per_batch", prompts_per_batch, "prompts per engine call",
            IntRange{1, 1 << 20});
    generation.visit(v);  // max_completion_length, temperature, top_p, ..., stop
    v.field("rewards", rewards, "reward functions {name, weight, options}; provenance has each");
    v.field("accept", accept, "the correctness rule");
    v.field("filters", filters, "readability filters (R1: language mixing, long, code)");
    v.field("max_per_prompt", max_per_prompt, "k: accepted completions kept per prompt",
            IntRange{1, 1 << 16});
    v.field("dedupe", dedupe, "drop completions equal up to case/whitespace for one prompt");
    v.field("non_reasoning", non_reasoning, "non-reasoning SFT rows mixed in");
    v.field("keep_metadata", keep_metadata, "copy the prompt row's other fields into each row");
  }

  // Cross-field checks (accept labels name rewards of the list); ConfigError naming `where`.
  void validate(const std::string& where) const;
};

}  // namespace r1forge
