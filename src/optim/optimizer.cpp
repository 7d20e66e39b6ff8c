// AdamW with HF parameter groups, clipping and a non-finite guard; see optim/optimizer.h.
#include "r1forge/optim/optimizer.h"

#include <cmath>

#include "r1forge/core/check.h"

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

Optimizer::Optimizer(torch::nn::Module& model, const OptimizerConfig& config, int64_t total_steps)
    : config_(config), total_steps_(total_steps) {
  R1F_CHECK_CONFIG(total_steps >= 0, "optimizer: total steps must be >= 0, got ", total_steps);
  // HF Trainer: every parameter except biases and norm weights gets weight decay. In this
  // model those are exactly the 1-D parameters.
  std::vector<at::Tensor> decayed, not_decayed;
  for (auto& parameter : model.parameters()) {
    if (!parameter.requires_grad()) continue;
    parameters_.push_back(parameter);
    (parameter.dim() >= 2 ? decayed : not_decayed).push_back(parameter);
  }
  R1F_CHECK_CONFIG(!parameters_.empty(), "optimizer: the model has no trainable parameters");
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
}

void Optimizer::zero_grad() {
  adamw_->zero_grad(/*set_to_none=*/true);
}

StepResult Optimizer::step() {
  StepResult result;
  result.grad_norm = gradient_norm(parameters_);
  result.learning_rate =
      config_.learning_rate * lr_multiplier(config_.schedule, steps_taken_, total_steps_);
  if (!std::isfinite(result.grad_norm)) {
    zero_grad();  // a NaN/inf gradient would poison the Adam moments for good
    return result;
  }
  if (config_.max_grad_norm > 0 && result.grad_norm > config_.max_grad_norm) {
    const double scale = config_.max_grad_norm / (result.grad_norm + 1e-6);  // torch's epsilon
    at::NoGradGuard no_grad;
    for (auto& parameter : parameters_) {
      if (parameter.grad().defined()) parameter.grad().mul_(scale);
    }
  }
  for (auto& group : adamw_->param_groups()) group.options().set_lr(result.learning_rate);
  adamw_->step();
  zero_grad();
  ++steps_taken_;
  result.applied = true;
  return result;
}

}  // namespace r1forge
