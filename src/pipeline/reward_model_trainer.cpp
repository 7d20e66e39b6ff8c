// The reward-model training loop; see pipeline/reward_model_trainer.h.
#include "r1forge/pipeline/reward_model_trainer.h"

#include <algorithm>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/timer.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_checkpointer.h"
#include "r1forge/pipeline/step_log.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

// Model FLOPs of training on `tokens` real tokens of `pairs` pairs (2 sequences each): the
// causal LM's training FLOPs less its vocabulary head, which a reward model replaces by a
// [1, E] score (counted too; 6 FLOPs per weight per token as everywhere).
double preference_model_flops(const ModelConfig& config, double tokens, int64_t pairs) {
  const int64_t sequence_length = static_cast<int64_t>(tokens) / std::max<int64_t>(2 * pairs, 1);
  const double head = 6.0 * static_cast<double>(config.vocab_size) * config.hidden_size;
  const double score = 6.0 * static_cast<double>(config.hidden_size);
  return (training_flops_per_token(config, sequence_length) - head + score) * tokens;
}

}  // namespace

PreferenceBatch make_preference_batch(const std::vector<PreferencePair>& pairs,
                                      const std::vector<int64_t>& indices,
                                      int64_t pad_id) {
  const int64_t count = static_cast<int64_t>(indices.size());
  R1F_CHECK(count > 0, "a preference batch needs at least one pair");
  int64_t length = 0;
  for (int64_t index : indices) {
    const PreferencePair& pair = pairs.at(index);
    R1F_CHECK_DATA(!pair.chosen_ids.empty() && !pair.rejected_ids.empty(),
                   "preference pair of line ", pair.line, " has an empty side");
    length = std::max<int64_t>(length, std::max(pair.chosen_ids.size(), pair.rejected_ids.size()));
  }
  PreferenceBatch batch;
  batch.pairs = count;
  batch.input_ids = at::full({2 * count, length}, pad_id, at::kLong);
  batch.attention_mask = at::zeros({2 * count, length}, at::kLong);
  batch.margins = at::zeros({count}, at::kFloat);
  auto ids = batch.input_ids.accessor<int64_t, 2>();
  auto mask = batch.attention_mask.accessor<int64_t, 2>();
  auto margins = batch.margins.accessor<float, 1>();
  for (int64_t p = 0; p < count; ++p) {
    const PreferencePair& pair = pairs[indices[p]];
    margins[p] = static_cast<float>(pair.margin);
    for (int64_t side = 0; side < 2; ++side) {
      const std::vector<int64_t>& row = side == 0 ? pair.chosen_ids : pair.rejected_ids;
      const int64_t r = side * count + p;  // chosen rows first, then rejected
      for (size_t t = 0; t < row.size(); ++t) {
        ids[r][t] = row[t];
        mask[r][t] = 1;
      }
      batch.tokens += static_cast<int64_t>(row.size());
    }
  }
  return batch;
}

BradleyTerryResult preference_loss(RewardModel& model,
                                   const PreferenceBatch& batch,
                                   const BradleyTerryConfig& config) {
  const at::Device device = model->device();
  const at::Tensor scores =
      model->forward(batch.input_ids.to(device), batch.attention_mask.to(device));  // [2P] fp32
  const int64_t count = batch.pairs;
  return bradley_terry_loss(scores.slice(0, 0, count), scores.slice(0, count, 2 * count),
                            batch.margins.to(device), config);
}

PreferenceDataset held_out_preferences(const RewardModelConfig& config,
                                       PreferenceDataset& train,
                                       const Tokenizer& tokenizer,
                                       const ChatTemplate* chat_template) {
  if (!config.eval_data.path.empty()) {
    return load_preference_dataset(config.eval_data, tokenizer, chat_template);
  }
  PreferenceDataset held_out;
  if (config.eval_fraction <= 0.0) return held_out;
  // The last share of the file, as sft's eval_fraction: the split does not move with the seed.
  const int64_t total = static_cast<int64_t>(train.pairs.size());
  const int64_t count =
      std::max<int64_t>(1, static_cast<int64_t>(config.eval_fraction * static_cast<double>(total)));
  R1F_CHECK_CONFIG(count < total, "reward_model.eval_fraction ", config.eval_fraction, " of ",
                   total, " pairs of ", config.data.path, " leaves nothing to train on");
  held_out.pairs.assign(train.pairs.end() - count, train.pairs.end());
  train.pairs.resize(total - count);
  return held_out;
}

