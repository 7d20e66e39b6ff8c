// Cross-field checks of the rejection_sampling: section; see pipeline/rejection_config.h.
#include "r1forge/pipeline/rejection_config.h"

#include "r1forge/core/check.h"

namespace r1forge {

void RejectionSamplingConfig::validate(const std::string& where) const {
  R1F_CHECK_CONFIG(!data.path.empty(), where, ".data.path: name the JSONL file of prompts");
  R1F_CHECK_CONFIG(!rewards.empty(), where,
                   ".rewards: list the reward that judges correctness, e.g. [{name: accuracy}]");
  R1F_CHECK_CONFIG(data.shuffle, where,
                   ".data.shuffle: rejection sampling takes every prompt once, in file order; "
                   "shuffle applies only to GRPO's training prompts");
  for (size_t i = 0; i < rewards.size(); ++i) {
    R1F_CHECK_CONFIG(rewards[i].weight == 1.0, where, ".rewards.", i,
                     ".weight: each reward is judged and recorded on its own here, so a weight "
                     "would do nothing (it weights GRPO's reward sum)");
  }
  std::string labels;
  bool has_correct = false, has_format = accept.require_format.empty();
  for (const RewardSpec& spec : rewards) {
    const std::string label = spec.metric_name();
    labels += (labels.empty() ? "" : ", ") + label;
    has_correct = has_correct || label == accept.correct_reward;
    has_format = has_format || label == accept.require_format;
  }
  R1F_CHECK_CONFIG(has_correct, where, ".accept.correct_reward '", accept.correct_reward,
                   "' is not the label of a reward in rewards (labels: ", labels, ")");
  R1F_CHECK_CONFIG(has_format, where, ".accept.require_format '", accept.require_format,
                   "' is not the label of a reward in rewards (labels: ", labels, ")");
}

}  // namespace r1forge
