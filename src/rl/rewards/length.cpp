// The `length` (cosine-scaled) reward; see include/r1forge/rl/rewards/length.h.
#include "r1forge/rl/rewards/length.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "r1forge/rl/rewards/accuracy.h"
#include "r1forge/rl/rewards/unicode_script.h"

namespace r1forge {
namespace {

class LengthReward : public RewardFunction {
 public:
  LengthReward(CosineLengthConfig config, AccuracyConfig accuracy, bool count_characters)
      : config_(config), accuracy_(std::move(accuracy)), count_characters_(count_characters) {}

  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      std::optional<bool> correct = answer_is_correct(sample, accuracy_);
      if (!correct) {
        scores.push_back(std::nullopt);
        continue;
      }
      int64_t length = count_characters_
                           ? static_cast<int64_t>(unicode::decode_utf8(sample.completion).size())
                           : sample.completion_tokens;
      scores.push_back(cosine_length_score(*correct, length, config_));
    }
    return scores;
  }

 private:
  CosineLengthConfig config_;
  AccuracyConfig accuracy_;
  bool count_characters_;
};

}  // namespace

double cosine_length_score(bool correct, int64_t length, const CosineLengthConfig& config) {
  double progress =
      std::min(static_cast<double>(length) / static_cast<double>(config.max_len), 1.0);
  double cosine = std::cos(progress * std::numbers::pi);
  // Wrong answers swap the bounds: short and wrong is the worst outcome.
  double low = correct ? config.min_value_correct : config.max_value_wrong;
  double high = correct ? config.max_value_correct : config.min_value_wrong;
  return low + 0.5 * (high - low) * (1.0 + cosine);
}

const char* const kLengthHelp =
    "Cosine-scaled length reward (Yeo et al. 2025; open-r1 cosine): a correct answer scores "
    "max_value_correct at length 0 down to min_value_correct at max_len, a wrong one "
    "min_value_wrong at length 0 up to max_value_wrong at max_len; none when the gold answer is "
    "missing. Options: min_value_wrong (-1.0), max_value_wrong (-0.5), min_value_correct (0.5), "
    "max_value_correct (1.0), max_len (1000), length_unit (tokens | chars; tokens), and the "
    "accuracy options answer_field, sources, require_latex.";

std::unique_ptr<RewardFunction> make_length_reward(RewardOptions& options) {
  CosineLengthConfig config;
  config.min_value_wrong = options.get_double("min_value_wrong", config.min_value_wrong);
  config.max_value_wrong = options.get_double("max_value_wrong", config.max_value_wrong);
  config.min_value_correct = options.get_double("min_value_correct", config.min_value_correct);
  config.max_value_correct = options.get_double("max_value_correct", config.max_value_correct);
  config.max_len = options.get_int("max_len", config.max_len);
  if (config.max_len <= 0) options.fail("max_len", "must be positive");
  std::string unit = options.get_string("length_unit", "tokens");
  if (unit != "tokens" && unit != "chars") {
    options.fail("length_unit", "expected tokens or chars, found '" + unit + "'");
  }
  AccuracyConfig accuracy = read_accuracy_config(options);
  return std::make_unique<LengthReward>(config, std::move(accuracy), unit == "chars");
}

}  // namespace r1forge