RewardModelTrainer::RewardModelTrainer(const RewardModelConfig& config,
                                       RewardModel& model,
                                       CheckpointModel checkpoint,
                                       PreferenceDataset train,
                                       PreferenceDataset held_out,
                                       int64_t pad_id,
                                       fs::path directory,
                                       std::string stage_name,
                                       uint64_t seed,
                                       std::string stage_config)
    : config_(config),
      model_(model),
      checkpoint_(std::move(checkpoint)),
      train_(std::move(train)),
      held_out_(std::move(held_out)),
      pad_id_(pad_id),
      directory_(std::move(directory)),
      name_(std::move(stage_name)),
      seed_(seed),
      stage_config_(std::move(stage_config)) {
  const int64_t pairs = static_cast<int64_t>(train_.pairs.size());
  R1F_CHECK_DATA(pairs > 0, config.data.path, ": no preference pairs left to train on");
  const int64_t steps_per_epoch = (pairs + config.batch_size - 1) / config.batch_size;
  total_steps_ = config.max_steps > 0 ? config.max_steps : config.num_epochs * steps_per_epoch;
  const int64_t micro_batches =
      (config.batch_size + config.micro_batch_size - 1) / config.micro_batch_size;
  if (micro_batches < world().size() && world().is_main()) {
    R1F_LOG_WARN(name_, ": ", micro_batches, " micro-batches a step for ", world().size(),
                 " data-parallel ranks: ", world().size() - micro_batches,
                 " rank(s) idle; set micro_batch_size <= batch_size / ", world().size());
  }
  R1F_LOG_INFO(name_, ": ", pairs, " preference pairs (", train_.truncated, " truncated, ",
               train_.skipped, " skipped, ", train_.filtered, " of another aspect); ",
               held_out_.pairs.size(), " held out; ", total_steps_, " steps of ", config.batch_size,
               " pairs");
}

MetricValues RewardModelTrainer::train_step(const std::vector<int64_t>& pairs,
                                            Optimizer& optimizer) {
  // Each micro-batch's loss is its pair mean; weighted by its share of the step's pairs, the
  // summed gradients are those of the mean over the whole step whatever the split.
  const int64_t step_pairs = static_cast<int64_t>(pairs.size());
  const int64_t micro_batches =
      (step_pairs + config_.micro_batch_size - 1) / config_.micro_batch_size;
  // Data parallel: micro-batch k is rank k % world's (core/distributed.h).
  const int64_t last_owned = last_owned_item(micro_batches);
  MetricValues sums;
  for (int64_t k = 0; k < micro_batches; ++k) {
    if (!owns_item(k)) continue;
    const auto begin = pairs.begin() + k * config_.micro_batch_size;
    const auto end = pairs.begin() + std::min(step_pairs, (k + 1) * config_.micro_batch_size);
    const PreferenceBatch batch = make_preference_batch(train_.pairs, {begin, end}, pad_id_);
    if (k == last_owned) optimizer.overlap_next_backward();
    BradleyTerryResult result = preference_loss(model_, batch, config_.loss);
    const double share = static_cast<double>(batch.pairs) / static_cast<double>(step_pairs);
    (result.loss * share).backward();
    const double count = static_cast<double>(batch.pairs);
    sums["loss"] += result.loss.item<double>() * count;
    sums["correct"] += static_cast<double>(result.correct_pairs);
    sums["margin"] += result.margin * count;
    sums["chosen_reward"] += result.chosen_reward * count;
    sums["rejected_reward"] += result.rejected_reward * count;
    sums["tokens"] += static_cast<double>(batch.tokens);
  }
  optimizer.backward_done();  // the gradient buckets go before the sums' collective
  sums = sum_over_ranks(sums, "all_reduce reward model step sums");
  const double count = static_cast<double>(step_pairs);
  MetricValues metrics;
  metrics["loss"] = sums["loss"] / count;
  metrics["accuracy"] = sums["correct"] / count;
  metrics["margin"] = sums["margin"] / count;
  metrics["chosen_reward"] = sums["chosen_reward"] / count;
  metrics["rejected_reward"] = sums["rejected_reward"] / count;
  metrics["pairs"] = count;
  metrics["tokens"] = sums["tokens"];
  return metrics;
}

MetricValues RewardModelTrainer::evaluate() {
  at::NoGradGuard no_grad;
  model_->eval();
  MetricValues sums;
  const int64_t count = static_cast<int64_t>(held_out_.pairs.size());
  for (int64_t start = 0; start < count; start += config_.micro_batch_size) {
    if (!owns_item(start / config_.micro_batch_size)) continue;  // data parallel, as training
    std::vector<int64_t> indices;
    for (int64_t i = start; i < std::min(count, start + config_.micro_batch_size); ++i) {
      indices.push_back(i);
    }
    const PreferenceBatch batch = make_preference_batch(held_out_.pairs, indices, pad_id_);
    BradleyTerryResult result = preference_loss(model_, batch, config_.loss);
    sums["loss"] += result.loss.item<double>() * static_cast<double>(batch.pairs);
    sums["correct"] += static_cast<double>(result.correct_pairs);
    sums["margin"] += result.margin * static_cast<double>(batch.pairs);
  }
  sums = sum_over_ranks(sums, "all_reduce held-out pair sums");
  model_->train();
  const double pairs = static_cast<double>(std::max<int64_t>(count, 1));
  return {{"eval/loss", sums["loss"] / pairs},
          {"eval/accuracy", sums["correct"] / pairs},
          {"eval/margin", sums["margin"] / pairs}};
}

