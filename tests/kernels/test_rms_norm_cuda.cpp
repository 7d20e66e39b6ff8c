// The fused CUDA RMSNorm against its ATen twin (kernels/reference.h), and the launcher the
// model calls (kernels::rms_norm): the twin on CPU and wherever autograd needs a graph, the
// kernel for a CUDA model under no-grad. The _CUDA tests skip without a GPU; they run on the GPU
// machine by scripts/device_check.sh.
// Tolerances: fp32 1e-5 (summation order differs); bf16/fp16 one rounding step of the output
// dtype relative to the value (bf16 eps 2^-8 = 0.0039, fp16 2^-11), times 2 for the weight
// multiply's own rounding.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include "r1forge/kernels/kernels.h"
#include "r1forge/kernels/reference.h"
#include "r1forge/model/model_config.h"
#include "r1forge/model/transformer.h"
#include "test_util.h"

namespace r1forge {
namespace {

TEST(RmsNorm, ReferenceOnCpuMatchesFormula) {
  // x = [3, 4]: mean square 12.5, rsqrt(12.5 + 0) = 0.28284; weight [1, 2] -> [0.8485, 2.2627].
  at::Tensor x = at::tensor({3.0f, 4.0f}).view({1, 2});
  at::Tensor out = kernels::rms_norm_reference(x, at::tensor({1.0f, 2.0f}), 0.0);
  EXPECT_NEAR(out[0][0].item<double>(), 3.0 / std::sqrt(12.5), 1e-6);
  EXPECT_NEAR(out[0][1].item<double>(), 8.0 / std::sqrt(12.5), 1e-6);
}

TEST(RmsNorm, LauncherTakesTheTwinOnCpu) {
  at::Tensor x = at::randn({3, 5, 16});
  at::Tensor weight = 1 + 0.1 * at::randn({16});
  EXPECT_FALSE(kernels::rms_norm_uses_cuda(x, weight));
  EXPECT_TRUE(
      at::equal(kernels::rms_norm(x, weight, 1e-6), kernels::rms_norm_reference(x, weight, 1e-6)));
  // The twin keeps autograd: a gradient reaches the weight.
  at::Tensor w = weight.clone().set_requires_grad(true);
  kernels::rms_norm(x, w, 1e-6).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_GT(w.grad().abs().sum().item<double>(), 0.0);
}

TEST(RmsNorm, TheModelCallsTheKernelOnCuda_CUDA) {
  R1F_REQUIRE_CUDA();
  ASSERT_TRUE(kernels::cuda_kernels_loaded());
  auto options = at::TensorOptions().device(at::kCUDA);
  at::Tensor x = at::randn({2, 7, 64}, options);
  at::Tensor weight = (1 + 0.1 * at::randn({64}, options)).set_requires_grad(true);
  {
    at::NoGradGuard no_grad;
    EXPECT_EQ(kernels::rms_norm_uses_cuda(x, weight), kernels::cuda_kernels_enabled());
  }
  EXPECT_FALSE(kernels::rms_norm_uses_cuda(x, weight));  // needs a graph: the twin
  // A tiny model on CUDA: its no-grad logits (every RMSNorm through the kernel) equal its
  // logits with autograd on (every RMSNorm through the twin) to fp32 rounding.
  ModelConfig config = model_preset("tiny-qwen2");
  Transformer model(config);
  model->init_weights(3);
  model->to(at::kCUDA);
  model->refresh_handles();
  at::Tensor ids = at::randint(0, config.vocab_size, {2, 9}, options.dtype(at::kLong));
  ForwardInputs inputs{ids, at::arange(9, options.dtype(at::kLong)).expand({2, 9})};
  at::Tensor twin = model->forward(inputs).detach();
  at::Tensor fused;
  {
    at::NoGradGuard no_grad;
    fused = model->forward(inputs);
  }
  EXPECT_LE(testing::max_abs_diff(fused, twin), 1e-4);
}

TEST(RmsNorm, KernelMatchesReference_CUDA) {
  R1F_REQUIRE_CUDA();
  ASSERT_TRUE(kernels::cuda_kernels_loaded())
      << "GPU present but the r1forge_cuda module did not load";
  struct Case {
    at::ScalarType dtype;
    double tolerance;
  };
  for (Case c :
       {Case{at::kFloat, 1e-5}, Case{at::kBFloat16, 2 * 0.0039}, Case{at::kHalf, 2 * 4.9e-4}}) {
    for (int64_t width : {64, 896, 4096, 1000}) {
      auto options = at::TensorOptions().device(at::kCUDA).dtype(c.dtype);
      at::Tensor x = at::randn({37, width}, options) * 3;
      at::Tensor weight = 1 + 0.1 * at::randn({width}, options);
      at::Tensor expected = kernels::rms_norm_reference(x, weight, 1e-6).to(at::kDouble);
      at::Tensor got = kernels::rms_norm_cuda(x, weight, 1e-6).to(at::kDouble);
      double error = ((got - expected).abs() / (expected.abs() + 1e-3)).max().item<double>();
      EXPECT_LE(error, c.tolerance) << c10::toString(c.dtype) << " width " << width;
    }
  }
}

}  // namespace
}  // namespace r1forge
