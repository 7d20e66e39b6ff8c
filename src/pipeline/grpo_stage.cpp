// The GRPO stage loop; see pipeline/grpo_stage.h.
#include "r1forge/pipeline/grpo_stage.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/metrics.h"
#include "r1forge/core/progress_bar.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/timer.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/data/prompt_mix.h"
#include "r1forge/pipeline/grpo_metrics.h"
#include "r1forge/pipeline/grpo_rollouts.h"
#include "r1forge/pipeline/grpo_update.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_checkpointer.h"
#include "r1forge/pipeline/stage_references.h"
#include "r1forge/pipeline/step_log.h"
#include "r1forge/rl/advantage.h"
#include "r1forge/rl/kl.h"
#include "r1forge/rl/reward_normalizer.h"
#include "r1forge/sampling/backends.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

// The stage's rewards: grpo.rewards, or each source's scoring its own samples (prompt_mix.h).
RewardSet make_stage_rewards(const GrpoConfig& grpo, const std::string& where) {
  if (grpo.sources.empty()) return RewardSet(grpo.rewards, where + "rewards");
  RewardSet all;
  for (size_t s = 0; s < grpo.sources.size(); ++s) {
    const std::string list = where + "sources." + std::to_string(s) + ".rewards";
    all.append_source(RewardSet(grpo.sources[s].rewards, list), static_cast<int64_t>(s),
                      grpo.sources[s].name);
  }
  return all;
}

// grpo.data, or every source's prompts one after the other (PromptRow::source says whose).
PromptDataset load_training_prompts(const GrpoConfig& grpo, StageModel& model) {
  if (grpo.sources.empty()) return load_prompt_dataset(grpo.data, *model.tokenizer, model.chat());
  std::vector<PromptDataset> sets;
  for (const GrpoSourceConfig& source : grpo.sources) {
    sets.push_back(load_prompt_dataset(source.data, *model.tokenizer, model.chat()));
  }
  return concatenate_prompt_sets(std::move(sets));
}

// One source draws as a plain PromptSampler always did (same seed, same checkpoint format);
// several draw in their weights' proportions, each from its own seed.
PromptMixSampler make_prompt_sampler(const GrpoConfig& grpo,
                                     const PromptDataset& data,
                                     uint64_t stage_seed) {
  if (grpo.sources.empty()) {
    return PromptMixSampler({static_cast<int64_t>(data.rows.size())}, {1.0}, {grpo.data.shuffle},
                            {derive_seed(stage_seed, "prompts")});
  }
  std::vector<int64_t> sizes(grpo.sources.size(), 0);
  for (const PromptRow& row : data.rows) ++sizes[row.source];
  std::vector<double> weights;
  std::vector<bool> shuffle;
  std::vector<uint64_t> seeds;
  for (const GrpoSourceConfig& source : grpo.sources) {
    weights.push_back(source.weight);
    shuffle.push_back(source.data.shuffle);
    seeds.push_back(derive_seed(stage_seed, "prompts:" + source.name));
  }
  return PromptMixSampler(std::move(sizes), std::move(weights), shuffle, seeds);
}

