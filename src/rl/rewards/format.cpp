// The `format` reward; see include/r1forge/rl/rewards/format.h.
#include "r1forge/rl/rewards/format.h"

#include <cctype>
#include <optional>
#include <string>

#include "r1forge/rl/rewards/latex_text.h"

namespace r1forge {
namespace {

bool is_blank(std::string_view text) {
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

class FormatReward : public RewardFunction {
 public:
  // think_in_prompt: nullopt = read it off each prompt (prompt_ends_inside_think).
  explicit FormatReward(std::optional<bool> think_in_prompt) : think_in_prompt_(think_in_prompt) {}
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) {
      const bool opened = think_in_prompt_.value_or(prompt_ends_inside_think(sample.prompt));
      scores.push_back(has_r1_format(sample.completion, opened) ? 1.0 : 0.0);
    }
    return scores;
  }

 private:
  std::optional<bool> think_in_prompt_;
};

}  // namespace

bool prompt_ends_inside_think(std::string_view prompt) {
  while (!prompt.empty() && std::isspace(static_cast<unsigned char>(prompt.back()))) {
    prompt.remove_suffix(1);
  }
  constexpr std::string_view open = "<think>";
  return prompt.size() >= open.size() && prompt.substr(prompt.size() - open.size()) == open;
}

bool has_r1_format(std::string_view text, bool think_in_prompt) {
  const size_t opens = math::count_occurrences(text, "<think>");
  if (math::count_occurrences(text, "</think>") != 1 ||
      math::count_occurrences(text, "<answer>") != 1 ||
      math::count_occurrences(text, "</answer>") != 1 || opens > 1 ||
      (opens == 0 && !think_in_prompt)) {
    return false;
  }
  const size_t think_open = text.find("<think>");
  const size_t think_close = text.find("</think>");
  const size_t answer_open = text.find("<answer>");
  const size_t answer_close = text.find("</answer>");
  // Nothing but whitespace before <think> (or, when the prompt opened it, the thinking itself),
  // between </think> and <answer>, and after </answer>.
  if (opens == 1 && (think_open > think_close || !is_blank(text.substr(0, think_open)))) {
    return false;
  }
  if (!(think_close < answer_open && answer_open < answer_close)) return false;
  const size_t after_think = think_close + 8;
  if (!is_blank(text.substr(after_think, answer_open - after_think))) return false;
  if (!is_blank(text.substr(answer_close + 9))) return false;
  return !is_blank(text.substr(answer_open + 8, answer_close - answer_open - 8));
}

const char* const kFormatHelp =
    "1 if the completion is exactly <think>...</think><answer>...</answer> (whitespace around "
    "and between the blocks allowed, one of each tag, a non-blank answer), else 0. Options: "
    "think_in_prompt (default: true exactly when the prompt ends with <think>, as DeepSeek-R1's "
    "chat template's generation prompt does): the leading <think> may be missing.";

std::unique_ptr<RewardFunction> make_format_reward(RewardOptions& options) {
  std::optional<bool> think_in_prompt;
  if (options.has("think_in_prompt")) think_in_prompt = options.get_bool("think_in_prompt", false);
  return std::make_unique<FormatReward>(think_in_prompt);
}

}  // namespace r1forge
