// The `tag_count` reward; see include/r1forge/rl/rewards/tag_count.h.
#include "r1forge/rl/rewards/tag_count.h"

#include <optional>

#include "r1forge/rl/rewards/format.h"
#include "r1forge/rl/rewards/latex_text.h"

namespace r1forge {
namespace {

class TagCountReward : public RewardFunction {
 public:
  // think_in_prompt: nullopt = read it off each prompt (prompt_ends_inside_think).
  TagCountReward(bool require_newlines, std::optional<bool> think_in_prompt)
      : require_newlines_(require_newlines), think_in_prompt_(think_in_prompt) {}
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      const bool opened = think_in_prompt_.value_or(prompt_ends_inside_think(sample.prompt));
      scores.push_back(tag_count_score(sample.completion, require_newlines_, opened));
    }
    return scores;
  }

 private:
  bool require_newlines_;
  std::optional<bool> think_in_prompt_;
};

}  // namespace

double tag_count_score(std::string_view text, bool require_newlines, bool think_in_prompt) {
  double score = 0.0;
  const size_t opens = math::count_occurrences(text, require_newlines ? "<think>\n" : "<think>");
  if (opens == 1 || (think_in_prompt && math::count_occurrences(text, "<think>") == 0))
    score += 0.25;
  if (math::count_occurrences(text, require_newlines ? "\n</think>\n" : "</think>") == 1)
    score += 0.25;
  if (math::count_occurrences(text, require_newlines ? "\n<answer>\n" : "<answer>") == 1)
    score += 0.25;
  if (math::count_occurrences(text, require_newlines ? "\n</answer>" : "</answer>") == 1)
    score += 0.25;
  return score;
}

const char* const kTagCountHelp =
    "0.25 for each of <think>, </think>, <answer>, </answer> appearing exactly once (0 to 1; "
    "open-r1 tag_count). Options: require_newlines (false): count open-r1's exact forms "
    "'<think>\\n', '\\n</think>\\n', '\\n<answer>\\n', '\\n</answer>'; think_in_prompt (default: "
    "true exactly when the prompt ends with <think>, as R1's chat template does): credit <think> "
    "when the completion has none.";

std::unique_ptr<RewardFunction> make_tag_count_reward(RewardOptions& options) {
  bool require_newlines = options.get_bool("require_newlines", false);
  std::optional<bool> think_in_prompt;
  if (options.has("think_in_prompt")) think_in_prompt = options.get_bool("think_in_prompt", false);
  return std::make_unique<TagCountReward>(require_newlines, think_in_prompt);
}

}  // namespace r1forge