class GrpoStage {
 public:
  GrpoStage(const Config& config, const StageConfig& stage)
      : config_(config),
        stage_(stage),
        grpo_(*stage.grpo),
        directory_(stage_directory(config, stage)),
        seed_(derive_seed(config.run.seed, "stage:" + stage.name)),
        model_(load_stage_model(config, stage)),
        rewards_(make_stage_rewards(grpo_, "stage '" + stage.name + "' grpo.")),
        normalizer_(rewards_.running_normalization()),
        train_data_(load_training_prompts(grpo_, model_)),
        sampler_(make_prompt_sampler(grpo_, train_data_, seed_)),
        backend_(make_model_backend(config.sampling, model_.model)),
        engine_(*backend_, model_.tokenizer.get(), model_.eos_ids, config.sampling.engine()),
        collector_(engine_,
                   rewards_,
                   train_data_,
                   grpo_.generation.sampling_params(),
                   grpo_.num_generations) {
    if (!grpo_.eval.data.path.empty()) {
      eval_data_ = load_prompt_dataset(grpo_.eval.data, *model_.tokenizer, model_.chat());
      const PromptDataConfig& training =
          grpo_.sources.empty() ? grpo_.data : grpo_.sources.front().data;
      if (grpo_.eval.data.prompt_template != training.prompt_template) {
        R1F_LOG_WARN("grpo '", stage.name, "': eval.data.prompt_template (",
                     grpo_.eval.data.prompt_template, ") differs from the training prompts' (",
                     training.prompt_template, "); held-out prompts are rendered differently");
      }
    }
    if (grpo_.beta > 0) reference_ = clone_model(model_.model);  // beta = 0: none is loaded
    const int64_t rows = grpo_.prompts_per_step * grpo_.num_generations;
    const int64_t mini = grpo_.mini_batch_size > 0 ? grpo_.mini_batch_size : rows;
    const int64_t total_steps = grpo_.max_steps * grpo_.num_iterations * ((rows + mini - 1) / mini);
    optimizer_ = std::make_unique<Optimizer>(*model_.model, grpo_.optimizer, total_steps);
    const int64_t micro_batches = (mini + grpo_.micro_batch_size - 1) / grpo_.micro_batch_size;
    if (micro_batches < world().size() && world().is_main()) {
      R1F_LOG_WARN("grpo '", stage.name, "': ", micro_batches, " micro-batches a mini-batch for ",
                   world().size(), " data-parallel ranks: ", world().size() - micro_batches,
                   " rank(s) idle in the update; set micro_batch_size <= ", mini, " / ",
                   world().size());
    }
    update_config_.loss = grpo_.policy_loss_config();
    update_config_.num_iterations = grpo_.num_iterations;
    update_config_.mini_batch_size = grpo_.mini_batch_size;
    update_config_.micro_batch_size = grpo_.micro_batch_size;
    update_config_.temperature = grpo_.generation.temperature;
    update_config_.chunk_rows = grpo_.logprob_chunk_rows;
    update_config_.shared_prompts = grpo_.shared_prompt_forward;
    fs::create_directories(directory_);
    // The reference is state only when it gets reset; otherwise it is the init, rebuilt.
    Transformer* saved_reference = grpo_.beta > 0 && grpo_.sync_ref_model ? &reference_ : nullptr;
    checkpointer_ = std::make_unique<StageCheckpointer>(
        directory_, grpo_.checkpoint, "grpo '" + stage.name + "'",
        to_yaml(portable_stage(config, stage)), model_, *optimizer_, saved_reference);
    // A checkpoint continues exactly: weights, AdamW state, reference, prompt position,
    // running totals and reward counters (rollout seeds derive from the step).
    TrainingState resumed = checkpointer_->resume();
    resumed_ = resumed.step;
    if (resumed_ > 0) {
      const nlohmann::json& progress = resumed.progress;
      sampler_.restore(progress.at("sampler"),
                       checkpointer_->checkpoints().string() + ": the checkpoint's prompt sampler");
      tokens_seen_ = progress.at("tokens_seen").get<int64_t>();
      // The saved counters are every rank's summed (world_diagnostics_); rank 0 carries them.
      world_diagnostics_ = progress.value("reward_diagnostics", std::map<std::string, double>{});
      if (world().is_main()) rewards_.set_diagnostics_baseline(world_diagnostics_);
      if (normalizer_.any() && progress.contains("reward_normalizer")) {
        normalizer_.restore(progress.at("reward_normalizer"),
                            checkpointer_->checkpoints().string() + ": the checkpoint");
      } else if (normalizer_.any()) {
        R1F_LOG_WARN("grpo '", stage.name,
                     "': the checkpoint has no reward statistics (it was "
                     "saved without normalize: running); they start from this step");
      }
    }
    StepLogOptions log_options;
    log_options.stage = stage.name;
    log_options.total_steps = grpo_.max_steps;
    log_options.resumed_steps = resumed_;
    log_options.logging_steps = grpo_.logging_steps;
    log_options.reward_labels = rewards_.labels();
    log_options.peak_flops_per_second = stage_peak_flops(*model_.model);
    if (world().is_main()) {  // rank 0 writes the run folder; the others compute
      prepare_step_logs(directory_, resumed_, {"metrics.jsonl", "samples.jsonl"},
                        "grpo '" + stage.name + "'");
      log_options.metrics_path = directory_ / "metrics.jsonl";
      samples_.open(directory_ / "samples.jsonl", std::ios::app);
      R1F_CHECK_IO(samples_.good(), "cannot open ", directory_ / "samples.jsonl");
    }
    step_log_ = std::make_unique<StepLog>(std::move(log_options));
    R1F_LOG_INFO("grpo '", stage.name, "': ", train_data_.rows.size(), " prompts, ",
                 grpo_.prompts_per_step, " x ", grpo_.num_generations, " completions per step, ",
                 grpo_.max_steps, " steps, ", total_steps, " optimizer steps; rewards: ", [&] {
                   std::string list;
                   for (const auto& label : rewards_.labels()) list += " " + label;
                   return list;
                 }());
  }

