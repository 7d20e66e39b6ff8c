// AdamW step values, parameter groups, clipping and the non-finite guard (hand-derived numbers
// in comments), and the learning-rate schedules against HF transformers' formulas.
#include <gtest/gtest.h>
#include <torch/nn/module.h>

#include <cmath>
#include <limits>
#include <map>

#include "device_test_util.h"
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
  const at::TensorOptions options = module.matrix.options();
  module.matrix.mutable_grad() = at::full({1, 1}, matrix_grad, options);
  module.vector.mutable_grad() = at::full({1}, vector_grad, options);
}

// The AdamW tests that take a device: the same hand-derived values and bit-exact continuation
// with the parameters and moments on CUDA.
class OptimizerOn : public ::testing::TestWithParam<at::Device> {
 protected:
  void SetUp() override { R1F_SKIP_UNLESS_AVAILABLE(device()); }
  at::Device device() const { return GetParam(); }
  // A TwoParameters on the test's device.
  void place(TwoParameters& module) const { module.to(device()); }
};

TEST_P(OptimizerOn, FirstAdamWStepMatchesHandDerivation) {
  // First Adam step: m = (1-b1) g, v = (1-b2) g^2; bias-corrected m^ = g, v^ = g^2, so the
  // update is lr * g / (|g| + eps) = lr * sign(g) (eps negligible). Decoupled decay first
  // multiplies the matrix by (1 - lr * wd) = 1 - 0.1 * 0.1 = 0.99: matrix 0.99 - 0.1 = 0.89;
  // the vector is not decayed: 1 - 0.1 = 0.9.
  TwoParameters module;
  place(module);
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

TEST(Optimizer, TooManyNonFiniteStepsInARowAbort) {
  // skip_nonfinite_steps 2: two skips in a row are tolerated, the third aborts; a finite step
  // in between resets the run of skips (but not the total).
  TwoParameters module;
  OptimizerConfig config;
  config.learning_rate = 0.1;
  config.skip_nonfinite_steps = 2;
  Optimizer optimizer(module, config, 10);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  set_gradients(module, nan, 1.0);
  EXPECT_FALSE(optimizer.step().applied);
  set_gradients(module, std::numeric_limits<double>::infinity(), 1.0);
  EXPECT_FALSE(optimizer.step().applied);
  set_gradients(module, 1.0, 1.0);
  EXPECT_TRUE(optimizer.step().applied);
  EXPECT_EQ(optimizer.counters().consecutive_nonfinite, 0);
  EXPECT_EQ(optimizer.counters().nonfinite_skips, 2);
  for (int i = 0; i < 2; ++i) {
    set_gradients(module, nan, 1.0);
    EXPECT_FALSE(optimizer.step().applied);
  }
  const double matrix_before = module.matrix.item<double>();
  set_gradients(module, nan, 1.0);
  try {
    optimizer.step();
    FAIL() << "expected a NumericError";
  } catch (const NumericError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("3 consecutive"), std::string::npos) << message;
    EXPECT_NE(message.find("skip_nonfinite_steps is 2"), std::string::npos) << message;
  }
  EXPECT_EQ(module.matrix.item<double>(), matrix_before);  // the last good update's value
  EXPECT_EQ(optimizer.counters().nonfinite_skips, 5);
  EXPECT_EQ(exit_code_for(ErrorKind::NUMERIC), 3);
}

TEST_P(OptimizerOn, SavedStateContinuesBitForBit) {
  // Run A takes 6 steps; run B takes 3, hands its state to a fresh optimizer on a copy of the
  // parameters (a new process, in effect), which takes the last 3. Parameters must be equal
  // bit for bit: moments, per-parameter step counts and the schedule position all matter.
  OptimizerConfig config;
  config.learning_rate = 0.05;
  config.weight_decay = 0.01;
  config.schedule.lr_scheduler_type = "cosine";
  config.schedule.warmup_steps = 2;
  auto gradients = [](int step) { return std::pair{0.3 * step - 1.0, 1.0 / (step + 1)}; };
  TwoParameters straight;
  place(straight);
  Optimizer a(straight, config, 6);
  for (int step = 0; step < 6; ++step) {
    auto [g1, g2] = gradients(step);
    set_gradients(straight, g1, g2);
    a.step();
  }
  TwoParameters first_half;
  place(first_half);
  Optimizer b(first_half, config, 6);
  for (int step = 0; step < 3; ++step) {
    auto [g1, g2] = gradients(step);
    set_gradients(first_half, g1, g2);
    b.step();
  }
  std::map<std::string, at::Tensor> saved;
  for (auto& [name, tensor] : b.state_tensors()) saved[name] = tensor.clone();
  EXPECT_EQ(saved.size(), 6u);  // exp_avg, exp_avg_sq, step for each of the two parameters
  EXPECT_EQ(saved.at("step/matrix").item<int64_t>(), 3);
  TwoParameters second_half;
  place(second_half);
  {
    at::NoGradGuard no_grad;
    second_half.matrix.copy_(first_half.matrix);
    second_half.vector.copy_(first_half.vector);
  }
  Optimizer c(second_half, config, 6);
  c.load_state(saved, b.counters(), "test");
  EXPECT_EQ(c.steps_taken(), 3);
  for (int step = 3; step < 6; ++step) {
    auto [g1, g2] = gradients(step);
    set_gradients(second_half, g1, g2);
    c.step();
  }
  EXPECT_TRUE(at::equal(second_half.matrix, straight.matrix));
  EXPECT_TRUE(at::equal(second_half.vector, straight.vector));
  // Without the moments (only the schedule position) the result differs: the test can fail.
  TwoParameters no_moments;
  place(no_moments);
  {
    at::NoGradGuard no_grad;
    no_moments.matrix.copy_(first_half.matrix);
    no_moments.vector.copy_(first_half.vector);
  }
  Optimizer d(no_moments, config, 6);
  d.load_state({}, b.counters(), "test");
  for (int step = 3; step < 6; ++step) {
    auto [g1, g2] = gradients(step);
    set_gradients(no_moments, g1, g2);
    d.step();
  }
  EXPECT_FALSE(at::equal(no_moments.matrix, straight.matrix));
  saved.erase("exp_avg/vector");
  EXPECT_THROW(d.load_state(saved, b.counters(), "test"), DataError);
}

INSTANTIATE_TEST_SUITE_P(Devices,
                         OptimizerOn,
                         ::testing::ValuesIn(testing::test_devices()),
                         testing::device_test_name);

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
