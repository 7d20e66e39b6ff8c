// The `soft_overlong` reward; see include/r1forge/rl/rewards/soft_overlong.h.
#include "r1forge/rl/rewards/soft_overlong.h"

namespace r1forge {
namespace {

class SoftOverlongReward : public RewardFunction {
 public:
  SoftOverlongReward(int64_t max_length, int64_t cache_length)
      : max_length_(max_length), cache_length_(cache_length) {}
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      int64_t max_length = max_length_ > 0 ? max_length_ : sample.max_completion_tokens;
      if (max_length <= 0) {
        scores.push_back(std::nullopt);
        continue;
      }
      scores.push_back(soft_overlong_penalty(sample.completion_tokens, max_length, cache_length_));
    }
    return scores;
  }

 private:
  int64_t max_length_;
  int64_t cache_length_;
};

}  // namespace

double soft_overlong_penalty(int64_t length, int64_t max_length, int64_t cache_length) {
  const int64_t expected = max_length - cache_length;  // L_max - L_cache
  if (length <= expected) return 0.0;
  if (length <= max_length) {
    return static_cast<double>(expected - length) / static_cast<double>(cache_length);
  }
  return -1.0;
}

const char* const kSoftOverlongHelp =
    "DAPO soft overlong punishment (eq. 13): 0 for completions of at most max_length - "
    "cache_length tokens, then linear down to -1 at max_length, -1 beyond. Options: "
    "cache_length (required, > 0; DAPO used 4096), max_length (0 = the stage's max_new_tokens; "
    "DAPO used 20480). None when max_length is 0 and the stage's limit is unknown.";

std::unique_ptr<RewardFunction> make_soft_overlong_reward(RewardOptions& options) {
  if (!options.has("cache_length")) {
    options.fail("cache_length",
                 "required: the length of the punishment buffer in tokens (DAPO: 4096 with "
                 "max_length 20480)");
  }
  int64_t cache_length = options.get_int("cache_length", 0);
  int64_t max_length = options.get_int("max_length", 0);
  if (cache_length <= 0) options.fail("cache_length", "must be positive");
  if (max_length < 0) options.fail("max_length", "must be >= 0 (0 = the stage's max_new_tokens)");
  if (max_length > 0 && cache_length > max_length) {
    options.fail("cache_length", "must not exceed max_length (" + std::to_string(max_length) + ")");
  }
  return std::make_unique<SoftOverlongReward>(max_length, cache_length);
}

}  // namespace r1forge
