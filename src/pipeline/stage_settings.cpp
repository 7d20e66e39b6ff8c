// Stage settings and their classes; see pipeline/stage_settings.h.
#include "r1forge/pipeline/stage_settings.h"

#include <charconv>
#include <set>

#include "r1forge/core/yaml_io.h"
#include "r1forge/data/make_data.h"

namespace r1forge {
namespace {

using enum SettingEffect;

// Every key of a stage's settings, or a whole section (trailing '.'), with its class. An
// exact key wins over its section. Keys that only log, save, evaluate or split the same work
// differently are OBSERVE; the lengths are EXTEND; everything that decides what the model
// sees or how it is updated is CHANGE.
const std::map<std::string, SettingEffect, std::less<>>& setting_table() {
  static const std::map<std::string, SettingEffect, std::less<>> table = {
      // ---- run-wide: every stage depends on them
      {"run.seed", CHANGE},
      {"make_data", CHANGE},  // its identity: generator version and settings
      {"model.", CHANGE},     // init, tokenizer, dtype, architecture
      {"model.device", OBSERVE},
      {"model.gradient_checkpointing", OBSERVE},  // recomputes the same activations
      {"sampling.backend", OBSERVE},              // torch and recompute compute the same
      {"sampling.max_batch_size", OBSERVE},
      {"sampling.max_cached_tokens", OBSERVE},
      {"sampling.shared_prompt_cache", CHANGE},  // the same logits, rounded differently
      {"sampling.cuda_graphs", OBSERVE},         // the same kernels, launched from a graph
      // ---- the stage
      {"name", CHANGE},
      {"type", CHANGE},
      {"init", CHANGE},
      {"architecture.", CHANGE},
      // sft: (types pretrain, sft, distill)
      {"sft.data.", CHANGE},
      {"sft.eval_path", OBSERVE},
      {"sft.eval_fraction", CHANGE},  // the held-out rows leave the training rows
      {"sft.num_epochs", EXTEND},
      {"sft.max_steps", EXTEND},
      {"sft.batch_size", CHANGE},
      {"sft.micro_batch_size", OBSERVE},  // gradient accumulation: the same step
      {"sft.packing", CHANGE},
      {"sft.completion_only_loss", CHANGE},
      {"sft.optimizer.", CHANGE},
      {"sft.optimizer.skip_nonfinite_steps", OBSERVE},  // when to give up, not how to train
      {"sft.logging_steps", OBSERVE},
      {"sft.eval_steps", OBSERVE},
      {"sft.save_steps", OBSERVE},
      {"sft.save_minutes", OBSERVE},
      {"sft.save_total_limit", OBSERVE},
      {"sft.metric_for_best_model", OBSERVE},
      {"sft.greater_is_better", OBSERVE},
      {"sft.logprob_chunk_rows", OBSERVE},
      // grpo:
      {"grpo.data.", CHANGE},
      {"grpo.rewards", CHANGE},
      {"grpo.sources", CHANGE},
      {"grpo.max_steps", EXTEND},
      {"grpo.prompts_per_step", CHANGE},
      {"grpo.num_generations", CHANGE},
      {"grpo.num_iterations", CHANGE},
      {"grpo.mini_batch_size", CHANGE},    // optimizer steps per rollout batch
      {"grpo.micro_batch_size", OBSERVE},  // gradient accumulation: the same step
      {"grpo.max_completion_length", CHANGE},
      {"grpo.temperature", CHANGE},
      {"grpo.top_p", CHANGE},
      {"grpo.top_k", CHANGE},
      {"grpo.min_p", CHANGE},
      {"grpo.repetition_penalty", CHANGE},
      {"grpo.presence_penalty", CHANGE},
      {"grpo.stop", CHANGE},
      {"grpo.include_stop_str_in_output", CHANGE},  // what rewards see
      {"grpo.mask_truncated_completions", CHANGE},
      {"grpo.advantage_estimator", CHANGE},
      {"grpo.scale_rewards", CHANGE},
      {"grpo.normalize_advantages", CHANGE},
      {"grpo.dynamic_sampling", CHANGE},
      {"grpo.max_sampling_rounds", CHANGE},
      {"grpo.loss_type", CHANGE},
      {"grpo.importance_sampling_level", CHANGE},
      {"grpo.epsilon", CHANGE},
      {"grpo.epsilon_high", CHANGE},
      {"grpo.delta", CHANGE},
      {"grpo.beta", CHANGE},
      {"grpo.kl_estimator", CHANGE},
      {"grpo.kl_log_ratio_clamp", CHANGE},
      {"grpo.kl_in", CHANGE},
      {"grpo.use_bias_correction_kl", CHANGE},
      {"grpo.entropy_coef", CHANGE},
      {"grpo.old_logprobs", CHANGE},
      {"grpo.sync_ref_model", CHANGE},
      {"grpo.ref_model_sync_steps", CHANGE},
      {"grpo.ref_model_mixup_alpha", CHANGE},
      {"grpo.optimizer.", CHANGE},
      {"grpo.optimizer.skip_nonfinite_steps", OBSERVE},
      {"grpo.logging_steps", OBSERVE},
      {"grpo.log_completions", OBSERVE},
      {"grpo.log_completions_steps", OBSERVE},
      {"grpo.eval.", OBSERVE},  // held-out evaluation during the stage
      {"grpo.save_steps", OBSERVE},
      {"grpo.save_minutes", OBSERVE},
      {"grpo.save_total_limit", OBSERVE},
      {"grpo.metric_for_best_model", OBSERVE},
      {"grpo.greater_is_better", OBSERVE},
      {"grpo.logprob_chunk_rows", OBSERVE},
      {"grpo.shared_prompt_forward", CHANGE},  // float summation order: not bit-identical
      // distill: (with sft:)
      {"distill.", CHANGE},
      {"distill.loss.chunk_rows", OBSERVE},
      // rejection_sampling: everything shapes the data it writes (the seeds go by batch)
      {"rejection_sampling.", CHANGE},
      // reward_model:
      {"reward_model.data.", CHANGE},
      {"reward_model.eval_data.", OBSERVE},    // a separate file: the training pairs stay
      {"reward_model.eval_fraction", CHANGE},  // the held-out pairs leave the training pairs
      {"reward_model.num_epochs", EXTEND},
      {"reward_model.max_steps", EXTEND},
      {"reward_model.batch_size", CHANGE},
      {"reward_model.micro_batch_size", OBSERVE},  // gradient accumulation: the same step
      {"reward_model.center_rewards_coefficient", CHANGE},
      {"reward_model.optimizer.", CHANGE},
      {"reward_model.optimizer.skip_nonfinite_steps", OBSERVE},
      {"reward_model.logging_steps", OBSERVE},
      {"reward_model.eval_steps", OBSERVE},
      {"reward_model.save_steps", OBSERVE},
      {"reward_model.save_minutes", OBSERVE},
      {"reward_model.save_total_limit", OBSERVE},
      {"reward_model.metric_for_best_model", OBSERVE},
      {"reward_model.greater_is_better", OBSERVE},
      // eval: the evaluation after the stage (or the whole of an eval stage)
      {"eval.", OBSERVE},
  };
  return table;
}

// Adds one key per leaf field; sections recurse, lists of sections are one flow value.
struct SettingsCollector {
  StageSettings* out;
  std::string prefix;

