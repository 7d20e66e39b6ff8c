// The `instruction` reward; see include/r1forge/rl/rewards/instruction.h.
#include "r1forge/rl/rewards/instruction.h"

#include "r1forge/rl/rewards/latex_text.h"
#include "r1forge/rl/rewards/math_answer.h"
#include "r1forge/rl/rewards/metadata.h"

namespace r1forge {
namespace {

// The gold as text: a string as is, an integer in decimal; nullopt for anything else.
std::optional<std::string> gold_text(const nlohmann::json& gold) {
  if (gold.is_string()) return gold.get<std::string>();
  if (gold.is_number_integer()) return gold.dump();
  return std::nullopt;
}

class InstructionReward : public RewardFunction {
 public:
  explicit InstructionReward(InstructionRewardConfig config) : config_(std::move(config)) {}

  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      RewardScore score = instruction_score(sample.completion,
                                            metadata_field(sample, config_.answer_field), config_);
      if (!score) ++gold_missing_;
      scores.push_back(score);
    }
    return scores;
  }
  std::map<std::string, double> diagnostics() const override {
    return {{"gold_missing", static_cast<double>(gold_missing_)}};
  }

 private:
  InstructionRewardConfig config_;
  int64_t gold_missing_ = 0;
};

}  // namespace

std::optional<double> instruction_score(std::string_view completion,
                                        const nlohmann::json* gold,
                                        const InstructionRewardConfig& config) {
  if (gold == nullptr) return std::nullopt;
  std::optional<std::string> expected = gold_text(*gold);
  if (!expected) return std::nullopt;
  std::string want = math::trim(*expected);
  if (want.empty()) return std::nullopt;
  std::optional<std::string> answer = math::last_answer_tag(completion);
  if (!answer) return 0.0;
  std::string got = math::trim(*answer);
  if (!config.case_sensitive) {
    want = math::lower(want);
    got = math::lower(got);
  }
  return got == want ? 1.0 : 0.0;
}

const char* const kInstructionHelp =
    "1 if the last <answer>...</answer>, trimmed, equals metadata[answer_field] (trimmed) "
    "exactly, else 0 (also without an answer tag); none when the gold is missing, empty, or not "
    "a string or integer. For exact-output instructions (reverse, sort, count, format). "
    "Options: answer_field (answer), case_sensitive (true).";

std::unique_ptr<RewardFunction> make_instruction_reward(RewardOptions& options) {
  InstructionRewardConfig config;
  config.answer_field = options.get_string("answer_field", config.answer_field);
  if (config.answer_field.empty()) options.fail("answer_field", "must not be empty");
  config.case_sensitive = options.get_bool("case_sensitive", config.case_sensitive);
  return std::make_unique<InstructionReward>(std::move(config));
}

}  // namespace r1forge
