// Stage-list and GRPO-section validation; see pipeline/stage_config.h and grpo_config.h.
#include "r1forge/pipeline/stage_config.h"

#include <set>

#include "r1forge/core/check.h"
#include "r1forge/core/yaml_io.h"

namespace r1forge {

std::string GrpoConfig::effective_kl_estimator() const {
  if (kl_estimator != "auto") return kl_estimator;
  // TRL's GRPOTrainer adds k3 to the loss; its RLOOTrainer subtracts the summed log-ratio (k1)
  // from the reward, as RLOO (Ahmadian et al. 2024) and PPO-RLHF do.
  return kl_in == "reward" ? "k1" : "k3";
}

void GrpoConfig::resolve_defaults() {
  kl_estimator = effective_kl_estimator();
}

PolicyLossConfig GrpoConfig::policy_loss_config() const {
  PolicyLossConfig config;
  config.loss_type = parse_loss_type(loss_type);
  config.importance_sampling_level = parse_importance_sampling_level(importance_sampling_level);
  config.epsilon = epsilon;
  config.epsilon_high = epsilon_high;
  config.delta = delta;
  config.beta = beta;
  config.kl_estimator = parse_kl_estimator(effective_kl_estimator());
  config.kl_log_ratio_clamp = kl_log_ratio_clamp;
  config.kl_in = parse_kl_placement(kl_in);
  config.use_bias_correction_kl = use_bias_correction_kl;
  config.entropy_coef = entropy_coef;
  config.max_completion_length = generation.max_completion_length;
  return config;
}

AdvantageConfig GrpoConfig::advantage_config() const {
  AdvantageConfig config;
  config.estimator = parse_advantage_estimator(advantage_estimator);
  config.scale_rewards = parse_reward_scaling(scale_rewards);
  config.normalize_advantages = normalize_advantages;
  config.kl_in_reward_coef = kl_in == "reward" ? beta : 0.0;
  return config;
}

GenerationSettings GrpoConfig::eval_generation() const {
  GenerationSettings held_out = generation;
  held_out.temperature = eval.temperature;
  held_out.top_p = eval.top_p;
  held_out.top_k = 0;
  held_out.min_p = 0.0;
  held_out.repetition_penalty = 1.0;
  held_out.presence_penalty = 0.0;
  return held_out;
}

void GrpoConfig::validate(const std::string& where) const {
  if (sources.empty()) {
    R1F_CHECK_CONFIG(!data.path.empty(), where, ".data.path: name the JSONL file of prompts");
    R1F_CHECK_CONFIG(!rewards.empty(), where,
                     ".rewards: list at least one reward, e.g. [{name: accuracy}]");
  } else {
    R1F_CHECK_CONFIG(data.path.empty() && rewards.empty(), where,
                     ".sources replaces data and rewards: give each source its own data and "
                     "rewards, and leave grpo.data.path and grpo.rewards unset");
    std::set<std::string> names;
    for (size_t s = 0; s < sources.size(); ++s) {
      const GrpoSourceConfig& source = sources[s];
      const std::string item = where + ".sources." + std::to_string(s);
      R1F_CHECK_CONFIG(
          !source.name.empty() && source.name.find_first_of("/ \t") == std::string::npos, item,
          ".name: give the source a name without '/' or spaces (metrics "
          "are rewards/<name>/<label>)");
      R1F_CHECK_CONFIG(names.insert(source.name).second, item, ".name '", source.name,
                       "' is used by an earlier source");
      R1F_CHECK_CONFIG(!source.data.path.empty(), item,
                       ".data.path: name the JSONL file of this source's prompts");
      R1F_CHECK_CONFIG(!source.rewards.empty(), item,
                       ".rewards: list at least one reward for this source's samples");
    }
  }
  R1F_CHECK_CONFIG(eval.data.shuffle, where,
                   ".eval.data.shuffle: evaluation takes every held-out prompt once, in file "
                   "order; shuffle applies only to the training prompts (data.shuffle)");
  R1F_CHECK_CONFIG(generation.temperature > 0.0, where,
                   ".temperature must be > 0: the training log-probs are taken under "
                   "logits / temperature (greedy rollouts would also give every group one answer)");
  const bool kl_reward_estimator = advantage_estimator == "rloo" ||
                                   advantage_estimator == "reinforce_pp" ||
                                   advantage_estimator == "reinforce_pp_baseline";
  R1F_CHECK_CONFIG(kl_in != "reward" || beta == 0.0 || kl_reward_estimator, where,
                   ".kl_in is reward, which the ", advantage_estimator,
                   " estimator does not take; use rloo, reinforce_pp or reinforce_pp_baseline, "
                   "or kl_in: loss (GRPO puts the KL in the loss)");
  R1F_CHECK_CONFIG(!delta || *delta > 1.0 + epsilon_high.value_or(epsilon), where, ".delta (",
                   delta.value_or(0), ") must exceed 1 + epsilon_high (",
                   1.0 + epsilon_high.value_or(epsilon), ")");
  const int64_t rows = prompts_per_step * num_generations;
  R1F_CHECK_CONFIG(
      mini_batch_size <= rows, where, ".mini_batch_size (", mini_batch_size,
      ") exceeds the completions per step, prompts_per_step x num_generations = ", rows);
  R1F_CHECK_CONFIG(num_generations >= 2 || advantage_estimator == "reinforce_pp", where,
                   ".num_generations is 1: group advantages need at least 2 samples per prompt");
}

namespace {

void validate_reward_model_section(const RewardModelConfig& section, const std::string& where) {
  R1F_CHECK_CONFIG(!section.data.path.empty(), where,
                   ".data.path: name the JSONL or Parquet file of preference pairs");
  if (section.eval_data.path.empty()) {
    const std::vector<std::string> ignored =
        changed_fields(section.eval_data, PreferenceDataConfig{});
    R1F_CHECK_CONFIG(ignored.empty(), where, ".eval_data.", ignored.empty() ? "" : ignored[0],
                     " is set but eval_data.path is empty, so no held-out file is read; name "
                     "it, or hold out eval_fraction of data");
  } else {
    R1F_CHECK_CONFIG(section.eval_fraction == 0.0, where,
                     ".eval_fraction holds out part of data, but eval_data.path already names "
                     "the held-out pairs; set one of them");
  }
}

}  // namespace

StageConfig stage_with_every_section(std::string name) {
  StageConfig stage;
  stage.name = std::move(name);
  stage.sft.emplace();
  stage.grpo.emplace();
  stage.distill.emplace();
  stage.eval.emplace();
  stage.rejection_sampling.emplace();
  stage.reward_model.emplace();
  return stage;
}

void resolve_stage_defaults(std::vector<StageConfig>& stages) {
  for (StageConfig& stage : stages) {
    if (stage.grpo) stage.grpo->resolve_defaults();
  }
}

void validate_stages(const std::vector<StageConfig>& stages, const std::string& source) {
  std::set<std::string> names;
  for (size_t i = 0; i < stages.size(); ++i) {
    const StageConfig& stage = stages[i];
    const std::string where = source + ": stages." + std::to_string(i);
    R1F_CHECK_CONFIG(!stage.name.empty(), where, ".name is missing");
    for (char c : stage.name) {
      R1F_CHECK_CONFIG((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_', where,
                       ".name '", stage.name, "' may hold only a-z, 0-9 and _");
    }
    R1F_CHECK_CONFIG(names.insert(stage.name).second, where, ".name '", stage.name,
                     "' is used by an earlier stage");
    R1F_CHECK_CONFIG(!stage.init.empty(), where, ".init is empty (base or a model folder)");
    const bool supervised =
        stage.type == "sft" || stage.type == "pretrain" || stage.type == "distill";
    R1F_CHECK_CONFIG(!supervised || stage.sft.has_value(), where, " (", stage.name, "): type ",
                     stage.type, " needs an sft: section");
    R1F_CHECK_CONFIG(supervised || !stage.sft.has_value(), where, " (", stage.name,
                     "): an sft: section on a stage of type ", stage.type, " would be ignored");
    R1F_CHECK_CONFIG(stage.type == "grpo" || !stage.grpo.has_value(), where, " (", stage.name,
                     "): a grpo: section on a stage of type ", stage.type, " would be ignored");
    if (supervised) {
      R1F_CHECK_CONFIG(!stage.sft->data.path.empty(), where, ".sft.data.path: name the JSONL file");
    }
    R1F_CHECK_CONFIG(
        (stage.type == "distill") == stage.distill.has_value(), where, " (", stage.name,
        stage.type == "distill" ? "): type distill needs a distill: section (teacher, ...)"
                                : "): a distill: section needs type distill");
    if (stage.distill) {
      R1F_CHECK_CONFIG(stage.distill->logit_weight == 0.0 || !stage.distill->teacher.empty(), where,
                       ".distill.teacher: logit_weight > 0 needs a teacher");
      R1F_CHECK_CONFIG(stage.distill->on != "student_samples" || !stage.sft->packing, where,
                       ".distill.on student_samples samples one completion per row; set "
                       "sft.packing: false");
      R1F_CHECK_CONFIG(stage.distill->sft_weight > 0.0 || stage.distill->logit_weight > 0.0, where,
                       ".distill: sft_weight and logit_weight are both 0, nothing to train");
      R1F_CHECK_CONFIG(stage.distill->generation.include_stop_str_in_output, where,
                       ".distill.include_stop_str_in_output: the student's samples are trained on "
                       "as token ids, stop string included; no text is made of them to keep or "
                       "cut it from");
      if (!stage.distill->samples_student()) {
        const std::vector<std::string> ignored =
            changed_fields(stage.distill->generation, DistillConfig{}.generation);
        R1F_CHECK_CONFIG(ignored.empty(), where, ".distill.", ignored.empty() ? "" : ignored[0],
                         " sets how the student samples, which it does only with on: "
                         "student_samples and logit_weight > 0",
                         !ignored.empty() && ignored[0] == "top_k"
                             ? " (the teacher's top-k is teacher_top_k)"
                             : "");
      }
    }
    if (stage.type == "grpo") {
      R1F_CHECK_CONFIG(stage.grpo.has_value(), where, " (", stage.name,
                       "): type grpo needs a grpo: section");
      stage.grpo->validate(where + ".grpo");
    }
    if (stage.type == "rejection_sampling") {
      R1F_CHECK_CONFIG(stage.rejection_sampling.has_value(), where, " (", stage.name,
                       "): type rejection_sampling needs a rejection_sampling: section");
      stage.rejection_sampling->validate(where + ".rejection_sampling");
    }
    R1F_CHECK_CONFIG(!stage.rejection_sampling || stage.type == "rejection_sampling", where, " (",
                     stage.name, "): a rejection_sampling: section needs type rejection_sampling");
    R1F_CHECK_CONFIG(
        (stage.type == "reward_model") == stage.reward_model.has_value(), where, " (", stage.name,
        stage.type == "reward_model" ? "): type reward_model needs a reward_model: section"
                                     : "): a reward_model: section needs type reward_model");
    if (stage.reward_model) {
      validate_reward_model_section(*stage.reward_model, where + ".reward_model");
      R1F_CHECK_CONFIG(!stage.eval, where, " (", stage.name,
                       "): an eval: section generates with the final model, and a reward model "
                       "does not generate; its held-out pair accuracy is reported instead "
                       "(reward_model.eval_data or eval_fraction)");
      R1F_CHECK_CONFIG(stage.architecture == ArchitectureConfig{}, where, " (", stage.name,
                       "): architecture reshapes a preset init, and a reward model starts from "
                       "a model folder; remove it");
    }
    R1F_CHECK_CONFIG(stage.type != "eval" || stage.eval.has_value(), where, " (", stage.name,
                     "): type eval needs an eval: section");
    if (stage.eval) stage.eval->validate(where + ".eval");
  }
}

}  // namespace r1forge
