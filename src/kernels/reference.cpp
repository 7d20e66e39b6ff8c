// ATen reference twins of the CUDA kernels; see kernels/reference.h.
#include "r1forge/kernels/reference.h"

namespace r1forge::kernels {

at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps) {
  // fp32 inputs skip both casts: each is a dispatcher round trip (~µs) that matters when
  // decoding one token at a time (17 norms per step in the benchmark model).
  const bool fp32 = x.scalar_type() == at::kFloat;
  at::Tensor x32 = fp32 ? x : x.to(at::kFloat);
  at::Tensor variance = x32.pow(2).mean(-1, /*keepdim=*/true);
  x32 = x32 * at::rsqrt(variance + eps);
  return weight * (fp32 ? x32 : x32.to(x.scalar_type()));
}

}  // namespace r1forge::kernels
