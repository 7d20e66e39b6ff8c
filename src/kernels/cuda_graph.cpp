// The library side of captured CUDA graphs; see kernels/cuda_graph.h (the module side is
// src/kernels/cuda_graph.cu).
#include "r1forge/kernels/cuda_graph.h"

#include "r1forge/core/check.h"
#include "r1forge/kernels/kernels.h"

namespace r1forge::kernels {

bool cuda_graphs_available() {
  return cuda_kernel_table().capture_graph != nullptr;
}

CudaGraph::CudaGraph(const std::function<void()>& body, at::Device device) {
  R1F_CHECK(cuda_graphs_available() && device.is_cuda(),
            "CUDA graphs need the r1forge_cuda module and a CUDA device");
  handle_ = cuda_kernel_table().capture_graph(body, device.index() < 0 ? 0 : device.index());
}

CudaGraph::~CudaGraph() {
  if (handle_ != nullptr) cuda_kernel_table().release_graph(handle_);
}

void CudaGraph::replay() {
  cuda_kernel_table().replay_graph(handle_);
}

}  // namespace r1forge::kernels
