// The `accuracy` reward; see include/r1forge/rl/rewards/accuracy.h.
#include "r1forge/rl/rewards/accuracy.h"

#include "r1forge/rl/rewards/metadata.h"

namespace r1forge {
namespace {

class AccuracyReward : public RewardFunction {
 public:
  explicit AccuracyReward(AccuracyConfig config) : config_(std::move(config)) {}

  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      std::optional<bool> correct = answer_is_correct(sample, config_);
      if (!correct) ++gold_missing_;
      scores.push_back(correct ? RewardScore(*correct ? 1.0 : 0.0) : std::nullopt);
    }
    return scores;
  }
  std::map<std::string, double> diagnostics() const override {
    return {{"gold_missing", static_cast<double>(gold_missing_)}};
  }

 private:
  AccuracyConfig config_;
  int64_t gold_missing_ = 0;
};

}  // namespace

const char* const kAccuracyHelp =
    "1 if the completion's final answer equals the gold answer (metadata[answer_field]), else 0; "
    "none when the gold is missing or unusable. The answer is taken from the last "
    "<answer>...</answer>, the last \\boxed{}, GSM8K '#### n' or an 'answer is $x$' phrase "
    "(option sources, in that order); numbers, fractions, percentages and simple LaTeX compare "
    "as math-verify does. Options: answer_field (answer), sources (answer_tag, boxed, gsm8k, "
    "answer_phrase), require_latex (false).";

AccuracyConfig read_accuracy_config(RewardOptions& options) {
  AccuracyConfig config;
  config.answer_field = options.get_string("answer_field", config.answer_field);
  if (config.answer_field.empty()) options.fail("answer_field", "must not be empty");
  std::vector<std::string> names =
      options.get_list("sources", {"answer_tag", "boxed", "gsm8k", "answer_phrase"});
  if (names.empty()) options.fail("sources", "name at least one source");
  config.extraction.sources.clear();
  for (const std::string& name : names) {
    std::optional<math::AnswerSource> source = math::parse_answer_source(name);
    if (!source) {
      options.fail("sources", "unknown source '" + name +
                                  "'; choose from answer_tag, boxed, gsm8k, answer_phrase");
    }
    config.extraction.sources.push_back(*source);
  }
  config.extraction.require_latex = options.get_bool("require_latex", false);
  return config;
}

std::optional<bool> answer_is_correct(const RewardSample& sample, const AccuracyConfig& config) {
  const nlohmann::json* gold_field = metadata_field(sample, config.answer_field);
  if (gold_field == nullptr) return std::nullopt;
  std::optional<std::string> gold = math::extract_gold_answer(*gold_field);
  if (!gold || !math::gold_is_usable(*gold)) return std::nullopt;
  std::optional<std::string> predicted =
      math::extract_completion_answer(sample.completion, config.extraction);
  if (!predicted) return false;
  return math::answers_equivalent(*gold, *predicted);
}

std::unique_ptr<RewardFunction> make_accuracy_reward(RewardOptions& options) {
  return std::make_unique<AccuracyReward>(read_accuracy_config(options));
}

}  // namespace r1forge
