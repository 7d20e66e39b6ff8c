// AdamW step values, parameter groups, clipping and the non-finite guard (hand-derived numbers
// in comments), and the learning-rate schedules against HF transformers' formulas.
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <cmath>
#include <limits>

#include "r1forge/core/check.h"
#include "r1forge/optim/lr_schedule.h"
#include "r1forge/optim/optimizer.h"

namespace r1forge {
namespace {

// A module with one matrix (decayed) and one vector (not decayed), both ones.
struct TwoParameters : torch::nn::Module {
  TwoParameters() {
    matrix = register_parameter("matrix", at::ones({1, 1}));
    vector = register_parameter("vector", at::ones({1}));
  }
  at::Tensor matrix, vector;
};

void set_gradients(TwoParameters& module, double matrix_grad, double vector_grad) {
  module.matrix.mutable_grad() = at::full({1, 1}, matrix_grad);
  module.vector.mutable_grad() = at::full({1}, vector_grad);
}

TEST(Optimizer, FirstAdamWStepMatchesHandDerivation) {
  // First Adam step: m = (1-b1) g, v = (1-b2) g^2; bias-corrected m^ = g, v^ = g^2, so the
  // update is lr * g / (|g| + eps) = lr * sign(g) (eps negligible). Decoupled decay first
  // multiplies the matrix by (1 - lr * wd) = 1 - 0.1 * 0.1 = 0.99: matrix 0.99 - 0.1 = 0.89;
  // the vector is not decayed: 1 - 0.1 = 0.9.
  TwoParameters module;
  OptimizerConfig config;
  config.learning_rate = 0.1;
  config.weight_decay = 0.1;
  config.max_grad_norm = 0.0;
  Optimizer optimizer(module, config, /*total_steps=*/10);
  set_gradients(module, 0.5, 0.5);
  StepResult result = optimizer.step();
  EXPECT_TRUE(result.applied);
  EXPECT_NEAR(result.grad_norm, std::sqrt(0.5), 1e-7);  // sqrt(0.25 + 0.25)
  EXPECT_NEAR(module.matrix.item<double>(), 0.89, 1e-6);
  EXPECT_NEAR(module.vector.item<double>(), 0.9, 1e-6);
  EXPECT_FALSE(module.matrix.grad().defined());  // zeroed (set to none) after the step
}

TEST(Optimizer, ClippingScalesTheGradientToTheMaxNorm) {
  // Gradient (3, 4) has norm 5; clipped to 1 it is (0.6, 0.8). Adam's first step is sign-like,
  // so check the second step instead: after step 1 with g1 = (0.6, 0.8) and step 2 with the
  // same clipped gradient, m^ = g and v^ = g^2 again, so each parameter moves 2 * lr.
  TwoParameters module;
  OptimizerConfig config;
  config.learning_rate = 0.01;
  config.max_grad_norm = 1.0;
  Optimizer optimizer(module, config, 10);
  set_gradients(module, 3.0, 4.0);
  EXPECT_NEAR(optimizer.step().grad_norm, 5.0, 1e-6);
  set_gradients(module, 3.0, 4.0);
  optimizer.step();
  EXPECT_NEAR(module.matrix.item<double>(), 1.0 - 0.02, 1e-6);
  EXPECT_NEAR(module.vector.item<double>(), 1.0 - 0.02, 1e-6);
}

TEST(Optimizer, NonFiniteGradientSkipsTheUpdate) {
  TwoParameters module;
  OptimizerConfig config;
  config.learning_rate = 0.1;
  Optimizer optimizer(module, config, 10);
  set_gradients(module, std::numeric_limits<double>::quiet_NaN(), 1.0);
  StepResult result = optimizer.step();
  EXPECT_FALSE(result.applied);
  EXPECT_TRUE(std::isnan(result.grad_norm));
  EXPECT_EQ(module.matrix.item<double>(), 1.0);
  EXPECT_EQ(module.vector.item<double>(), 1.0);
  EXPECT_EQ(optimizer.steps_taken(), 0);
  // The moments were not poisoned: a finite step afterwards moves by lr exactly.
  set_gradients(module, 1.0, 1.0);
  EXPECT_TRUE(optimizer.step().applied);
  EXPECT_NEAR(module.vector.item<double>(), 0.9, 1e-6);
}

TEST(LrSchedule, WarmupThenDecayAsTransformers) {
  LrScheduleConfig config;
  config.warmup_steps = 2;
  // HF get_linear_schedule_with_warmup(2, 10): step/2 for step < 2, then (10 - s) / 8.
  config.lr_scheduler_type = "linear";
  EXPECT_DOUBLE_EQ(lr_multiplier(config, 0, 10), 0.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(config, 1, 10), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(config, 2, 10), 1.0);
  EXPECT_DOUBLE_EQ(lr_multiplier(config, 6, 10), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(config, 10, 10), 0.0);
  // Cosine: 0.5 (1 + cos(pi (s - 2) / 8)); at s = 4, 0.5 (1 + cos(pi/4)) = 0.8535534.
  config.lr_scheduler_type = "cosine";
  EXPECT_NEAR(lr_multiplier(config, 4, 10), 0.8535534, 1e-7);
  EXPECT_NEAR(lr_multiplier(config, 6, 10), 0.5, 1e-12);
  // min_lr_ratio 0.1 maps the decay onto [0.1, 1]: at s = 6, 0.1 + 0.9 * 0.5 = 0.55.
  config.min_lr_ratio = 0.1;
  EXPECT_NEAR(lr_multiplier(config, 6, 10), 0.55, 1e-12);
  EXPECT_NEAR(lr_multiplier(config, 10, 10), 0.1, 1e-12);
  config.lr_scheduler_type = "constant";
  EXPECT_DOUBLE_EQ(lr_multiplier(config, 1, 10), 0.5);
  EXPECT_DOUBLE_EQ(lr_multiplier(config, 9, 10), 1.0);
  // warmup_ratio 0.25 of 10 steps = ceil(2.5) = 3 warmup steps.
  LrScheduleConfig ratio;
  ratio.warmup_ratio = 0.25;
  EXPECT_NEAR(lr_multiplier(ratio, 1, 10), 1.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(lr_multiplier(ratio, 3, 10), 1.0);
}

}  // namespace
}  // namespace r1forge
