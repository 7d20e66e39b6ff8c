// The measured matmul speed behind MFU and `r1forge plan`'s step times (core/gemm_peak.h).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "r1forge/core/gemm_peak.h"
#include "r1forge/core/timer.h"

namespace r1forge {
namespace {

// The measurement agrees with a matmul timed here by hand: 2 n^3 FLOPs over the fastest of
// 20 repeats. Scheduling noise on a shared machine moves either figure, so the band is wide
// ([0.4, 2.5] x the hand figure); a FLOP count off by a factor of n would still fall out.
TEST(GemmPeak, AgreesWithAHandTimedMatmul) {
  const int64_t n = 256;
  const double measured = measure_gemm_flops_per_second(torch::kFloat32, torch::kCPU, 0.05, n);
  torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
  torch::mm(a, b);
  double fastest = 1e9;
  for (int repeat = 0; repeat < 20; ++repeat) {
    Timer timer;
    torch::Tensor c = torch::mm(a, b);
    fastest = std::min(fastest, timer.seconds());
  }
  const double by_hand = 2.0 * n * n * n / fastest;
  EXPECT_GT(measured, 0.4 * by_hand);
  EXPECT_LT(measured, 2.5 * by_hand);
}

TEST(GemmPeak, RememberedPerProcess) {
  const double first = gemm_peak_flops_per_second();
  EXPECT_GT(first, 1e8);  // any CPU that runs LibTorch does more than 0.1 GFLOP/s
  EXPECT_EQ(gemm_peak_flops_per_second(), first);
}

}  // namespace
}  // namespace r1forge
