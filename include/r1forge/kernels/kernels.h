// r1forge's hand-written CUDA kernels and their launchers. The kernels are reached through a
// table that the r1forge_cuda module fills when kernels/cuda_loader.h loads it (only where a
// GPU driver exists). Each kernel has an ATen twin in reference.h that is its test oracle
// (tests/kernels/*_CUDA) and the path taken wherever the kernel does not apply. Callers (the
// model) use the twin-backed launchers, which pick one or the other per call.
// Depends on core only; the model depends on this, never the reverse.
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <tuple>

#include "r1forge/core/nccl_hook.h"

namespace r1forge::kernels {

// The decode step's token choice in one kernel (kernels/sampling_row.h has the algorithm and
// its exact rules; the twin is sampling/token_choice.cpp's ATen path). One block per row.
// logits [R, V] fp32 (penalties applied; read only); report_logits [R, V] fp32 or undefined
// (= logits): the log-probs' distribution; temperature [R] fp32 (0 = greedy), top_k [R] int32
// (0 = off), top_p [R] fp64 (1 = off), min_p [R] fp32 (0 = off), uniform [R] fp64 in [0, 1):
// all contiguous CUDA. Returns {tokens [R] int64 (-1: no finite-probability token), logprobs
// [R] fp32 = log softmax(report / T)[token], T = 1 for greedy rows} on the logits' device.
// The one signature of the module's entry, the table's pointer and the launcher.
using SampleRowsFunction = std::tuple<at::Tensor, at::Tensor>(const at::Tensor& logits,
                                                              const at::Tensor& report_logits,
                                                              const at::Tensor& temperature,
                                                              const at::Tensor& top_k,
                                                              const at::Tensor& top_p,
                                                              const at::Tensor& min_p,
                                                              const at::Tensor& uniform);

// Decode attention over a paged KV cache, split along the sequence (src/kernels/
// paged_attention.cu over kernels/paged_attention_row.h). Arguments and result as the twin
// paged_decode_attention_reference (reference.h), all contiguous on CUDA, q and the pools in
// one of fp32, bf16, fp16.
using PagedAttentionFunction = at::Tensor(const at::Tensor& q,
                                          const at::Tensor& key_pool,
                                          const at::Tensor& value_pool,
                                          const at::Tensor& block_table,
                                          const at::Tensor& lengths,
                                          double scale);

// A paged decode step's RoPE and cache append in one kernel (src/kernels/rope_append.cu over
// kernels/rope_append_row.h): qkv [N, H + 2 Hkv, D] (pre-RoPE), cos and sin [N, D] and the pools
// [blocks, Hkv, B, D] in one dtype, write_blocks and write_offsets [N] int64; writes the rotated
// keys and the values at each row's (block, offset), returns the rotated queries [N, H, D]. Its
// twin is the transformer's own apply_rope followed by two index_put_ (bit for bit).
using RopeAppendFunction = at::Tensor(const at::Tensor& qkv,
                                      const at::Tensor& cos,
                                      const at::Tensor& sin,
                                      int64_t heads,
                                      const at::Tensor& key_pool,
                                      const at::Tensor& value_pool,
                                      const at::Tensor& write_blocks,
                                      const at::Tensor& write_offsets);

// One pass over a chunk of scaled logits for the trainer's log-probs (src/kernels/
// logprob_stats.cu over kernels/logprob_row.h): z [C, V] fp32 contiguous, targets [C] int64 ->
// {log p(target) [C], logsumexp [C], entropy [C] (undefined unless asked)}, fp32, on z's device.
// Its twin is rl/logprobs.cpp's ATen path (log_softmax_out, gathers, max, exp, sum).
using LogprobStatsFunction = std::tuple<at::Tensor, at::Tensor, at::Tensor>(
    const at::Tensor& z, const at::Tensor& targets, bool with_entropy);

// Entry points of the module; plain function pointers so the module needs nothing from
// r1forge_lib but this layout (it is built against the same header).
struct CudaKernelTable {
  at::Tensor (*rms_norm)(const at::Tensor& x, const at::Tensor& weight, double eps) = nullptr;
  SampleRowsFunction* sample_rows = nullptr;
  PagedAttentionFunction* paged_decode_attention = nullptr;
  RopeAppendFunction* rope_append = nullptr;
  LogprobStatsFunction* token_logprob_stats = nullptr;
  // CUDA graphs (kernels/cuda_graph.h): capture returns the module's graph object.
  void* (*capture_graph)(const std::function<void()>& body, int64_t device_index) = nullptr;
  void (*replay_graph)(void* graph) = nullptr;
  void (*release_graph)(void* graph) = nullptr;
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

// The fused token choice through the table (SampleRowsFunction above says what it takes).
SampleRowsFunction sample_rows_cuda;
// Whether the token choice takes sample_rows_cuda for these logits: the kernel is loaded and
// enabled (kernels.sampling auto, no R1F_CUDA_KERNELS=0) and the logits are fp32 on CUDA.
bool sample_rows_uses_cuda(const at::Tensor& logits);

// The launcher the transformer calls for a paged decode step: the CUDA kernel when it is loaded
// and enabled (kernels.paged_attention auto), the tensors are on CUDA and no gradient is
// needed; else the twin. Shapes as paged_decode_attention_reference.
at::Tensor paged_decode_attention(const at::Tensor& q,
                                  const at::Tensor& key_pool,
                                  const at::Tensor& value_pool,
                                  const at::Tensor& block_table,
                                  const at::Tensor& lengths,
                                  double scale);
// Whether paged_decode_attention would take the CUDA kernel for these arguments.
bool paged_attention_uses_cuda(const at::Tensor& q, const at::Tensor& key_pool);

// The fused RoPE and paged append (RopeAppendFunction above), through the table.
RopeAppendFunction rope_append_cuda;
// The trainer's per-chunk log-prob statistics (LogprobStatsFunction above), through the table.
LogprobStatsFunction token_logprob_stats_cuda;
// Whether rl/logprobs.cpp may take it for this chunk: loaded and enabled (kernels.logprob_stats
// auto) and z fp32 on CUDA.
bool logprob_stats_uses_cuda(const at::Tensor& z);

// Whether the transformer's paged step may take it: loaded and enabled (kernels.rope_append
// auto), qkv, the tables and the pools on CUDA in one of fp32, bf16, fp16, and no gradient.
// The caller adds what the kernel cannot do (Qwen3's q/k norms sit between projection and RoPE).
bool rope_append_uses_cuda(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& pool);

}  // namespace r1forge::kernels

// The symbol the loader looks up in the module (C linkage, so no name mangling).
extern "C" void r1forge_register_cuda_kernels(r1forge::kernels::CudaKernelTable* table);
