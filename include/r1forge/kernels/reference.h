// ATen twins of the CUDA kernels in kernels.h: plain, obviously-correct compositions of ATen
// ops that run on CPU or GPU, with autograd. They are the kernels' test oracles and the path
// the launchers take wherever a kernel does not apply (CPU, training).
#pragma once

#include <ATen/ATen.h>

namespace r1forge::kernels {

// RMSNorm with transformers' numerics (modeling_qwen2.py): the mean square and normalisation
// in fp32, cast back to x's dtype, then times the weight. x [..., E], weight [E] -> [..., E].
at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace r1forge::kernels
