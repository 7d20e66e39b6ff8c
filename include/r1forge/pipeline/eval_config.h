// The `eval:` section: held-out problems, how many samples per problem and how they are drawn
// (R1's evaluation setting: k samples at temperature 0.6, top-p 0.95, pass@1 averaged over
// them), the rewards that score them, and which reward decides correctness and format.
// Any stage may carry one (evaluated on the stage's final model); a stage of type eval only
// evaluates its init model.
// Not here: running it (eval_stage.h), the figures (eval_metrics.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/rl/reward.h"
#include "r1forge/sampling/generation_config.h"

namespace r1forge {

struct EvalConfig {
  PromptDataConfig data;    // the held-out problems (rows carry the gold answer)
  int64_t num_samples = 8;  // k samples per problem (R1: pass@1 over k = 4..64)
  // How samples are drawn, keys spliced flat into this section: R1's evaluation setting
  // (temperature 0.6, top-p 0.95); max_completion_length 256 (R1: 32768); no stop strings.
  GenerationSettings generation{.max_completion_length = 256, .temperature = 0.6, .top_p = 0.95};
  // Every sample is scored by all of these; each reward's mean goes into eval.json.
  std::vector<RewardSpec> rewards;          // empty = [accuracy, format] (R1's rule rewards)
  std::string correct_reward = "accuracy";  // label of the reward whose score >= 1 is correct
  std::string format_reward = "format";     // label of the format reward; empty = no format rate
  // How cons@k compares answers: math (equivalence) | exact (trimmed text) | auto = math when
  // the correctness reward is accuracy, else exact (countdown equations, words).
  std::string vote_match = "auto";
  int64_t max_problems = 0;  // evaluate the first N problems; 0 = all

  bool operator==(const EvalConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("data", data, "held-out problems (JSONL or Parquet; rows carry the gold answer)");
    v.field("num_samples", num_samples, "k samples per problem (pass@1 is averaged over them)",
            IntRange{1, 1 << 16});
    generation.visit(v);  // max_completion_length, temperature, top_p, ..., stop
    v.field("rewards", rewards,
            "rewards scoring every sample {name, weight, options, label}; empty = accuracy, "
            "format");
    v.field("correct_reward", correct_reward,
            "label of the reward whose score >= 1 means correct (accuracy, countdown, ...)");
    v.field("format_reward", format_reward,
            "label of the reward whose score 1 means well formatted; empty = no format rate");
    v.field("vote_match", vote_match,
            "cons@k answer comparison: math | exact | auto (math for accuracy, else exact)",
            OneOf{"auto", "math", "exact"});
    v.field("max_problems", max_problems, "evaluate the first N problems; 0 = all",
            IntRange{0, INT64_MAX});
  }

  // `rewards`, or [accuracy, format] when it is empty.
  std::vector<RewardSpec> reward_specs() const;
  // ConfigError naming `where` (e.g. "x.yaml: stages.2.eval"): empty data.path,
  // correct_reward or format_reward naming no label of reward_specs().
  void validate(const std::string& where) const;
};

}  // namespace r1forge
