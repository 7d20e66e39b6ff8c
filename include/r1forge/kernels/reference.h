// ATen twins of the CUDA kernels in kernels.h: plain, obviously-correct compositions of ATen
// ops that run on CPU or GPU. Tests compare each kernel with its twin on the same inputs.
#pragma once

#include <ATen/ATen.h>

namespace r1forge::kernels {

// Same contract as rms_norm_cuda; delegates to the model's RMSNorm (model/layers.h).
at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace r1forge::kernels
