// GoogleTest entry point for r1forge_tests: makes OpenMP threads wait without spinning, loads
// CUDA support where a GPU driver exists, fixes the thread count so results do not depend on
// the machine, and seeds torch's global generator (tests that need randomness seed their own).
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "r1forge/core/threads.h"
#include "r1forge/kernels/cuda_loader.h"

int main(int argc, char** argv) {
  r1forge::use_passive_openmp_wait(argv);  // CTest runs tests side by side; see core/threads.h
  ::testing::InitGoogleTest(&argc, argv);
  r1forge::kernels::load_cuda_support();  // only where a GPU driver exists; *_CUDA tests skip
                                          // otherwise
  at::set_num_threads(2);
  torch::manual_seed(0);
  return RUN_ALL_TESTS();
}
