// AdamW with HF parameter groups, clipping and a non-finite guard; see optim/optimizer.h.
#include "r1forge/optim/optimizer.h"

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/log.h"
#include "r1forge/optim/gradient_sync.h"
#include "saved_moments.h"

namespace r1forge {

double gradient_norm(const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> norms;
  for (const auto& parameter : parameters) {
    if (parameter.grad().defined())
      norms.push_back(parameter.grad().detach().to(at::kFloat).norm());
  }
  if (norms.empty()) return 0.0;
  return at::stack(norms).norm().item<double>();  // sync point
}

namespace {
int64_t bucket_bytes() {
  return static_cast<int64_t>(world().config().bucket_megabytes * 1024.0 * 1024.0);
}
}  // namespace

Optimizer::Optimizer(torch::nn::Module& model, const OptimizerConfig& config, int64_t total_steps)
    : config_(config), total_steps_(total_steps) {
  R1F_CHECK_CONFIG(total_steps >= 0, "optimizer: total steps must be >= 0, got ", total_steps);
  // HF Trainer: every parameter except biases and norm weights gets weight decay. In this
  // model those are exactly the 1-D parameters.
  std::vector<at::Tensor> decayed, not_decayed;
  std::vector<bool> decay_flags;
  for (auto& item : model.named_parameters()) {
    at::Tensor& parameter = item.value();
    if (!parameter.requires_grad()) continue;
    parameters_.push_back(parameter);
    names_.push_back(item.key());
    decay_flags.push_back(parameter.dim() >= 2);
    (parameter.dim() >= 2 ? decayed : not_decayed).push_back(parameter);
  }
  R1F_CHECK_CONFIG(!parameters_.empty(), "optimizer: the model has no trainable parameters");
  if (world().size() > 1 && world().config().zero_stage == 1) {
    sharded_ = std::make_unique<ShardedAdamW>(
        parameters_, names_, decay_flags,
        ShardedAdamWOptions{config.adam_beta1, config.adam_beta2, config.adam_epsilon,
                            config.weight_decay});
    return;
  }
  auto options = [&](double decay) {
    torch::optim::AdamWOptions o(config.learning_rate);
    o.betas({config.adam_beta1, config.adam_beta2});
    o.eps(config.adam_epsilon);
    o.weight_decay(decay);
    return o;
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (!decayed.empty()) {
    groups.emplace_back(decayed,
                        std::make_unique<torch::optim::AdamWOptions>(options(config.weight_decay)));
  }
  if (!not_decayed.empty()) {
    groups.emplace_back(not_decayed, std::make_unique<torch::optim::AdamWOptions>(options(0.0)));
  }
  adamw_ = std::make_unique<torch::optim::AdamW>(groups, options(config.weight_decay));
  if (world().size() > 1) {
    gradient_sync_ = std::make_unique<GradientSync>(parameters_, bucket_bytes(),
                                                    world().config().overlap_backward);
  }
}

Optimizer::~Optimizer() = default;

void Optimizer::overlap_next_backward() {
  if (gradient_sync_) gradient_sync_->arm();
}

void Optimizer::backward_done() {
  if (gradient_sync_) gradient_sync_->send_rest();
}

void Optimizer::zero_grad() {
  for (auto& parameter : parameters_) parameter.mutable_grad().reset();  // set_to_none
  if (sharded_) sharded_->discard_gradients();
}

StepResult Optimizer::step() {
  StepResult result;
  ++counters_.calls;
  // Data parallel: every rank holds the summed gradient from here on (ZeRO-1: its shard of
  // it), so the norm, the clip, a non-finite skip and the AdamW update agree on every rank.
  // gradient_sync_ exists only without ZeRO-1.
  if (gradient_sync_) gradient_sync_->synchronize();
  // Test hook, on every rank alike (the same call numbers): after the replicated sum (whose
  // buckets may have left during backward), before ZeRO-1's reduce-scatter.
  if (test_nonfinite_gradient(counters_.calls) && parameters_.front().grad().defined()) {
    parameters_.front().grad().fill_(std::numeric_limits<float>::quiet_NaN());
  }
  result.grad_norm = sharded_ ? sharded_->reduce_gradients() : gradient_norm(parameters_);
  result.learning_rate =
      config_.learning_rate * lr_multiplier(config_.schedule, counters_.steps_taken, total_steps_);
  if (!std::isfinite(result.grad_norm)) {
    zero_grad();  // a NaN/inf gradient would poison the Adam moments for good
    ++counters_.nonfinite_skips;
    if (++counters_.consecutive_nonfinite > config_.skip_nonfinite_steps) {
      R1F_THROW(NumericError, counters_.consecutive_nonfinite,
                " consecutive optimizer steps had a non-finite gradient norm (", result.grad_norm,
                ") at update ", counters_.calls, "; skip_nonfinite_steps is ",
                config_.skip_nonfinite_steps,
                ". Training stopped with the parameters of the last good update; the last "
                "checkpoint is untouched. Lower the learning rate, check the data, or raise "
                "optimizer.skip_nonfinite_steps");
    }
    return result;
  }
  counters_.consecutive_nonfinite = 0;
  if (config_.max_grad_norm > 0 && result.grad_norm > config_.max_grad_norm) {
    const double scale = config_.max_grad_norm / (result.grad_norm + 1e-6);  // torch's epsilon
    at::NoGradGuard no_grad;
    if (sharded_) sharded_->scale_gradients(scale);
    for (auto& parameter : parameters_) {
      if (parameter.grad().defined()) parameter.grad().mul_(scale);
    }
  }
  if (sharded_) {
    sharded_->step(result.learning_rate);
  } else {
    for (auto& group : adamw_->param_groups()) group.options().set_lr(result.learning_rate);
    adamw_->step();
  }
  zero_grad();
  ++counters_.steps_taken;
  result.applied = true;
  if (!state_logged_ && world().size() > 1) log_state_bytes();  // data parallel's memory
  return result;
}

int64_t Optimizer::state_bytes() const {
  if (sharded_) return sharded_->state_bytes();
  int64_t bytes = 0;
  for (const auto& [key, state] : adamw_->state()) {
    const auto& adam = static_cast<const torch::optim::AdamWParamState&>(*state);
    bytes += adam.exp_avg().nbytes() + adam.exp_avg_sq().nbytes();
  }
  return bytes;
}

void Optimizer::log_state_bytes() {
  // Once, after the first update (the moments exist from there on), every rank's figures in
  // one line from rank 0: the AdamW state it holds and its peak resident set so far (before
  // any checkpoint). The same step on every rank, so the gather is matched.
  state_logged_ = true;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);  // Linux: ru_maxrss in KiB
  const std::vector<std::string> all = world().all_gather_bytes(
      std::to_string(state_bytes()) + " " + std::to_string(usage.ru_maxrss),
      "all_gather optimizer state sizes");
  auto megabytes = [](double bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f MB", bytes / 1024.0 / 1024.0);
    return std::string(text);
  };
  std::string state, peak;
  for (size_t r = 0; r < all.size(); ++r) {
    const size_t space = all[r].find(' ');
    const std::string bytes = all[r].substr(0, space);
    const std::string rank = (r ? ", rank " : "rank ") + std::to_string(r) + " ";
    state += rank + megabytes(std::stod(bytes)) + " (" + bytes + " B)";
    peak += rank + megabytes(std::stod(all[r].substr(space + 1)) * 1024.0);
  }
  const std::string how =
      sharded_ ? " (ZeRO-1: each rank holds 1/" + std::to_string(world().size()) + " of them)"
      : world().size() > 1 ? " (replicated)"
                           : "";
  R1F_LOG_INFO("optimizer state (AdamW moments) per rank: ", state, how,
               "; peak resident set after the first update: ", peak);
}

std::vector<std::pair<std::string, at::Tensor>> Optimizer::state_tensors() const {
  if (sharded_) return sharded_->state_tensors();
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  const auto& state = adamw_->state();
  for (size_t i = 0; i < parameters_.size(); ++i) {
    auto found = state.find(parameters_[i].unsafeGetTensorImpl());
    if (found == state.end()) continue;  // never stepped: AdamW creates it lazily
    const auto& adam = static_cast<const torch::optim::AdamWParamState&>(*found->second);
    tensors.emplace_back("exp_avg/" + names_[i], adam.exp_avg());
    tensors.emplace_back("exp_avg_sq/" + names_[i], adam.exp_avg_sq());
    tensors.emplace_back("step/" + names_[i], at::full({1}, adam.step(), at::kLong));
  }
  return tensors;
}

void Optimizer::load_state(const std::map<std::string, at::Tensor>& tensors,
                           const OptimizerCounters& counters,
                           const std::string& source) {
  if (sharded_) {
    sharded_->load_state(tensors, source);
    counters_ = counters;
    return;
  }
  auto& state = adamw_->state();
  state.clear();
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const at::Tensor& parameter = parameters_[i];
    std::optional<SavedMoments> saved = find_saved_moments(tensors, names_[i], parameter, source);
    if (!saved) continue;
    auto adam = std::make_unique<torch::optim::AdamWParamState>();
    adam->step(saved->step);
    adam->exp_avg(saved->exp_avg->to(parameter.device(), parameter.scalar_type()).clone());
    adam->exp_avg_sq(saved->exp_avg_sq->to(parameter.device(), parameter.scalar_type()).clone());
    state[parameter.unsafeGetTensorImpl()] = std::move(adam);
  }
  counters_ = counters;
}

}  // namespace r1forge