  template <class T, class... Constraints>
  void field(std::string_view name, T& value, std::string_view, const Constraints&...) {
    add(prefix + std::string(name), value);
  }
  template <class T>
  void add(const std::string& key, T& value) {
    if constexpr (yaml_detail::ConfigStruct<T>) {
      SettingsCollector inner{out, key + "."};
      value.visit(inner);
    } else if constexpr (yaml_detail::IsOptionalSection<T>::value) {
      if (value) add(key, *value);
    } else {
      YAML::Emitter flow;
      flow.SetNullFormat(YAML::LowerNull);
      flow << YAML::Flow;
      yaml_detail::FieldWriter(flow).write_value(value);
      (*out)[key] = flow.c_str();
    }
  }
};

std::optional<int64_t> parse_count(const std::string& text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_stage_key(const std::string& key) {
  return !key.starts_with("model.") && !key.starts_with("sampling.") && !key.starts_with("run.");
}

}  // namespace

StageSettings stage_settings(const Config& config, const StageConfig& stage) {
  StageSettings settings;
  SettingsCollector collector{&settings, ""};
  StageConfig section = stage;
  section.visit(collector);
  Config copy = config;
  collector.add("model", copy.model);
  collector.add("sampling", copy.sampling);
  collector.add("run.seed", copy.run.seed);
  // Not `kernels:` or `distributed:`: they choose how the same math runs, not what it computes.
  // The generated data every stage may read: other settings or another generator version.
  if (config.make_data) settings["make_data"] = make_data_identity(*config.make_data);
  return settings;
}

std::optional<SettingEffect> setting_effect(std::string_view key) {
  const auto& table = setting_table();
  if (auto exact = table.find(key); exact != table.end()) return exact->second;
  // The longest section that holds the key.
  for (size_t dot = key.rfind('.'); dot != std::string_view::npos && dot > 0;
       dot = key.rfind('.', dot - 1)) {
    if (auto section = table.find(key.substr(0, dot + 1)); section != table.end()) {
      return section->second;
    }
  }
  return std::nullopt;
}

std::vector<SettingChange> diff_stage_settings(const StageSettings& before,
                                               const StageSettings& after) {
  std::set<std::string> keys;
  for (const auto& [key, value] : before) keys.insert(key);
  for (const auto& [key, value] : after) keys.insert(key);
  std::vector<SettingChange> changes;
  for (const auto& key : keys) {
    auto old_value = before.find(key);
    auto new_value = after.find(key);
    SettingChange change;
    change.key = key;
    change.before = old_value == before.end() ? "(absent)" : old_value->second;
    change.after = new_value == after.end() ? "(absent)" : new_value->second;
    if (change.before == change.after) continue;
    const std::optional<SettingEffect> effect = setting_effect(key);
    change.effect = effect.value_or(CHANGE);
    if (change.effect == OBSERVE) {
      change.invalidates_training = false;
    } else if (change.effect == EXTEND) {
      // More of the same only when it grows from a real bound (sft.max_steps 0 means "by
      // epochs", so 0 <-> N changes what the steps are).
      const auto from = parse_count(change.before);
      const auto to = parse_count(change.after);
      change.invalidates_training = !(from && to && *from > 0 && *to >= *from);
    }
    changes.push_back(change);
  }
  return changes;
}

std::string describe_setting_changes(const std::vector<SettingChange>& changes,
                                     const std::string& stage) {
  std::string text;
  for (const auto& change : changes) {
    if (!text.empty()) text += ", ";
    text += (is_stage_key(change.key) ? "stages." + stage + "." : std::string()) + change.key +
            " " + change.before + " -> " + change.after;
  }
  return text;
}

std::vector<std::string> setting_table_entries() {
  std::vector<std::string> entries;
  for (const auto& [key, effect] : setting_table()) entries.push_back(key);
  return entries;
}

}  // namespace r1forge
