// Running mean/std normalisation of chosen rewards in a GRPO stage (OpenRLHF's
// --normalize_reward for reward-model scores): each chosen reward's scores are replaced by
// (score - mean) / (std + 1e-8), with mean and std over every score it has given so far in the
// stage, this round's included (Chan et al.'s pairwise update of count, mean and M2, in double).
// The stage applies it to the whole batch after the ranks' scores are gathered, so every rank
// and every world size sees the same statistics; its state rides in the checkpoint, so a
// resumed run normalises exactly as an uninterrupted one. Not here: fixed affine scaling (the
// reward's own scale/shift), advantages (advantage.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/rl/reward.h"

namespace r1forge {

class RunningRewardNormalizer {
 public:
  // enabled[f]: reward f (a RewardSet column) is normalised; the others pass unchanged.
  explicit RunningRewardNormalizer(std::vector<bool> enabled);

  bool any() const;
  // Adds this round's scores of the enabled rewards to their statistics, then normalises
  // them. scores: [F][N], nullopt (none) neither counted nor changed.
  void update_and_apply(std::vector<std::vector<RewardScore>>& scores);
  // Normalises with the statistics as they are (held-out evaluation: no update). A reward with
  // no scores seen yet passes unchanged.
  void apply(std::vector<std::vector<RewardScore>>& scores) const;

  // {"count": [F], "mean": [F], "m2": [F]}; restore() checks the column count (DataError
  // naming `where`).
  nlohmann::json state() const;
  void restore(const nlohmann::json& state, const std::string& where);

  double mean(size_t reward) const { return mean_[reward]; }
  double std(size_t reward) const;  // population standard deviation; 0 before two scores

 private:
  std::vector<bool> enabled_;
  std::vector<int64_t> count_;
  std::vector<double> mean_;
  std::vector<double> m2_;  // sum of squared deviations from the mean
};

}  // namespace r1forge
