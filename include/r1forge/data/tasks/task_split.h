// What every synthetic task generator shares: a portable seeded random stream, the hash rule
// that puts each canonical problem in train or test, and the collector that fills both splits
// with distinct problems.
//
// The split of a problem is a pure function of (seed, task, canonical form, test_fraction), so
// train and test never share a problem whatever the sizes asked for, and a corpus built from
// the train side with the same seed never contains a test problem.
// Not here: the tasks themselves (arithmetic.h, countdown.h, instructions.h, corpus.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace r1forge::tasks {

// SplitMix64 stream with its own integer mapping, so the same seed gives the same numbers on
// every platform and standard library (std::uniform_int_distribution is implementation-defined).
class TaskRng {
 public:
  explicit TaskRng(uint64_t seed) : state_(seed) {}
  uint64_t next();
  int64_t uniform(int64_t low, int64_t high);  // inclusive; unbiased (rejection)
  double unit();                               // [0, 1) with 53 random bits
  bool chance(double probability) { return unit() < probability; }
  template <class T>
  const T& pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(uniform(0, static_cast<int64_t>(items.size()) - 1))];
  }
  template <class T>
  void shuffle(std::vector<T>& items) {  // Fisher-Yates
    for (int64_t i = static_cast<int64_t>(items.size()) - 1; i > 0; --i)
      std::swap(items[static_cast<size_t>(i)], items[static_cast<size_t>(uniform(0, i))]);
  }

 private:
  uint64_t state_;
};

enum class Split { TRAIN, TEST };
const char* split_name(Split split);  // "train" | "test"

// True when `canonical` belongs to the test side: a seeded 64-bit hash of the task name and the
// canonical text, read as a number in [0, 1), is below test_fraction.
bool in_test_split(uint64_t seed,
                   std::string_view task,
                   std::string_view canonical,
                   double test_fraction);

// The rows of one generated data set, by split.
struct TaskSplits {
  std::vector<nlohmann::json> train;
  std::vector<nlohmann::json> test;
};

// Accepts offered problems into the split their hash names until both hold their count, never
// taking one canonical form twice. `task` names the generator in messages.
class SplitCollector {
 public:
  SplitCollector(std::string task,
                 uint64_t seed,
                 double test_fraction,
                 int64_t train_count,
                 int64_t test_count);
  // The split the problem goes to, or nullopt when it is a repeat or its split is full. Throws
  // ConfigError once too many draws in a row found nothing new (the problem space, or one side
  // of it, is too small for the sizes asked); `space` describes the options for that message.
  std::optional<Split> offer(const std::string& canonical, const std::string& space);
  bool full() const;
  int64_t size(Split split) const { return split == Split::TRAIN ? train_taken_ : test_taken_; }

 private:
  std::string task_;
  uint64_t seed_;
  double test_fraction_;
  int64_t train_count_, test_count_;
  int64_t train_taken_ = 0, test_taken_ = 0;
  int64_t misses_ = 0;  // draws in a row that added nothing
  std::unordered_set<std::string> seen_;
};

// `<task>-<split>-<index>`, the `id` of a generated row.
std::string row_id(std::string_view task, Split split, int64_t index);

}  // namespace r1forge::tasks
