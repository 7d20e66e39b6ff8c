// ZeRO-1's AdamW (optim/sharded_adamw.h) against torch::optim::AdamW, its oracle, in one
// process (one shard holding everything; two processes are integration.zero_sharding): the
// same parameters bit for bit over several steps with weight decay on the matrices only, a
// parameter left without a gradient on one step, a clipped step, and the checkpoint state in
// the replicated optimizer's names and values, loadable both ways.
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <map>

#include "r1forge/core/check.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/optim/sharded_adamw.h"

namespace r1forge {
namespace {

// Odd sizes so that the flat layout has parameters straddling what would be shard borders.
struct Mixed : torch::nn::Module {
  Mixed() {
    at::manual_seed(3);
    weight = register_parameter("weight", at::randn({5, 7}));
    bias = register_parameter("bias", at::randn({7}));
    norm = register_parameter("norm", at::ones({3}));
    other = register_parameter("other", at::randn({2, 3, 2}));
  }
  at::Tensor weight, bias, norm, other;
};

std::vector<at::Tensor> gradients_for(int64_t step, const Mixed& module) {
  at::manual_seed(100 + step);
  std::vector<at::Tensor> grads;
  for (const auto& parameter : module.parameters()) grads.push_back(at::randn_like(parameter) * 3);
  return grads;
}

TEST(ShardedAdamW, MatchesTorchAdamWBitForBit) {
  const double lr = 0.05, wd = 0.1;
  Mixed reference, sharded_module;
  std::vector<at::Tensor> decayed, not_decayed;
  for (auto& p : reference.parameters()) (p.dim() >= 2 ? decayed : not_decayed).push_back(p);
  auto options = [&](double decay) {
    torch::optim::AdamWOptions o(lr);
    o.betas({0.9, 0.95});
    o.eps(1e-6);
    o.weight_decay(decay);
    return o;
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decayed, std::make_unique<torch::optim::AdamWOptions>(options(wd)));
  groups.emplace_back(not_decayed, std::make_unique<torch::optim::AdamWOptions>(options(0.0)));
  torch::optim::AdamW torch_adamw(groups, options(wd));

  std::vector<at::Tensor> parameters;
  std::vector<std::string> names;
  std::vector<bool> decay_flags;
  for (auto& item : sharded_module.named_parameters()) {
    parameters.push_back(item.value());
    names.push_back(item.key());
    decay_flags.push_back(item.value().dim() >= 2);
  }
  ShardedAdamW sharded(parameters, names, decay_flags, {0.9, 0.95, 1e-6, wd});

  for (int64_t step = 1; step <= 4; ++step) {
    std::vector<at::Tensor> grads = gradients_for(step, reference);
    auto ref_params = reference.parameters();
    for (size_t i = 0; i < parameters.size(); ++i) {
      if (step == 2 && i == 1) continue;  // "bias" has no gradient on step 2: skipped
      ref_params[i].mutable_grad() = grads[i].clone();
      parameters[i].mutable_grad() = grads[i].clone();
    }
    const double norm = sharded.reduce_gradients();
    double expected = 0;
    for (size_t i = 0; i < grads.size(); ++i) {
      if (!(step == 2 && i == 1)) expected += grads[i].square().sum().item<double>();
    }
    EXPECT_NEAR(norm, std::sqrt(expected), 1e-5 * std::sqrt(expected));
    if (step == 3) {  // clipping scales the shard as the replicated path scales the gradients
      sharded.scale_gradients(0.25);
      at::NoGradGuard no_grad;
      for (auto& p : ref_params) p.grad().mul_(0.25);
    }
    torch_adamw.step();
    sharded.step(lr);
    torch_adamw.zero_grad(true);
    for (auto& p : parameters) p.mutable_grad().reset();
    for (size_t i = 0; i < parameters.size(); ++i) {
      EXPECT_TRUE(at::equal(parameters[i], ref_params[i])) << names[i] << " at step " << step;
    }
  }
  EXPECT_EQ(sharded.state_bytes(), 2 * (35 + 7 + 3 + 12) * 4);

  // The state, named and valued as the replicated optimizer's (an Optimizer over a copy).
  std::map<std::string, at::Tensor> saved;
  for (auto& [name, tensor] : sharded.state_tensors()) saved[name] = tensor.clone();
  EXPECT_EQ(saved.size(), 12u);
  const auto& state = torch_adamw.state();
  auto ref_params = reference.parameters();
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& adam = static_cast<const torch::optim::AdamWParamState&>(
        *state.at(ref_params[i].unsafeGetTensorImpl()));
    EXPECT_TRUE(at::equal(saved.at("exp_avg/" + names[i]), adam.exp_avg())) << names[i];
    EXPECT_TRUE(at::equal(saved.at("exp_avg_sq/" + names[i]), adam.exp_avg_sq())) << names[i];
    EXPECT_EQ(saved.at("step/" + names[i]).item<int64_t>(), adam.step()) << names[i];
  }
  EXPECT_EQ(saved.at("step/bias").item<int64_t>(), 3);  // it missed step 2

  // Loaded into a fresh one, the next step equals the original's.
  Mixed resumed_module;
  std::vector<at::Tensor> resumed_parameters;
  for (auto& p : resumed_module.parameters()) resumed_parameters.push_back(p);
  {
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < parameters.size(); ++i) resumed_parameters[i].copy_(parameters[i]);
  }
  ShardedAdamW resumed(resumed_parameters, names, decay_flags, {0.9, 0.95, 1e-6, wd});
  resumed.load_state(saved, "test");
  std::vector<at::Tensor> grads = gradients_for(5, reference);
  for (size_t i = 0; i < parameters.size(); ++i) {
    parameters[i].mutable_grad() = grads[i].clone();
    resumed_parameters[i].mutable_grad() = grads[i].clone();
  }
  sharded.reduce_gradients();
  resumed.reduce_gradients();
  sharded.step(lr);
  resumed.step(lr);
  for (size_t i = 0; i < parameters.size(); ++i) {
    EXPECT_TRUE(at::equal(parameters[i], resumed_parameters[i])) << names[i];
  }
}

TEST(ShardedAdamW, LoadStateRejectsAWrongShape) {
  Mixed module;
  std::vector<at::Tensor> parameters;
  std::vector<std::string> names;
  for (auto& item : module.named_parameters()) {
    parameters.push_back(item.value());
    names.push_back(item.key());
  }
  ShardedAdamW sharded(parameters, names, std::vector<bool>(names.size(), false), {});
  std::map<std::string, at::Tensor> state = {{"step/bias", at::full({1}, 1, at::kLong)},
                                             {"exp_avg/bias", at::zeros({6})},
                                             {"exp_avg_sq/bias", at::zeros({7})}};
  EXPECT_THROW(sharded.load_state(state, "ckpt/optimizer.safetensors"), DataError);
  state.erase("exp_avg_sq/bias");
  EXPECT_THROW(sharded.load_state(state, "ckpt/optimizer.safetensors"), DataError);
}

}  // namespace
}  // namespace r1forge