RewardModelResult RewardModelTrainer::run() {
  fs::create_directories(directory_);
  model_->train();
  Optimizer optimizer(*model_, config_.optimizer, total_steps_);
  StageCheckpointer checkpointer(directory_, config_.checkpoint, name_, stage_config_, checkpoint_,
                                 optimizer, /*reference=*/nullptr);
  const int64_t pairs_per_epoch = static_cast<int64_t>(train_.pairs.size());
  PromptSampler sampler(pairs_per_epoch, /*shuffle=*/true,
                        derive_seed(seed_, "reward-model-order"));
  RewardModelResult result;
  result.train_pairs = pairs_per_epoch;
  result.held_out_pairs = static_cast<int64_t>(held_out_.pairs.size());
  int64_t tokens_seen = 0;
  int64_t pairs_consumed = 0;
  // A checkpoint continues exactly: weights, AdamW state, data position, running totals.
  TrainingState resumed = checkpointer.resume();
  if (resumed.step > 0) {
    const nlohmann::json& progress = resumed.progress;
    restore_sampler(sampler, progress.at("sampler"), checkpointer.checkpoints(), config_.data.path);
    tokens_seen = progress.at("tokens_seen").get<int64_t>();
    pairs_consumed = progress.at("pairs_consumed").get<int64_t>();
    result.final_loss = progress.value("final_loss", 0.0);
    result.held_out_loss = progress.value("held_out_loss", -1.0);
    result.held_out_accuracy = progress.value("held_out_accuracy", -1.0);
    result.steps = resumed.step;
  }
  StepLogOptions log_options;
  log_options.stage = name_;
  log_options.total_steps = total_steps_;
  log_options.resumed_steps = resumed.step;
  log_options.logging_steps = config_.logging_steps;
  log_options.peak_flops_per_second = stage_peak_flops(*model_);
  if (world().is_main()) {  // rank 0 writes the run folder; the others compute
    prepare_step_logs(directory_, resumed.step, {"metrics.jsonl"}, name_);
    log_options.metrics_path = directory_ / "metrics.jsonl";
  }
  StepLog step_log(std::move(log_options));
  auto progress = [&] {
    return nlohmann::json{{"sampler", sampler_progress(sampler)},
                          {"pairs_consumed", pairs_consumed},
                          {"tokens_seen", tokens_seen},
                          {"final_loss", result.final_loss},
                          {"held_out_loss", result.held_out_loss},
                          {"held_out_accuracy", result.held_out_accuracy}};
  };
  for (int64_t step = resumed.step + 1; step <= total_steps_; ++step) {
    Timer timer;
    // The last step of an epoch takes what is left, so an epoch is exactly one pass.
    const int64_t left = pairs_per_epoch - sampler.position() % pairs_per_epoch;
    const int64_t take =
        config_.max_steps > 0 ? config_.batch_size : std::min(config_.batch_size, left);
    MetricValues metrics = train_step(sampler.next(take), optimizer);
    test_stall_point("mid_step", step);
    StepResult update = optimizer.step();
    tokens_seen += static_cast<int64_t>(metrics["tokens"]);
    pairs_consumed += take;
    metrics["grad_norm"] = update.grad_norm;
    metrics["learning_rate"] = update.learning_rate;
    metrics["skipped_updates"] = update.applied ? 0.0 : 1.0;
    metrics["nonfinite_skips"] = static_cast<double>(optimizer.counters().nonfinite_skips);
    metrics["epoch"] = static_cast<double>(pairs_consumed) / static_cast<double>(pairs_per_epoch);
    metrics["num_tokens"] = static_cast<double>(tokens_seen);
    const double seconds = timer.seconds();
    metrics["time/step"] = seconds;
    metrics["tokens_per_second"] = metrics["tokens"] / std::max(seconds, 1e-9);
    result.final_loss = metrics["loss"];
    const bool last = step == total_steps_;
    if (!held_out_.pairs.empty() &&
        (last || (config_.eval_steps > 0 && step % config_.eval_steps == 0))) {
      for (const auto& [key, value] : evaluate()) metrics[key] = value;
      result.held_out_loss = metrics["eval/loss"];
      result.held_out_accuracy = metrics["eval/accuracy"];
    }
    step_log.record(step, metrics,
                    preference_model_flops(model_->config(), metrics["tokens"], take));
    result.steps = step;
    checkpointer.after_step(step, last, progress, metrics);
  }
  model_->eval();
  return result;
}

}  // namespace r1forge