  void run() {
    for (int64_t step = resumed_ + 1; step <= grpo_.max_steps; ++step) {
      double model_flops = 0;
      MetricValues metrics = train_step(step, model_flops);
      step_log_->record(step, metrics, model_flops);
      if (grpo_.beta > 0 && grpo_.sync_ref_model && step % grpo_.ref_model_sync_steps == 0) {
        sync_reference();
      }
      const bool last = step == grpo_.max_steps;
      if (eval_data_ &&
          (last || (grpo_.eval.eval_steps > 0 && step % grpo_.eval.eval_steps == 0))) {
        MetricValues evaluation = evaluate(step);
        metrics.insert(evaluation.begin(), evaluation.end());
      }
      checkpointer_->after_step(
          step, last, [&] { return progress(); }, metrics);
    }
    save_stage_model(model_, directory_ / "final");
    R1F_LOG_INFO("grpo '", stage_.name, "': final model in ", (directory_ / "final").string());
  }

 private:
  // Mixed prompt sets: each source's prompts in the step's batch and its samples' mean combined
  // reward (every rank holds the whole batch, so no collective).
  void add_source_metrics(MetricValues& metrics, const ScoredGroups& groups) const {
    const size_t count = grpo_.sources.size();
    std::vector<double> prompts(count, 0.0), reward_sum(count, 0.0), scored(count, 0.0);
    for (int64_t row : groups.prompt_rows) prompts[train_data_.rows[row].source] += 1.0;
    for (size_t i = 0; i < groups.samples.size(); ++i) {
      const int64_t row = groups.prompt_rows[groups.samples[i].prompt_index];
      const int64_t source = train_data_.rows[row].source;
      if (auto total = combined_reward(groups.scores, rewards_.weights(), i)) {
        reward_sum[source] += *total;
        scored[source] += 1.0;
      }
    }
    for (size_t s = 0; s < count; ++s) {
      const std::string base = "sources/" + grpo_.sources[s].name;
      metrics[base + "/prompts"] = prompts[s];
      metrics[base + "/reward"] =
          scored[s] > 0 ? reward_sum[s] / scored[s] : std::numeric_limits<double>::quiet_NaN();
    }
  }

