// The supervised training loop; see pipeline/sft_trainer.h.
#include "r1forge/pipeline/sft_trainer.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/core/device_copy.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/timer.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/pipeline/stage_checkpointer.h"
#include "r1forge/pipeline/step_log.h"
#include "r1forge/rl/logprobs.h"

namespace r1forge {
namespace fs = std::filesystem;

SftForward sft_forward(Transformer& model, const SftBatch& batch, int64_t chunk_rows) {
  const at::Device device = model->device();
  ForwardInputs inputs;
  inputs.input_ids = to_device(batch.input_ids, device);
  inputs.positions = to_device(batch.positions, device);
  if (batch.segment_ids.defined()) inputs.segment_ids = to_device(batch.segment_ids, device);
  SftForward result;
  result.hidden = model->hidden_states(inputs);  // [N, T, E]
  TokenLogprobOptions options;
  options.chunk_rows = chunk_rows;
  at::Tensor logprobs = compute_token_logprobs(result.hidden, model->output_embedding(),
                                               to_device(batch.targets, device), options)
                            .logprobs;  // [N, T] fp32
  result.nll_sum = -(logprobs * to_device(batch.loss_mask, device)).sum();
  return result;
}

SftTrainer::SftTrainer(const SftConfig& config,
                       StageModel& model,
                       fs::path directory,
                       std::string stage_name,
                       uint64_t seed,
                       bool text_rows)
    : config_(config),
      model_(model),
      directory_(std::move(directory)),
      name_(std::move(stage_name)),
      seed_(seed),
      stage_config_(to_yaml(config)),
      train_(load_sft_dataset(config.data, *model.tokenizer, text_rows, model.chat())) {
  if (!config.eval_path.empty()) {
    SftDataConfig held_out_data = config.data;
    held_out_data.path = config.eval_path;
    held_out_data.max_examples = 0;
    held_out_ = load_sft_dataset(held_out_data, *model.tokenizer, text_rows, model.chat());
  } else {
    held_out_ = split_held_out(train_, config.eval_fraction);
  }
  if (config.packing) {
    rows_ = pack_first_fit_decreasing(train_.examples, config.data.max_length);
  } else {
    for (size_t i = 0; i < train_.examples.size(); ++i) rows_.push_back({static_cast<int64_t>(i)});
  }
  const int64_t rows = static_cast<int64_t>(rows_.size());
  const int64_t steps_per_epoch = (rows + config.batch_size - 1) / config.batch_size;
  total_steps_ = config.max_steps > 0 ? config.max_steps : config.num_epochs * steps_per_epoch;
  const int64_t micro_batches =
      (config.batch_size + config.micro_batch_size - 1) / config.micro_batch_size;
  if (micro_batches < world().size() && world().is_main()) {
    R1F_LOG_WARN(name_, ": ", micro_batches, " micro-batches a step for ", world().size(),
                 " data-parallel ranks: ", world().size() - micro_batches,
                 " rank(s) idle; set micro_batch_size <= batch_size / ", world().size());
  }
  R1F_LOG_INFO(name_, ": ", train_.examples.size(), " examples (", train_.tokens(), " tokens, ",
               train_.truncated, " truncated, ", train_.skipped, " skipped) in ", rows,
               config.packing ? " packed rows" : " rows", "; ", held_out_.examples.size(),
               " held out; ", total_steps_, " steps of ", config.batch_size, " rows");
}

MetricValues SftTrainer::train_step(const std::vector<std::vector<int64_t>>& rows,
                                    Optimizer& optimizer) {
  // Count the step's targets first: every micro-batch's sum is divided by the step's total,
  // so the gradient is that of the token mean over the whole step whatever the split.
  int64_t targets = 0;
  std::vector<SftBatch> micro_batches;
  for (size_t start = 0; start < rows.size(); start += config_.micro_batch_size) {
    const size_t end = std::min(rows.size(), start + config_.micro_batch_size);
    std::vector<std::vector<int64_t>> part(rows.begin() + start, rows.begin() + end);
    micro_batches.push_back(make_sft_batch(train_.examples, part, model_.pad_id,
                                           config_.completion_only_loss, config_.packing));
    targets += micro_batches.back().target_tokens;
  }
  // Data parallel: micro-batch k is rank k % world's (core/distributed.h). Every rank built
  // every micro-batch (token ids only) to know the step's target count, so each divides by the
  // whole step's count and the summed gradients are one process's.
  MetricValues sums;
  const int64_t last_owned = last_owned_item(static_cast<int64_t>(micro_batches.size()));
  for (size_t k = 0; k < micro_batches.size(); ++k) {
    if (!owns_item(static_cast<int64_t>(k))) continue;
    if (static_cast<int64_t>(k) == last_owned) optimizer.overlap_next_backward();
    micro_batch_ = static_cast<int64_t>(k);
    const SftBatch& batch = micro_batches[k];
    SftForward forward = sft_forward(model_.model, batch, config_.logprob_chunk_rows);
    at::Tensor loss = forward.nll_sum * nll_weight_;
    if (auxiliary_) loss = loss + auxiliary_(batch, forward.hidden, sums);
    (loss / static_cast<double>(std::max<int64_t>(targets, 1))).backward();
    sums["nll"] += forward.nll_sum.item<double>();  // sync point, once per micro-batch
  }
  optimizer.backward_done();  // the gradient buckets go before the sums' collective
  sums = sum_over_ranks(sums, "all_reduce sft step sums");
  const double nll = sums["nll"];
  sums.erase("nll");
  MetricValues metrics;
  metrics["loss"] = nll / static_cast<double>(std::max<int64_t>(targets, 1));
  for (const auto& [key, value] : sums) {
    metrics[key] = value / static_cast<double>(std::max<int64_t>(targets, 1));
  }
  metrics["target_tokens"] = static_cast<double>(targets);
  return metrics;
}

double SftTrainer::held_out_loss() {
  at::NoGradGuard no_grad;
  double nll = 0.0;
  int64_t targets = 0;
  const int64_t count = static_cast<int64_t>(held_out_.examples.size());
  for (int64_t start = 0; start < count; start += config_.micro_batch_size) {
    if (!owns_item(start / config_.micro_batch_size)) continue;  // data parallel, as training
    std::vector<std::vector<int64_t>> part;
    for (int64_t i = start; i < std::min(count, start + config_.micro_batch_size); ++i) {
      part.push_back({i});
    }
    SftBatch batch = make_sft_batch(held_out_.examples, part, model_.pad_id,
                                    config_.completion_only_loss, /*packed=*/false);
    nll += sft_forward(model_.model, batch, config_.logprob_chunk_rows).nll_sum.item<double>();
    targets += batch.target_tokens;
  }
  const std::vector<double> total = all_reduce_sum(
      std::vector<double>{nll, static_cast<double>(targets)}, "all_reduce held-out loss");
  return total[0] / std::max(total[1], 1.0);
}

SftResult SftTrainer::run() {
  fs::create_directories(directory_);
  model_.model->train();
  Optimizer optimizer(*model_.model, config_.optimizer, total_steps_);
  StageCheckpointer checkpointer(directory_, config_.checkpoint, name_, stage_config_, model_,
                                 optimizer, /*reference=*/nullptr);
  PromptSampler sampler(static_cast<int64_t>(rows_.size()), /*shuffle=*/true,
                        derive_seed(seed_, "sft-order"));
  SftResult result;
  int64_t tokens_seen = 0;
  int64_t rows_consumed = 0;
  // A checkpoint continues exactly: weights, AdamW state, data position, running totals.
  TrainingState resumed = checkpointer.resume();
  if (resumed.step > 0) {
    const nlohmann::json& progress = resumed.progress;
    restore_sampler(sampler, progress.at("sampler"), checkpointer.checkpoints(), config_.data.path);
    tokens_seen = progress.at("tokens_seen").get<int64_t>();
    rows_consumed = progress.at("rows_consumed").get<int64_t>();
    result.final_loss = progress.value("final_loss", 0.0);
    result.held_out_loss = progress.value("held_out_loss", -1.0);
    result.steps = resumed.step;
  }
  StepLogOptions log_options;
  log_options.stage = name_;
  log_options.total_steps = total_steps_;
  log_options.resumed_steps = resumed.step;
  log_options.logging_steps = config_.logging_steps;
  log_options.peak_flops_per_second = stage_peak_flops(*model_.model);
  if (world().is_main()) {  // rank 0 writes the run folder; the others compute
    prepare_step_logs(directory_, resumed.step, {"metrics.jsonl"}, name_);
    log_options.metrics_path = directory_ / "metrics.jsonl";
  }
  StepLog step_log(std::move(log_options));
  const int64_t rows_per_epoch = static_cast<int64_t>(rows_.size());
  // The last step of an epoch takes what is left, so an epoch is exactly one pass.
  auto rows_this_step = [&] {
    const int64_t left = rows_per_epoch - sampler.position() % rows_per_epoch;
    return config_.max_steps > 0 ? config_.batch_size : std::min<int64_t>(config_.batch_size, left);
  };
  auto progress = [&] {
    return nlohmann::json{{"sampler", sampler_progress(sampler)},
                          {"rows_consumed", rows_consumed},
                          {"tokens_seen", tokens_seen},
                          {"final_loss", result.final_loss},
                          {"held_out_loss", result.held_out_loss}};
  };
  for (int64_t step = resumed.step + 1; step <= total_steps_; ++step) {
    Timer timer;
    step_ = step;
    const int64_t take = rows_this_step();
    std::vector<std::vector<int64_t>> rows;
    int64_t input_tokens = 0;  // every example's tokens, for the step's model FLOPs
    for (int64_t index : sampler.next(take)) {
      rows.push_back(rows_[index]);
      for (int64_t example : rows_[index]) {
        input_tokens += static_cast<int64_t>(train_.examples[example].ids.size());
      }
    }
    MetricValues metrics = train_step(rows, optimizer);
    test_stall_point("mid_step", step);
    StepResult update = optimizer.step();
    tokens_seen += static_cast<int64_t>(metrics["target_tokens"]);
    metrics["grad_norm"] = update.grad_norm;
    metrics["learning_rate"] = update.learning_rate;
    metrics["skipped_updates"] = update.applied ? 0.0 : 1.0;
    metrics["nonfinite_skips"] = static_cast<double>(optimizer.counters().nonfinite_skips);
    rows_consumed += take;
    metrics["epoch"] = static_cast<double>(rows_consumed) / static_cast<double>(rows_per_epoch);
    metrics["num_tokens"] = static_cast<double>(tokens_seen);
    const double seconds = timer.seconds();
    metrics["time/step"] = seconds;
    metrics["tokens_per_second"] = metrics["target_tokens"] / std::max(seconds, 1e-9);
    result.final_loss = metrics["loss"];
    const bool last = step == total_steps_;
    if (!held_out_.examples.empty() &&
        (last || (config_.eval_steps > 0 && step % config_.eval_steps == 0))) {
      result.held_out_loss = held_out_loss();
      metrics["eval/loss"] = result.held_out_loss;
    }
    // The model FLOPs of training the rows, at their mean length (a distillation teacher's
    // forward is not counted: MFU is the student's).
    const int64_t sequence_length = input_tokens / std::max<int64_t>(take, 1);
    step_log.record(step, metrics,
                    training_flops_per_token(model_.model->config(), sequence_length) *
                        static_cast<double>(input_tokens));
    result.steps = step;
    checkpointer.after_step(step, last, progress, metrics);
  }
  model_.model->eval();
  save_stage_model(model_, directory_ / "final");  // rank 0 writes; every rank waits for it
  R1F_LOG_INFO(name_, ": final model in ", (directory_ / "final").string());
  return result;
}

}  // namespace r1forge
