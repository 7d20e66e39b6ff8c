// ATen reference twins of the CUDA kernels; see kernels/reference.h.
#include "r1forge/kernels/reference.h"

#include "r1forge/model/layers.h"

namespace r1forge::kernels {

at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps) {
  return rms_norm(x, weight, eps);
}

}  // namespace r1forge::kernels
