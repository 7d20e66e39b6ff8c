// r1forge's hand-written CUDA kernels, reached through a table that the r1forge_cuda module
// fills when core/cuda_loader.h loads it (only where a GPU driver exists). Each kernel has an
// ATen twin in reference.h that is its test oracle (tests/kernels/*_CUDA) and the path used
// where CUDA is absent. Callers check cuda_kernels_loaded() before dispatching here.
#pragma once

#include <ATen/ATen.h>

namespace r1forge::kernels {

// Entry points of the module; plain function pointers so the module needs nothing from
// r1forge_lib but this layout (it is built against the same header).
struct CudaKernelTable {
  at::Tensor (*rms_norm)(const at::Tensor& x, const at::Tensor& weight, double eps) = nullptr;
};

// The process-wide table (empty until the module is loaded).
CudaKernelTable& cuda_kernel_table();
// True once the r1forge_cuda module has registered its kernels.
bool cuda_kernels_loaded();

// RMSNorm over the last dimension, fused: one block per row, sum of squares in fp32, the
// normalised row cast to the input dtype before the weight multiply (HF's order).
// x [..., E] contiguous CUDA fp32/bf16/fp16, weight [E] same dtype -> [..., E].
at::Tensor rms_norm_cuda(const at::Tensor& x, const at::Tensor& weight, double eps);

}  // namespace r1forge::kernels

// The symbol the loader looks up in the module (C linkage, so no name mangling).
extern "C" void r1forge_register_cuda_kernels(r1forge::kernels::CudaKernelTable* table);
