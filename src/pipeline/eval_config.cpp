// Cross-field checks of the `eval:` section; see pipeline/eval_config.h.
#include "r1forge/pipeline/eval_config.h"

#include "r1forge/core/check.h"

namespace r1forge {

std::vector<RewardSpec> EvalConfig::reward_specs() const {
  if (!rewards.empty()) return rewards;
  std::vector<RewardSpec> specs(2);
  specs[0].name = "accuracy";
  specs[1].name = "format";
  return specs;
}

void EvalConfig::validate(const std::string& where) const {
  R1F_CHECK_CONFIG(!data.path.empty(), where,
                   ".data.path: name the JSONL file of held-out problems");
  R1F_CHECK_CONFIG(data.shuffle, where,
                   ".data.shuffle: evaluation takes every problem once, in file order; shuffle "
                   "applies only to GRPO's training prompts");
  for (size_t i = 0; i < rewards.size(); ++i) {
    R1F_CHECK_CONFIG(rewards[i].weight == 1.0, where, ".rewards.", i,
                     ".weight: evaluation reports each reward on its own, so a weight would do "
                     "nothing (it weights GRPO's reward sum)");
  }
  std::string labels;
  bool correct_found = false, format_found = format_reward.empty();
  for (const RewardSpec& spec : reward_specs()) {
    const std::string label = spec.metric_name();
    labels += (labels.empty() ? "" : ", ") + label;
    correct_found = correct_found || label == correct_reward;
    format_found = format_found || label == format_reward;
  }
  R1F_CHECK_CONFIG(correct_found, where, ".correct_reward '", correct_reward,
                   "' is not the label of any of its rewards (", labels, ")");
  R1F_CHECK_CONFIG(format_found, where, ".format_reward '", format_reward,
                   "' is not the label of any of its rewards (", labels,
                   "); set it to one of them or to \"\" for no format rate");
}

}  // namespace r1forge
