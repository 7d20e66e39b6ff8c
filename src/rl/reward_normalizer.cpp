// Running reward normalisation; see include/r1forge/rl/reward_normalizer.h.
#include "r1forge/rl/reward_normalizer.h"

#include <cmath>

#include "r1forge/core/check.h"

namespace r1forge {

namespace {
constexpr double kEpsilon = 1e-8;  // OpenRLHF's: keeps a constant reward finite (it maps to 0)
}

RunningRewardNormalizer::RunningRewardNormalizer(std::vector<bool> enabled)
    : enabled_(std::move(enabled)),
      count_(enabled_.size(), 0),
      mean_(enabled_.size(), 0.0),
      m2_(enabled_.size(), 0.0) {}

bool RunningRewardNormalizer::any() const {
  for (bool on : enabled_) {
    if (on) return true;
  }
  return false;
}

double RunningRewardNormalizer::std(size_t reward) const {
  return count_[reward] > 1 ? std::sqrt(m2_[reward] / static_cast<double>(count_[reward])) : 0.0;
}

void RunningRewardNormalizer::update_and_apply(std::vector<std::vector<RewardScore>>& scores) {
  R1F_CHECK(scores.size() == enabled_.size(), "reward normaliser has ", enabled_.size(),
            " columns, got ", scores.size());
  for (size_t f = 0; f < scores.size(); ++f) {
    if (!enabled_[f]) continue;
    // This round's count, mean and M2, then merged into the running ones (Chan et al.), which
    // is exact whatever the rounds' sizes.
    int64_t n = 0;
    double batch_mean = 0.0;
    for (const RewardScore& score : scores[f]) {
      if (!score) continue;
      ++n;
      batch_mean += (*score - batch_mean) / static_cast<double>(n);
    }
    if (n == 0) continue;
    double batch_m2 = 0.0;
    for (const RewardScore& score : scores[f]) {
      if (score) batch_m2 += (*score - batch_mean) * (*score - batch_mean);
    }
    const int64_t total = count_[f] + n;
    const double delta = batch_mean - mean_[f];
    mean_[f] += delta * static_cast<double>(n) / static_cast<double>(total);
    m2_[f] += batch_m2 + delta * delta * static_cast<double>(count_[f]) * static_cast<double>(n) /
                             static_cast<double>(total);
    count_[f] = total;
  }
  apply(scores);
}

void RunningRewardNormalizer::apply(std::vector<std::vector<RewardScore>>& scores) const {
  R1F_CHECK(scores.size() == enabled_.size(), "reward normaliser has ", enabled_.size(),
            " columns, got ", scores.size());
  for (size_t f = 0; f < scores.size(); ++f) {
    if (!enabled_[f] || count_[f] == 0) continue;
    const double scale = 1.0 / (std(f) + kEpsilon);
    for (RewardScore& score : scores[f]) {
      if (score) *score = (*score - mean_[f]) * scale;
    }
  }
}

nlohmann::json RunningRewardNormalizer::state() const {
  return {{"count", count_}, {"mean", mean_}, {"m2", m2_}};
}

void RunningRewardNormalizer::restore(const nlohmann::json& state, const std::string& where) {
  try {
    auto count = state.at("count").get<std::vector<int64_t>>();
    auto mean = state.at("mean").get<std::vector<double>>();
    auto m2 = state.at("m2").get<std::vector<double>>();
    R1F_CHECK_DATA(count.size() == enabled_.size() && mean.size() == enabled_.size() &&
                       m2.size() == enabled_.size(),
                   where, ": the reward normaliser holds ", count.size(),
                   " rewards but the stage has ", enabled_.size());
    count_ = std::move(count);
    mean_ = std::move(mean);
    m2_ = std::move(m2);
  } catch (const nlohmann::json::exception& error) {
    R1F_THROW(DataError, where, ": reward normaliser state: ", error.what());
  }
}

}  // namespace r1forge
