// The fused CUDA RMSNorm against its ATen twin (kernels/reference.h). Skipped without a GPU;
// run on the GPU machine by scripts/device_check.sh.
// Tolerances: fp32 1e-5 (summation order differs); bf16/fp16 one rounding step of the output
// dtype relative to the value (bf16 eps 2^-8 = 0.0039, fp16 2^-11), times 2 for the weight
// multiply's own rounding.
#include <gtest/gtest.h>

#include "r1forge/kernels/kernels.h"
#include "r1forge/kernels/reference.h"
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

TEST(RmsNorm, KernelMatchesReference_CUDA) {
  R1F_REQUIRE_CUDA();
  ASSERT_TRUE(kernels::cuda_kernels_loaded()) << "GPU present but the r1forge_cuda module did not load";
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
