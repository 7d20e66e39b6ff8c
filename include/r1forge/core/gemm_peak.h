// The machine's matrix-multiply speed, measured: the denominator of MFU on the console and the
// rate `r1forge plan` turns FLOPs into seconds with. A square matmul large enough to reach the
// BLAS library's steady state, timed for a fraction of a second at the current thread count.
// Not here: FLOP counts of a model (model/transformer.h training_flops_per_token), the plan.
#pragma once

#include <torch/types.h>

namespace r1forge {

// FLOP/s of an n x n x n matmul (2 n^3 FLOPs) in `dtype` on `device`: the best of repeats
// timed for about `seconds` after one warm-up (CUDA: synchronised around each repeat). The
// thread count is LibTorch's current one (core/threads.h), so call set_thread_count first.
double measure_gemm_flops_per_second(torch::ScalarType dtype = torch::kFloat32,
                                     torch::Device device = torch::kCPU,
                                     double seconds = 0.2,
                                     int64_t n = 1024);

// measure_gemm_flops_per_second(dtype, device) measured once per process, thread count and
// argument pair, then remembered: every stage's MFU uses the same denominator.
double gemm_peak_flops_per_second(torch::ScalarType dtype = torch::kFloat32,
                                  torch::Device device = torch::kCPU);

}  // namespace r1forge
