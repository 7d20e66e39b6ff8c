// Launchers of r1forge's hand-written CUDA kernels. Each has an ATen twin in reference.h that
// is the test oracle (tests/kernels/*_CUDA) and the path used where CUDA is absent.
// Built only when CMake enables R1F_CUDA (R1F_WITH_CUDA defined); callers check
// cuda_kernels_compiled() before dispatching here.
#pragma once

#include <ATen/ATen.h>

namespace r1forge::kernels {

// True when this build contains the CUDA kernels (not whether a GPU is present).
bool cuda_kernels_compiled();

// RMSNorm over the last dimension, fused: one block per row, sum of squares in fp32, the
// normalised row cast to the input dtype before the weight multiply (HF's order).
// x [..., E] contiguous CUDA fp32/bf16/fp16, weight [E] same dtype -> [..., E].
at::Tensor rms_norm_cuda(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace r1forge::kernels
