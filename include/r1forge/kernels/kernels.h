// r1forge's hand-written CUDA kernels and their launchers. The kernels are reached through a
// table that the r1forge_cuda module fills when kernels/cuda_loader.h loads it (only where a
// GPU driver exists). Each kernel has an ATen twin in reference.h that is its test oracle
// (tests/kernels/*_CUDA) and the path taken wherever the kernel does not apply. Callers (the
// model) use the twin-backed launchers, which pick one or the other per call.
// Depends on core only; the model depends on this, never the reverse.
#pragma once

#include <ATen/ATen.h>

#include "r1forge/core/nccl_hook.h"

namespace r1forge::kernels {

// Entry points of the module; plain function pointers so the module needs nothing from
// r1forge_lib but this layout (it is built against the same header).
struct CudaKernelTable {
  at::Tensor (*rms_norm)(const at::Tensor& x, const at::Tensor& weight, double eps) = nullptr;
  // LibTorch's ProcessGroupNCCL (in its CUDA library); the loader hands it to core.
  NcclBackendFactory make_nccl_backend = nullptr;
};

// The process-wide table (empty until the module is loaded).
CudaKernelTable& cuda_kernel_table();
// True once the r1forge_cuda module has registered its kernels.
bool cuda_kernels_loaded();
// False when the environment sets R1F_CUDA_KERNELS=0: the launchers then always take the ATen
// twins (to compare a GPU run against the reference path). Read once.
bool cuda_kernels_enabled();

// RMSNorm over the last dimension, fused: one block per row, sum of squares in fp32, the
// normalised row cast to the input dtype before the weight multiply (HF's order).
// x [..., E] contiguous CUDA fp32/bf16/fp16, weight [E] same dtype -> [..., E].
at::Tensor rms_norm_cuda(const at::Tensor& x, const at::Tensor& weight, double eps);

// The launcher the model calls: x [..., E], weight [E] -> [..., E] in x's dtype. Takes the
// CUDA kernel when it is loaded and enabled, both tensors are on CUDA with the same fp32/bf16/
// fp16 dtype, and autograd needs no graph through the call (the kernel has no backward:
// inference, sampling and no-grad scoring); otherwise the ATen twin (training, CPU).
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);
// Whether rms_norm would take the CUDA kernel for these arguments.
bool rms_norm_uses_cuda(const at::Tensor& x, const at::Tensor& weight);

}  // namespace r1forge::kernels

// The symbol the loader looks up in the module (C linkage, so no name mangling).
extern "C" void r1forge_register_cuda_kernels(r1forge::kernels::CudaKernelTable* table);
