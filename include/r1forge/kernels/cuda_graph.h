// A captured CUDA graph of a piece of host code that only launches GPU work on fixed buffers
// (LibTorch's at::cuda::CUDAGraph, reached through the r1forge_cuda module like the kernels).
// Capture runs the body once to warm up (lazy cuBLAS handles, the caching allocator's blocks)
// and once under capture, both on a side stream; tensors the body allocates come from the
// graph's private pool and stay valid, at the same addresses, for every replay. The body must
// not synchronise, read device values on the host, or copy from pageable host memory.
// Not here: what is captured (sampling/paged_backend.cpp captures decode steps).
#pragma once

#include <ATen/ATen.h>

#include <functional>

namespace r1forge::kernels {

// Whether graphs can be captured here (the CUDA module is loaded).
bool cuda_graphs_available();

class CudaGraph {
 public:
  // Captures `body` on `device` (a CUDA device). Throws Error when the module is not loaded.
  CudaGraph(const std::function<void()>& body, at::Device device);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;
  // Launches the captured work on the current stream (no sync).
  void replay();

 private:
  void* handle_ = nullptr;  // the module's graph
};

}  // namespace r1forge::kernels
