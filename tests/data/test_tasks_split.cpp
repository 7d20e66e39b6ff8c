// The pieces every synthetic task shares (data/tasks/task_split.h): the SplitMix64 stream
// against the reference generator's published outputs, unbiased bounded integers, the split
// hash's fraction and determinism, and the collector's distinctness, capacity and give-up rule.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/data/tasks/task_split.h"

namespace r1forge::tasks {
namespace {

TEST(TaskRng, MatchesTheSplitMix64Reference) {
  // Vigna's splitmix64.c seeded with 0 prints these three outputs first.
  TaskRng rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.next(), 0x06c45d188009454fULL);
}

TEST(TaskRng, UniformStaysInRangeAndIsFlat) {
  TaskRng rng(11);
  std::map<int64_t, int64_t> counts;
  const int64_t draws = 60000;
  for (int64_t i = 0; i < draws; ++i) ++counts[rng.uniform(-2, 3)];
  ASSERT_EQ(counts.size(), 6u);
  EXPECT_EQ(counts.begin()->first, -2);
  EXPECT_EQ(counts.rbegin()->first, 3);
  // Each value expects 10000 with sd sqrt(60000 * 1/6 * 5/6) = 91.3; 5 sd is 456.
  for (const auto& [value, count] : counts) EXPECT_NEAR(count, 10000, 456) << value;
  EXPECT_EQ(rng.uniform(7, 7), 7);
  const int64_t any = rng.uniform(INT64_MIN, INT64_MAX);  // span 2^64 wraps to 0: whole range
  (void)any;
  for (int i = 0; i < 1000; ++i) {
    const double u = rng.unit();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
  }
}

TEST(TaskRng, SameSeedSameStreamOtherSeedOther) {
  TaskRng a(5), b(5), c(6);
  std::vector<int> items = {1, 2, 3, 4, 5, 6, 7, 8}, same = items, other = items;
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.uniform(0, 1000), b.uniform(0, 1000));
  a.shuffle(items);
  b.shuffle(same);
  c.shuffle(other);
  EXPECT_EQ(items, same);
  EXPECT_NE(items, other);  // 1 in 40320 to be equal by chance; pinned by the seeds
  std::vector<int> sorted = items;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));  // a permutation
}

TEST(TaskSplitHash, FractionIsHonouredAndDeterministic) {
  int64_t in_test = 0;
  const int64_t problems = 100000;
  for (int64_t i = 0; i < problems; ++i) {
    const std::string canonical = "p" + std::to_string(i);
    const bool test = in_test_split(3, "arithmetic", canonical, 0.2);
    EXPECT_EQ(test, in_test_split(3, "arithmetic", canonical, 0.2));
    in_test += test;
  }
  // Binomial(100000, 0.2): mean 20000, sd 126.5; 5 sd is 632.
  EXPECT_NEAR(in_test, 20000, 632);
  EXPECT_FALSE(in_test_split(3, "arithmetic", "1+2+3", 0.0));
  EXPECT_TRUE(in_test_split(3, "arithmetic", "1+2+3", 1.0));
  // A problem's side moves with the seed and the task name (about half the time at 0.5).
  int64_t moved_by_seed = 0, moved_by_task = 0;
  for (int64_t i = 0; i < 1000; ++i) {
    const std::string canonical = "q" + std::to_string(i);
    const bool base = in_test_split(3, "arithmetic", canonical, 0.5);
    moved_by_seed += base != in_test_split(4, "arithmetic", canonical, 0.5);
    moved_by_task += base != in_test_split(3, "countdown", canonical, 0.5);
  }
  EXPECT_NEAR(moved_by_seed, 500, 80);  // sd 15.8
  EXPECT_NEAR(moved_by_task, 500, 80);
}

TEST(SplitCollector, TakesEachProblemOnceIntoItsHashedSide) {
  SplitCollector collector("t", 9, 0.5, 3, 3);
  std::set<std::string> seen;
  int64_t i = 0;
  while (!collector.full()) {
    const std::string canonical = "x" + std::to_string(i++);
    const std::optional<Split> split = collector.offer(canonical, "test space");
    if (split) {
      EXPECT_EQ(*split == Split::TEST, in_test_split(9, "t", canonical, 0.5)) << canonical;
      EXPECT_TRUE(seen.insert(canonical).second);
      EXPECT_FALSE(collector.offer(canonical, "test space").has_value()) << "a repeat";
    }
  }
  EXPECT_EQ(collector.size(Split::TRAIN), 3);
  EXPECT_EQ(collector.size(Split::TEST), 3);
  EXPECT_EQ(row_id("arithmetic", Split::TEST, 12), "arithmetic-test-12");
}

TEST(SplitCollector, GivesUpWithAMessageWhenTheSpaceIsTooSmall) {
  SplitCollector collector("tiny", 1, 0.5, 100, 100);
  try {
    for (int64_t i = 0;; ++i) collector.offer("p" + std::to_string(i % 10), "ten problems");
    FAIL() << "never gave up";
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    int64_t train = 0;  // of the ten problems, those the hash puts on the train side
    for (int64_t i = 0; i < 10; ++i)
      train += !in_test_split(1, "tiny", "p" + std::to_string(i), 0.5);
    const std::string counts = "task tiny: found only " + std::to_string(train) +
                               " of 100 train and " + std::to_string(10 - train) +
                               " of 100 test problems after 200000 draws";
    EXPECT_NE(message.find(counts), std::string::npos) << message;
    EXPECT_NE(message.find("(ten problems, test_fraction 0.5) is too small"), std::string::npos)
        << message;
  }
  EXPECT_THROW(SplitCollector("t", 1, 0.0, 1, 1), ConfigError);  // no test problems exist
  EXPECT_THROW(SplitCollector("t", 1, 1.0, 1, 0), ConfigError);  // no train problems exist
  EXPECT_NO_THROW(SplitCollector("t", 1, 0.0, 1, 0));
}

}  // namespace
}  // namespace r1forge::tasks
