// Seeded stream, split hash and split collector; see include/r1forge/data/tasks/task_split.h.
#include "r1forge/data/tasks/task_split.h"

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"

namespace r1forge::tasks {
namespace {

// Draws in a row that add nothing before the collector gives up. A side holding fraction f of
// the space misses with probability 1 - f per draw, so for any f above ~1e-4 this many misses in
// a row only happens once (nearly) every problem of the side has been taken.
constexpr int64_t kMaxMisses = 200000;

}  // namespace

uint64_t TaskRng::next() {
  uint64_t out = splitmix64(state_);  // splitmix64 adds the golden-ratio increment itself
  state_ += 0x9e3779b97f4a7c15ULL;
  return out;
}

int64_t TaskRng::uniform(int64_t low, int64_t high) {
  R1F_CHECK(low <= high, "uniform(", low, ", ", high, ")");
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) + 1;
  if (span == 0) return static_cast<int64_t>(next());  // the whole 64-bit range
  // Reject the top partial copy of [0, span) so every value is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  uint64_t x = next();
  while (x >= limit) x = next();
  return static_cast<int64_t>(static_cast<uint64_t>(low) + x % span);
}

double TaskRng::unit() {
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

const char* split_name(Split split) {
  return split == Split::TRAIN ? "train" : "test";
}

bool in_test_split(uint64_t seed,
                   std::string_view task,
                   std::string_view canonical,
                   double test_fraction) {
  std::string purpose = "tasks/split/";
  purpose.append(task).append("/").append(canonical);
  const uint64_t hash = derive_seed(seed, purpose);
  return static_cast<double>(hash >> 11) * 0x1.0p-53 < test_fraction;
}

SplitCollector::SplitCollector(
    std::string task, uint64_t seed, double test_fraction, int64_t train_count, int64_t test_count)
    : task_(std::move(task)),
      seed_(seed),
      test_fraction_(test_fraction),
      train_count_(train_count),
      test_count_(test_count) {
  R1F_CHECK_CONFIG(train_count >= 0 && test_count >= 0, task_, ": negative split size");
  R1F_CHECK_CONFIG(test_count == 0 || test_fraction > 0, task_, ": test_fraction is 0, so no ",
                   "problem is a test problem, but ", test_count, " test rows were asked for");
  R1F_CHECK_CONFIG(train_count == 0 || test_fraction < 1, task_, ": test_fraction is 1, so no ",
                   "problem is a train problem, but ", train_count, " train rows were asked for");
}

std::optional<Split> SplitCollector::offer(const std::string& canonical, const std::string& space) {
  const Split split =
      in_test_split(seed_, task_, canonical, test_fraction_) ? Split::TEST : Split::TRAIN;
  int64_t& taken = split == Split::TRAIN ? train_taken_ : test_taken_;
  const int64_t wanted = split == Split::TRAIN ? train_count_ : test_count_;
  if (taken < wanted && seen_.insert(canonical).second) {
    ++taken;
    misses_ = 0;
    return split;
  }
  if (++misses_ >= kMaxMisses) {
    R1F_THROW(ConfigError, "task ", task_, ": found only ", train_taken_, " of ", train_count_,
              " train and ", test_taken_, " of ", test_count_, " test problems after ", kMaxMisses,
              " draws in a row that were repeats or belonged to the full split; the ",
              "problem space (", space, ", test_fraction ", test_fraction_,
              ") is too small for these sizes: ask for fewer rows or widen the options");
  }
  return std::nullopt;
}

bool SplitCollector::full() const {
  return train_taken_ == train_count_ && test_taken_ == test_count_;
}

std::string row_id(std::string_view task, Split split, int64_t index) {
  return std::string(task) + "-" + split_name(split) + "-" + std::to_string(index);
}

}  // namespace r1forge::tasks
