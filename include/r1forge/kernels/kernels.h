// r1forge's hand-written CUDA kernels and their launchers. The kernels are reached through a
// table that the r1forge_cuda module fills when kernels/cuda_loader.h loads it (only where a
// GPU driver exists). Each kernel has an ATen twin in reference.h that is its test oracle
// (tests/kernels/*_CUDA) and the path taken wherever the kernel does not apply. Callers (the
// model) use the twin-backed launchers, which pick one or the other per call.
// Depends on core only; the model depends on this, never the reverse.
#pragma once

#include <ATen/ATen.h>

#include <tuple>

#include "r1forge/core/nccl_hook.h"

namespace r1forge::kernels {

// The fused token choice; arguments and result as sample_rows_cuda below.
using SampleRowsKernel = std::tuple<at::Tensor, at::Tensor> (*)(const at::Tensor& logits,
                                                                const at::Tensor& report_logits,
                                                                const at::Tensor& temperature,
                                                                const at::Tensor& top_k,
                                                                const at::Tensor& top_p,
                                                                const at::Tensor& min_p,
                                                                const at::Tensor& uniform);

// Entry points of the module; plain function pointers so the module needs nothing from
// r1forge_lib but this layout (it is built against the same header).
struct CudaKernelTable {
  at::Tensor (*rms_norm)(const at::Tensor& x, const at::Tensor& weight, double eps) = nullptr;
  SampleRowsKernel sample_rows = nullptr;
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

// The decode step's token choice in one kernel (kernels/sampling_row.h has the algorithm and
// its exact rules; the twin is sampling/token_choice.cpp's ATen path). One block per row.
// logits [R, V] fp32 (penalties applied; read only); report_logits [R, V] fp32 or undefined
// (= logits): the log-probs' distribution; temperature [R] fp32 (0 = greedy), top_k [R] int32
// (0 = off), top_p [R] fp64 (1 = off), min_p [R] fp32 (0 = off), uniform [R] fp64 in [0, 1):
// all contiguous CUDA. Returns {tokens [R] int64 (-1: no finite-probability token), logprobs
// [R] fp32 = log softmax(report / T)[token], T = 1 for greedy rows} on the logits' device.
std::tuple<at::Tensor, at::Tensor> sample_rows_cuda(const at::Tensor& logits,
                                                    const at::Tensor& report_logits,
                                                    const at::Tensor& temperature,
                                                    const at::Tensor& top_k,
                                                    const at::Tensor& top_p,
                                                    const at::Tensor& min_p,
                                                    const at::Tensor& uniform);
// Whether the token choice takes sample_rows_cuda for these logits: the kernel is loaded and
// enabled (kernels.sampling auto, no R1F_CUDA_KERNELS=0) and the logits are fp32 on CUDA.
bool sample_rows_uses_cuda(const at::Tensor& logits);

}  // namespace r1forge::kernels

// The symbol the loader looks up in the module (C linkage, so no name mangling).
extern "C" void r1forge_register_cuda_kernels(r1forge::kernels::CudaKernelTable* table);
