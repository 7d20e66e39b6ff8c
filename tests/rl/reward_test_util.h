// Helpers for the reward tests: building RewardSamples and scoring one completion with a
// registered reward. Not here: general test helpers (tests/test_util.h).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/rl/reward.h"

namespace r1forge::testing {

// Owns the text and metadata a RewardSample points into.
struct OwnedSample {
  std::string prompt;
  std::string completion;
  nlohmann::json metadata = nlohmann::json::object();
  int64_t completion_tokens = 0;
  int64_t max_completion_tokens = 0;
  std::string question;  // the raw question (RewardSample::question); empty = not known

  RewardSample view() const {
    RewardSample sample;
    sample.prompt = prompt;
    sample.question = question;
    sample.completion = completion;
    sample.metadata = &metadata;
    sample.completion_tokens = completion_tokens;
    sample.max_completion_tokens = max_completion_tokens;
    return sample;
  }
};

inline std::unique_ptr<RewardFunction> build_reward(
    const std::string& name, std::map<std::string, std::string> options = {}) {
  RewardSpec spec;
  spec.name = name;
  spec.options = std::move(options);
  return make_reward(spec, "test");
}

inline std::vector<RewardScore> score_all(RewardFunction& reward,
                                          const std::vector<OwnedSample>& samples) {
  std::vector<RewardSample> batch;
  for (const OwnedSample& sample : samples) batch.push_back(sample.view());
  return reward.score(batch);
}

inline RewardScore score_one(RewardFunction& reward, const OwnedSample& sample) {
  std::vector<RewardScore> scores = score_all(reward, {sample});
  EXPECT_EQ(scores.size(), 1u);
  return scores.at(0);
}

}  // namespace r1forge::testing
