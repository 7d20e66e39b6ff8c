// data/prompt_mix.h: the mix's proportions hold at every prefix, one source is exactly a
// PromptSampler, a restored mix continues as the uninterrupted one, and a checkpoint of other
// sources is refused.
#include <gtest/gtest.h>

#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/data/prompt_mix.h"

namespace r1forge {
namespace {

TEST(PromptMixTest, EveryPrefixIsWithinOneDrawOfTheProportions) {
  // Weights 3 : 1 : 4 over sets of 5, 2 and 7 rows (small sets: epochs roll over).
  PromptMixSampler mix({5, 2, 7}, {3.0, 1.0, 4.0}, {true, false, true}, {1, 2, 3});
  const double shares[] = {3.0 / 8.0, 1.0 / 8.0, 4.0 / 8.0};
  int64_t drawn[3] = {0, 0, 0};
  for (int64_t n = 1; n <= 400; ++n) {
    const int64_t row = mix.next(1).front();
    const int64_t source = mix.source_of(row);
    ++drawn[source];
    for (int s = 0; s < 3; ++s) {
      EXPECT_LT(std::abs(static_cast<double>(drawn[s]) - shares[s] * static_cast<double>(n)), 1.0)
          << "after " << n << " draws, source " << s;
    }
  }
  EXPECT_EQ(drawn[0], 150);
  EXPECT_EQ(drawn[1], 50);
  EXPECT_EQ(drawn[2], 200);
  // Rows of source 1 (offsets 5, 6) unshuffled: 5, 6, 5, 6, ...
  EXPECT_EQ(mix.source_of(4), 0);
  EXPECT_EQ(mix.source_of(5), 1);
  EXPECT_EQ(mix.source_of(7), 2);
  EXPECT_EQ(mix.source_of(13), 2);
}

TEST(PromptMixTest, OneSourceIsAPromptSamplerWithItsCheckpointFormat) {
  PromptMixSampler mix({9}, {1.0}, {true}, {42});
  PromptSampler plain(9, true, 42);
  EXPECT_EQ(mix.next(25), plain.next(25));
  const nlohmann::json progress = mix.progress();
  EXPECT_EQ(progress, (nlohmann::json{
                          {"size", 9}, {"epoch", plain.epoch()}, {"position", plain.position()}}));
}

TEST(PromptMixTest, RestoredMixContinuesAsTheUninterruptedOne) {
  PromptMixSampler straight({4, 6}, {1.0, 2.0}, {true, true}, {7, 8});
  PromptMixSampler first({4, 6}, {1.0, 2.0}, {true, true}, {7, 8});
  std::vector<int64_t> expected = straight.next(11);
  const std::vector<int64_t> more = straight.next(17);
  expected.insert(expected.end(), more.begin(), more.end());
  std::vector<int64_t> got = first.next(11);
  PromptMixSampler resumed({4, 6}, {1.0, 2.0}, {true, true}, {7, 8});
  resumed.restore(first.progress(), "checkpoint");
  const std::vector<int64_t> rest = resumed.next(17);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(got, expected);
}

TEST(PromptMixTest, RestoreRefusesOtherSourcesOrSizes) {
  PromptMixSampler two({4, 6}, {1.0, 1.0}, {true, true}, {1, 2});
  PromptMixSampler one({4}, {1.0}, {true}, {1});
  PromptMixSampler resized({4, 5}, {1.0, 1.0}, {true, true}, {1, 2});
  EXPECT_THROW(one.restore(two.progress(), "ckpt"), DataError);
  EXPECT_THROW(two.restore(one.progress(), "ckpt"), DataError);
  try {
    resized.restore(two.progress(), "ckpt");
    ADD_FAILURE() << "a changed source size was accepted";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("source 1"), std::string::npos) << error.what();
  }
}

TEST(PromptMixTest, ConcatenatedSetsKnowTheirSource) {
  PromptDataset a, b;
  a.rows.resize(2);
  b.rows.resize(3);
  b.truncated = 4;
  PromptDataset all = concatenate_prompt_sets({a, b});
  ASSERT_EQ(all.rows.size(), 5u);
  EXPECT_EQ(all.rows[1].source, 0);
  EXPECT_EQ(all.rows[2].source, 1);
  EXPECT_EQ(all.truncated, 4);
}

}  // namespace
}  // namespace r1forge
