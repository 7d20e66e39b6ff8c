// ATen reference twins of the CUDA kernels; see kernels/reference.h.
#include "r1forge/kernels/reference.h"

#include "r1forge/kernels/kernels.h"
#include "r1forge/model/layers.h"

namespace r1forge::kernels {

at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps) {
  return rms_norm(x, weight, eps);
}

#ifndef R1F_WITH_CUDA
bool cuda_kernels_compiled() {
  return false;
}
at::Tensor rms_norm_cuda(const at::Tensor&, const at::Tensor&, double) {
  TORCH_CHECK(false, "this r1forge build has no CUDA kernels (configure with R1F_CUDA=ON)");
}
#endif

}  // namespace r1forge::kernels