  // One GRPO step; returns its metrics line and sets `model_flops` to the step's model FLOPs.
  MetricValues train_step(int64_t step, double& model_flops) {
    Timer step_timer;
    MetricValues metrics;
    GenerationSummary generated;
    ScoredGroups groups = sample_groups(step, generated, metrics);
    add_generation_metrics(metrics, generated, rewards_.labels(), rewards_.weights(), "");
    metrics["time/rollout"] = groups.rollout_seconds;
    metrics["time/reward"] = groups.reward_seconds;
    if (!grpo_.sources.empty()) add_source_metrics(metrics, groups);
    // Counters since the stage started (e.g. external scorer timeouts), apart from the
    // per-step `rewards/<label>/none` so the two never collide.
    // Each rank scored its share, so each counted its own: the run's are their sum.
    world_diagnostics_ = sum_over_ranks(rewards_.diagnostics(), "all_reduce reward diagnostics");
    for (const auto& [key, value] : world_diagnostics_) {
      metrics["reward_diagnostics/" + key] = value;
    }
    metrics["epoch"] = static_cast<double>(sampler_.epoch());
    if (groups.groups() == 0) {  // dynamic sampling found no group with a signal
      R1F_LOG_WARN("grpo step ", step, ": every sampled group had equal rewards; no update");
      metrics["skipped_steps"] = 1;
      metrics["time/step"] = step_timer.seconds();
      return metrics;
    }

    std::vector<std::vector<int64_t>> prompts;
    for (int64_t row : groups.prompt_rows) prompts.push_back(train_data_.rows[row].ids);
    RolloutBatch batch = make_rollout_batch(prompts, groups.samples, model_.pad_id,
                                            grpo_.mask_truncated_completions);
    Timer logprob_timer;
    PolicyUpdateInputs inputs;
    if (reference_) {
      inputs.ref_logprobs =
          score_completions(reference_, batch, grpo_.micro_batch_size, grpo_.generation.temperature,
                            grpo_.logprob_chunk_rows, grpo_.shared_prompt_forward);
    }
    inputs.old_logprobs = old_logprobs(batch);
    metrics["time/logprobs"] = logprob_timer.seconds();

    at::Tensor sequence_kl;
    if (grpo_.kl_in == "reward" && reference_) {
      at::Tensor behaviour =
          inputs.old_logprobs.defined() ? inputs.old_logprobs : batch.sampler_logprobs;
      sequence_kl = kl_reward_penalty(behaviour, inputs.ref_logprobs, batch.completion_mask,
                                      /*beta=*/1.0, update_config_.loss.kl_estimator,
                                      grpo_.kl_log_ratio_clamp);
    }
    AdvantageResult advantages =
        compute_advantages(reward_matrix(groups), rewards_.weights(), grpo_.num_generations,
                           grpo_.advantage_config(), sequence_kl);
    inputs.advantages = advantages.advantages.to(at::kFloat);

    test_stall_point("mid_step", step);
    Timer update_timer;
    PolicyUpdateStats update =
        update_policy(model_.model, *optimizer_, batch, inputs, update_config_);
    metrics["time/update"] = update_timer.seconds();
    add_update_metrics(metrics, update, grpo_.beta > 0);
    metrics["nonfinite_skips"] = static_cast<double>(optimizer_->counters().nonfinite_skips);
    metrics["none_rewards"] = static_cast<double>(advantages.none_rewards);
    metrics["unscorable_samples"] = static_cast<double>(advantages.unscorable_samples);
    const int64_t prompt_tokens = batch.prompt_lengths.sum().item<int64_t>();
    const int64_t completion_tokens = batch.completion_lengths.sum().item<int64_t>();
    const int64_t batch_tokens = prompt_tokens + completion_tokens;
    tokens_seen_ += batch_tokens;
    // Model FLOPs: one forward per rollout token (a prompt is prefilled once for its G
    // samples, then each completion token decoded), one per computed position for the
    // reference and the old policy's log-probs when computed, and forward + backward (3
    // forwards) per computed position and update pass: with shared prompts a prompt's
    // positions count once per micro-batch holding it, as they are computed. Sequences at
    // their mean length; padding not counted.
    const int64_t rows = std::max<int64_t>(batch.prompt_lengths.size(0), 1);
    const double forward = forward_flops_per_token(model_.model->config(), batch_tokens / rows);
    const double rollout_tokens = static_cast<double>(completion_tokens) +
                                  static_cast<double>(prompt_tokens) / grpo_.num_generations;
    const double scoring_positions = static_cast<double>(
        positions_per_pass(batch, grpo_.micro_batch_size, 0, grpo_.shared_prompt_forward));
    const double update_positions = static_cast<double>(positions_per_pass(
        batch, grpo_.micro_batch_size, grpo_.mini_batch_size, grpo_.shared_prompt_forward));
    // The sampler's log-probs as the old policy's cost nothing; only "recompute" runs a pass.
    const double scoring_passes =
        (reference_ ? 1.0 : 0.0) + (grpo_.old_logprobs == "recompute" ? 1.0 : 0.0);
    model_flops = forward * (rollout_tokens + scoring_passes * scoring_positions +
                             3.0 * static_cast<double>(grpo_.num_iterations) * update_positions);
    metrics["num_tokens"] = static_cast<double>(tokens_seen_);
    write_samples(step, groups, advantages.advantages);
    const double seconds = step_timer.seconds();
    metrics["time/step"] = seconds;
    metrics["tokens_per_second"] = static_cast<double>(groups.generated_tokens) / seconds;
    return metrics;
  }

