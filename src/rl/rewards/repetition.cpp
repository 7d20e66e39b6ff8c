// The `repetition` reward; see include/r1forge/rl/rewards/repetition.h.
#include "r1forge/rl/rewards/repetition.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <vector>

namespace r1forge {
namespace {

class RepetitionReward : public RewardFunction {
 public:
  RepetitionReward(int64_t ngram_size, double max_penalty)
      : ngram_size_(ngram_size), max_penalty_(max_penalty) {}
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      scores.push_back(repetition_penalty(sample.completion, ngram_size_, max_penalty_));
    }
    return scores;
  }

 private:
  int64_t ngram_size_;
  double max_penalty_;
};

}  // namespace

double repetition_penalty(std::string_view completion, int64_t ngram_size, double max_penalty) {
  // Python's str.lower().split(): ASCII case folding (enough for repetition), any whitespace.
  std::vector<std::string> words;
  std::string word;
  for (char c : completion) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  const size_t n = static_cast<size_t>(ngram_size);
  if (words.size() < n) return 0.0;
  std::set<std::vector<std::string_view>> distinct;
  const size_t total = words.size() - n + 1;
  for (size_t i = 0; i < total; ++i) {
    distinct.emplace(words.begin() + static_cast<std::ptrdiff_t>(i),
                     words.begin() + static_cast<std::ptrdiff_t>(i + n));
  }
  const double scaling = 1.0 - static_cast<double>(distinct.size()) / static_cast<double>(total);
  return scaling * max_penalty;
}

const char* const kRepetitionHelp =
    "n-gram repetition penalty (open-r1): (1 - distinct/all word n-grams) * max_penalty, in "
    "[max_penalty, 0]; 0 for fewer than ngram_size words. Options: ngram_size (3), max_penalty "
    "(-1.0, must be <= 0).";

std::unique_ptr<RewardFunction> make_repetition_reward(RewardOptions& options) {
  int64_t ngram_size = options.get_int("ngram_size", 3);
  if (ngram_size < 1) options.fail("ngram_size", "must be at least 1");
  double max_penalty = options.get_double("max_penalty", -1.0);
  if (max_penalty > 0) options.fail("max_penalty", "must not be positive (it is a penalty)");
  return std::make_unique<RepetitionReward>(ngram_size, max_penalty);
}

}  // namespace r1forge
