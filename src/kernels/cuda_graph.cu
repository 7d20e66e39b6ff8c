// The module side of captured CUDA graphs (kernels/cuda_graph.h): LibTorch's CUDAGraph, which
// lives in libtorch_cuda and so only in this module. Host code; a .cu only so that it is built
// into the module with the kernels.
#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>

#include <functional>
#include <memory>

namespace r1forge::kernels::cuda {

void* capture_graph(const std::function<void()>& body, int64_t device_index) {
  const c10::cuda::CUDAGuard device_guard(static_cast<c10::DeviceIndex>(device_index));
  // Capture needs a stream other than the default one; the caller's stream waits for nothing
  // of it afterwards, since replays go to the caller's (then current) stream.
  const at::cuda::CUDAStream caller = at::cuda::getCurrentCUDAStream();
  const at::cuda::CUDAStream side = at::cuda::getStreamFromPool();
  auto graph = std::make_unique<at::cuda::CUDAGraph>();
  {
    // The side stream starts after what the caller queued (the body reads those buffers).
    at::cuda::CUDAEvent ready;
    ready.record(caller);
    ready.block(side);
    const c10::cuda::CUDAStreamGuard stream_guard(side);
    body();  // warm-up: lazy initialisation must not happen under capture
    side.synchronize();
    graph->capture_begin();
    body();
    graph->capture_end();
  }
  side.synchronize();
  return graph.release();
}

void replay_graph(void* graph) {
  static_cast<at::cuda::CUDAGraph*>(graph)->replay();
}

void release_graph(void* graph) {
  delete static_cast<at::cuda::CUDAGraph*>(graph);
}

}  // namespace r1forge::kernels::cuda
