// The CUDA kernel table and its dispatchers; see kernels/kernels.h.
#include "r1forge/kernels/kernels.h"

#include "r1forge/core/check.h"

namespace r1forge::kernels {

CudaKernelTable& cuda_kernel_table() {
  static CudaKernelTable table;
  return table;
}

bool cuda_kernels_loaded() {
  return cuda_kernel_table().rms_norm != nullptr;
}

at::Tensor rms_norm_cuda(const at::Tensor& x, const at::Tensor& weight, double eps) {
  R1F_CHECK(cuda_kernels_loaded(),
            "CUDA kernels are not loaded (no GPU driver, or a build without R1F_CUDA)");
  return cuda_kernel_table().rms_norm(x, weight, eps);
}

}  // namespace r1forge::kernels
