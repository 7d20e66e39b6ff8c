// RunningRewardNormalizer: running mean/std over rounds equal to the two-pass figures over every
// score seen (written out below), none passes through uncounted, disabled columns are
// untouched, and state()/restore() continue exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/rl/reward_normalizer.h"

namespace r1forge {
namespace {

using Scores = std::vector<std::vector<RewardScore>>;

// Two-pass population mean and std of `values`: the oracle the pairwise update must match.
std::pair<double, double> mean_and_std(const std::vector<double>& values) {
  double mean = 0.0;
  for (double v : values) mean += v;
  mean /= static_cast<double>(values.size());
  double square = 0.0;
  for (double v : values) square += (v - mean) * (v - mean);
  return {mean, std::sqrt(square / static_cast<double>(values.size()))};
}

TEST(RunningRewardNormalizer, MatchesTwoPassStatisticsOverEveryRound) {
  RunningRewardNormalizer normalizer({false, true});
  Scores first = {{1.0, 2.0, 3.0}, {4.0, std::nullopt, 6.0}};
  normalizer.update_and_apply(first);
  // Column 0 is not normalised; column 1's first round is normalised by itself: mean 5, std 1.
  EXPECT_EQ(first[0], (std::vector<RewardScore>{1.0, 2.0, 3.0}));
  EXPECT_FALSE(first[1][1].has_value());  // none stays none and is not counted
  EXPECT_NEAR(*first[1][0], -1.0, 1e-7);
  EXPECT_NEAR(*first[1][2], 1.0, 1e-7);

  Scores second = {{0.0, 0.0, 0.0}, {10.0, -2.0, 7.5}};
  normalizer.update_and_apply(second);
  const auto [mean, std] = mean_and_std({4.0, 6.0, 10.0, -2.0, 7.5});
  EXPECT_NEAR(normalizer.mean(1), mean, 1e-12);
  EXPECT_NEAR(normalizer.std(1), std, 1e-12);
  EXPECT_NEAR(*second[1][0], (10.0 - mean) / (std + 1e-8), 1e-12);
  EXPECT_NEAR(*second[1][1], (-2.0 - mean) / (std + 1e-8), 1e-12);
  EXPECT_EQ(second[0], (std::vector<RewardScore>{0.0, 0.0, 0.0}));

  // apply() uses the statistics without moving them (held-out evaluation).
  Scores held_out = {{1.0}, {mean}};
  normalizer.apply(held_out);
  EXPECT_NEAR(*held_out[1][0], 0.0, 1e-12);
  EXPECT_NEAR(normalizer.mean(1), mean, 1e-12);
}

TEST(RunningRewardNormalizer, ConstantRewardMapsToZeroAndEmptyRoundsChangeNothing) {
  RunningRewardNormalizer normalizer({true});
  Scores none = {{std::nullopt, std::nullopt}};
  normalizer.update_and_apply(none);  // nothing scored yet: passes unchanged
  EXPECT_FALSE(none[0][0].has_value());
  Scores constant = {{3.0, 3.0, 3.0}};
  normalizer.update_and_apply(constant);
  for (const RewardScore& score : constant[0]) EXPECT_EQ(*score, 0.0);
  EXPECT_EQ(normalizer.std(0), 0.0);
}

TEST(RunningRewardNormalizer, StateRestoresExactlyAndChecksTheColumnCount) {
  RunningRewardNormalizer uninterrupted({true, true});
  Scores round1 = {{0.5, 1.5, 2.0}, {-1.0, 1.0, 0.25}};
  Scores round2 = {{3.0, -0.5, 1.0}, {2.0, 2.0, std::nullopt}};
  Scores copy1 = round1;
  uninterrupted.update_and_apply(copy1);
  const nlohmann::json saved = nlohmann::json::parse(uninterrupted.state().dump());
  Scores expected = round2;
  uninterrupted.update_and_apply(expected);

  RunningRewardNormalizer resumed({true, true});
  resumed.restore(saved, "checkpoint");
  Scores got = round2;
  resumed.update_and_apply(got);
  EXPECT_EQ(got, expected);  // bit for bit: the state is exact doubles in JSON

  RunningRewardNormalizer other({true});
  EXPECT_THROW(other.restore(saved, "checkpoint"), DataError);
  EXPECT_THROW(other.restore(nlohmann::json::object(), "checkpoint"), DataError);
}

}  // namespace
}  // namespace r1forge
