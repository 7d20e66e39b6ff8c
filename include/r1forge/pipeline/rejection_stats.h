// Acceptance statistics of a rejection-sampling stage (stats.json): prompts, samples,
// accepted, the acceptance rate, rejections by reason (they and the accepted add up to the
// samples), prompts with nothing accepted, the non-reasoning rows mixed in, and acceptance by
// prompt difficulty — from a difficulty field every prompt row carries (num_terms, else
// difficulty), else from the policy's empirical pass rate on the prompt, bucketed.
// Not here: the decisions (rejection_select.h), writing the file (rejection_stage.h).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/data/prompt_dataset.h"

namespace r1forge {

// Metadata fields that grade a prompt's difficulty, in order of preference.
extern const char* const kDifficultyFields[2];  // num_terms, difficulty

// The first field of kDifficultyFields that every row of `data` holds as a number or a
// string; "" when none does (difficulty is then the pass rate).
std::string choose_difficulty_field(const PromptDataset& data);
// A bucket label for a metadata value: the number or the string as written.
std::string difficulty_label(const nlohmann::json& value);
// The pass-rate bucket of `correct` out of `samples`: "0", "(0,0.25]", "(0.25,0.5]",
// "(0.5,0.75]", "(0.75,1)", "1".
std::string pass_rate_bucket(int64_t correct, int64_t samples);

// One prompt's result.
struct PromptOutcome {
  std::vector<std::string> reasons;  // [N] per sample: "" = accepted, else the reason
  int64_t correct = 0;               // samples that passed the correctness rule
  int64_t unscored = 0;              // samples the correctness reward scored none
  std::string difficulty;            // the metadata bucket; "" = use the pass-rate bucket
};

class RejectionStats {
 public:
  // `difficulty_field` from choose_difficulty_field ("" = pass-rate buckets).
  explicit RejectionStats(std::string difficulty_field);
  void add(const PromptOutcome& outcome);
  void add_non_reasoning(int64_t rows) { non_reasoning_ += rows; }

  int64_t prompts() const { return prompts_; }
  int64_t samples() const { return samples_; }
  int64_t accepted() const { return accepted_; }
  int64_t non_reasoning() const { return non_reasoning_; }
  const std::map<std::string, int64_t>& rejected() const { return rejected_; }
  // The stats.json object (see docs/rejection_sampling.md for each key).
  nlohmann::ordered_json to_json() const;
  std::string summary() const;  // one log line

 private:
  struct Bucket {
    int64_t prompts = 0, samples = 0, correct = 0, accepted = 0;
  };
  std::string difficulty_field_;
  int64_t prompts_ = 0, samples_ = 0, accepted_ = 0, correct_ = 0, unscored_ = 0;
  int64_t zero_accepted_ = 0, non_reasoning_ = 0;
  std::map<std::string, int64_t> rejected_;  // every reason, zero included
  std::map<std::string, Bucket> buckets_;
};

}  // namespace r1forge
