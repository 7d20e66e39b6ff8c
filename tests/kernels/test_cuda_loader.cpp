// Run-time CUDA loading: without a GPU driver nothing CUDA is loaded (the process stays small
// and starts fast); with R1F_LOAD_CUDA=1 (CTest entry kernels.cuda_module_loads) the module and
// LibTorch's CUDA libraries load even here and the kernel table fills in.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "r1forge/kernels/cuda_loader.h"
#include "r1forge/kernels/kernels.h"

namespace r1forge {
namespace {

TEST(CudaLoader, LoadsOnlyWithADriverOrWhenForced) {
  kernels::CudaLoadResult result = kernels::load_cuda_support();
  const char* setting = std::getenv("R1F_LOAD_CUDA");
  const bool forced = setting && std::string(setting) == "1";
  const bool driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL) != nullptr;
#ifdef R1F_WITH_CUDA
  if (forced || driver) {
    EXPECT_TRUE(result.loaded) << result.detail;
    EXPECT_TRUE(kernels::cuda_kernels_loaded());
    return;
  }
#endif
  if (!forced && !driver) {
    EXPECT_FALSE(result.loaded);
    EXPECT_FALSE(kernels::cuda_kernels_loaded());
    EXPECT_NE(result.detail.find("no GPU driver"), std::string::npos) << result.detail;
  }
  // A second call returns the same result without trying again.
  EXPECT_EQ(kernels::load_cuda_support().loaded, result.loaded);
}

}  // namespace
}  // namespace r1forge