  // Rollouts for one step; with dynamic sampling, more rounds until B groups carry a signal.
  ScoredGroups sample_groups(int64_t step, GenerationSummary& generated, MetricValues& metrics) {
    ScoredGroups kept;
    int64_t rounds = 0;
    const int64_t wanted = grpo_.prompts_per_step;
    const int64_t max_rounds = grpo_.dynamic_sampling ? grpo_.max_sampling_rounds : 1;
    while (kept.groups() < wanted && rounds < max_rounds) {
      const uint64_t seed = derive_seed(
          seed_, "rollout", {static_cast<uint64_t>(step), static_cast<uint64_t>(rounds)});
      ProgressBar progress(stage_.name + " step " + std::to_string(step) + " rollout",
                           collector_.own_samples(wanted), "samples");
      ScoredGroups round = collector_.collect(sampler_.next(wanted), seed, &progress);
      progress.finish();
      // Every rank holds the whole round here (gathered), so the running statistics agree.
      if (normalizer_.any()) normalizer_.update_and_apply(round.scores);
      std::vector<bool> signal =
          groups_with_signal(round, rewards_.weights(), grpo_.num_generations);
      generated.add(round, signal);
      if (!grpo_.dynamic_sampling) signal.assign(signal.size(), true);
      append_groups(kept, std::move(round), signal, wanted, grpo_.num_generations);
      ++rounds;
    }
    if (grpo_.dynamic_sampling) {
      metrics["dynamic_sampling/rounds"] = static_cast<double>(rounds);
      metrics["dynamic_sampling/kept_groups"] = static_cast<double>(kept.groups());
      if (kept.groups() < wanted) {
        R1F_LOG_WARN("grpo step ", step, ": dynamic sampling kept ", kept.groups(), " of ", wanted,
                     " groups after ", rounds, " rounds (max_sampling_rounds)");
      }
    }
    return kept;
  }

  // Old-policy log-probs per grpo.old_logprobs; undefined = exactly on-policy.
  at::Tensor old_logprobs(const RolloutBatch& batch) {
    const int64_t rows = batch.rows();
    const bool single_update =
        grpo_.num_iterations == 1 && (grpo_.mini_batch_size == 0 || grpo_.mini_batch_size >= rows);
    if (grpo_.old_logprobs == "recompute") {
      return score_completions(model_.model, batch, grpo_.micro_batch_size,
                               grpo_.generation.temperature, grpo_.logprob_chunk_rows,
                               grpo_.shared_prompt_forward);
    }
    if (grpo_.old_logprobs == "auto" && single_update) return {};
    return batch.sampler_logprobs;  // the policy has not moved since it sampled these
  }

  // R1 resets the reference to the current policy (alpha 1); TRL mixes (TR-DPO).
  void sync_reference() {
    at::NoGradGuard no_grad;
    auto policy = model_.model->parameters();
    auto reference = reference_->parameters();
    const double alpha = grpo_.ref_model_mixup_alpha;
    for (size_t i = 0; i < policy.size(); ++i) {
      reference[i].mul_(1.0 - alpha).add_(policy[i].detach(), alpha);
    }
    R1F_LOG_INFO("grpo '", stage_.name, "': reference model synced (alpha ", alpha, ")");
  }

