// The r1forge_cuda module's NCCL backend factory (core/nccl_hook.h): LibTorch's
// ProcessGroupNCCL, with blocking waits so that distributed.timeout_seconds bounds every
// collective as it does with Gloo (NCCL's own watchdog would otherwise only abort the process).
// Built only into the module (USE_C10D_NCCL, nccl.h from the CUDA toolkit; CMakeLists.txt).
#include <c10/cuda/CUDAGuard.h>

#include <cstdlib>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>

#include "r1forge/core/nccl_hook.h"

namespace r1forge::kernels::cuda {

c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int64_t rank,
                                                    int64_t size,
                                                    int64_t device_index,
                                                    int64_t timeout_ms) {
  // One device per local rank: NCCL binds a communicator to the current device.
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(device_index));
  // A collective that waits longer than the timeout throws in the waiting thread (blocking
  // wait) instead of leaving the watchdog to tear the process down.
  ::setenv("TORCH_NCCL_BLOCKING_WAIT", "1", /*overwrite=*/0);
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = std::chrono::milliseconds(timeout_ms);
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, static_cast<int>(rank),
                                                     static_cast<int>(size), options);
}

}  // namespace r1forge::kernels::cuda