  // What a checkpoint needs beyond the tensors to continue exactly.
  nlohmann::json progress() const {
    nlohmann::json progress{{"sampler", sampler_.progress()},
                            {"tokens_seen", tokens_seen_},
                            {"reward_diagnostics", world_diagnostics_}};
    if (normalizer_.any()) progress["reward_normalizer"] = normalizer_.state();
    return progress;
  }

  MetricValues evaluate(int64_t step) {
    RolloutCollector collector(engine_, rewards_, *eval_data_,
                               grpo_.eval_generation().sampling_params(),
                               grpo_.eval.num_generations);
    std::vector<int64_t> rows(eval_data_->rows.size());
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
    // The same seed at every evaluation, so successive evaluations are paired comparisons.
    ProgressBar progress(stage_.name + " eval",
                         collector.own_samples(static_cast<int64_t>(rows.size())), "samples");
    ScoredGroups groups = collector.collect(rows, derive_seed(seed_, "eval"), &progress);
    progress.finish();
    normalizer_.apply(groups.scores);  // the training statistics, not updated by held-out rows
    GenerationSummary summary;
    summary.add(groups, groups_with_signal(groups, rewards_.weights(), grpo_.eval.num_generations));
    MetricValues metrics;
    add_generation_metrics(metrics, summary, rewards_.labels(), rewards_.weights(), "eval/");
    metrics["eval/time"] = groups.rollout_seconds + groups.reward_seconds;
    step_log_->record_evaluation(step, metrics);
    return metrics;
  }

  void write_samples(int64_t step, const ScoredGroups& groups, const at::Tensor& advantages) {
    if (!world().is_main()) return;
    if (step % grpo_.log_completions_steps != 0 && step != grpo_.max_steps) return;
    const int64_t count =
        std::min<int64_t>(grpo_.log_completions, static_cast<int64_t>(groups.samples.size()));
    for (int64_t i = 0; i < count; ++i) {
      const GeneratedSample& sample = groups.samples[i];
      nlohmann::json rewards = nlohmann::json::object();
      for (size_t f = 0; f < groups.scores.size(); ++f) {
        const RewardScore& score = groups.scores[f][i];
        rewards[rewards_.labels()[f]] = score ? nlohmann::json(*score) : nlohmann::json(nullptr);
      }
      nlohmann::ordered_json line = {
          {"step", step},
          {"prompt", train_data_.rows[groups.prompt_rows[sample.prompt_index]].text},
          {"completion", sample.text},
          {"rewards", rewards},
          {"advantage", advantages[i].item<double>()},
          {"tokens", sample.token_ids.size()},
          {"finish_reason", finish_reason_name(sample.finish_reason)}};
      samples_ << line.dump() << "\n";
    }
    samples_.flush();
  }

  const Config& config_;
  const StageConfig& stage_;
  const GrpoConfig& grpo_;
  fs::path directory_;
  uint64_t seed_;
  StageModel model_;
  RewardSet rewards_;
  RunningRewardNormalizer normalizer_;  // rewards with normalize: running; no-op otherwise
  PromptDataset train_data_;
  std::optional<PromptDataset> eval_data_;
  PromptMixSampler sampler_;
  std::unique_ptr<ModelBackend> backend_;
  Engine engine_;
  RolloutCollector collector_;
  Transformer reference_{nullptr};
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<StageCheckpointer> checkpointer_;
  PolicyUpdateConfig update_config_;
  std::unique_ptr<StepLog> step_log_;  // metrics.jsonl, TensorBoard and the console line
  std::ofstream samples_;
  int64_t tokens_seen_ = 0;
  std::map<std::string, double> world_diagnostics_;  // reward counters summed over the ranks
  int64_t resumed_ = 0;  // steps done by an earlier attempt (restored from its checkpoint)
};

}  // namespace

void run_grpo_stage(const Config& config, const StageConfig& stage) {
  R1F_CHECK_CONFIG(stage.grpo.has_value(), "stage '", stage.name, "' has no grpo: section");
  GrpoStage(config, stage).run();
}

}  // namespace r1forge
