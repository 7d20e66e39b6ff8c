// Token log-prob statistics on CUDA: for each row of a chunk's fp32 scaled logits z [C, V] and
// its target id, log p_t, logsumexp and (optionally) the entropy, in one read of z. One block of
// 512 threads per row runs logprob_row.h's token_logprob_row with a CUDA Block policy (warp
// shuffles, then the warps' partials combined in warp order in shared memory); the same code
// runs on the host in tests, and the ATen path of rl/logprobs.cpp (log_softmax_out, gather,
// -sum(p log p)) is the oracle. z is only read: no [C, V] log-prob buffer is written.
// Not here: the logits GEMM, the backward (which recomputes z and uses lse), registration.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <tuple>

#include "r1forge/kernels/logprob_row.h"

namespace r1forge::kernels {
namespace {

using logprob::SoftmaxEntropyStats;
using logprob::TokenStats;

// 512 threads with at least two blocks per SM (ptxas: 32 registers, so up to four fit): rows
// stream z while another is in its block reduction. A 152k-token row is ~74 quads a thread.
constexpr int kThreads = 512;
constexpr int kBlocksPerSm = 2;
constexpr int kWarpSize = 32;
constexpr int kWarps = kThreads / kWarpSize;
constexpr unsigned kFullMask = 0xffffffffu;
// Per-warp slots for the block reduction: the triple is 24 bytes (float, padding, 2 doubles).
constexpr int kSlotBytes = sizeof(SoftmaxEntropyStats);

// A warp shuffle of a trivially copyable value, one 32-bit word at a time.
template <typename T>
__device__ __forceinline__ T shuffle_xor(T value, int lane_mask) {
  static_assert(sizeof(T) % sizeof(int) == 0, "shuffled values must be whole 32-bit words");
  int words[sizeof(T) / sizeof(int)];
  memcpy(words, &value, sizeof(T));
#pragma unroll
  for (int w = 0; w < static_cast<int>(sizeof(T) / sizeof(int)); ++w) {
    words[w] = __shfl_xor_sync(kFullMask, words[w], lane_mask);
  }
  memcpy(&value, words, sizeof(T));
  return value;
}

// The part of sampling_block.h's Block that logprob_row.h uses, for one block of kThreads.
// The butterfly gives every lane of a warp the same bits (the combine is commutative), and every
// thread then combines the warps' results in warp order: one result, the same on every run.
struct CudaBlock {
  unsigned char* slots;  // shared, kWarps * kSlotBytes

  __device__ __forceinline__ int thread_index() const { return threadIdx.x; }
  __device__ __forceinline__ int thread_count() const { return kThreads; }

  template <typename T, typename Combine>
  __device__ __forceinline__ T reduce(T value, Combine combine) const {
    static_assert(sizeof(T) <= kSlotBytes, "reduced values must fit a slot");
    T* warp_values = reinterpret_cast<T*>(slots);
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
      value = combine(value, shuffle_xor(value, offset));
    }
    __syncthreads();  // the slots may still be read by a previous reduce
    if (threadIdx.x % kWarpSize == 0) warp_values[threadIdx.x / kWarpSize] = value;
    __syncthreads();
    value = warp_values[0];
    for (int warp = 1; warp < kWarps; ++warp) value = combine(value, warp_values[warp]);
    return value;
  }
};

// Grid (C): block c reduces row c. A target outside [0, V) stops the kernel with a device
// assert, as gather's bounds check does.
__global__ void __launch_bounds__(kThreads, kBlocksPerSm)
    token_logprob_stats_kernel(const float* __restrict__ z,          // [C, V]
                               const int64_t* __restrict__ targets,  // [C]
                               int64_t vocab,
                               float* __restrict__ logprobs,   // [C]
                               float* __restrict__ lse,        // [C]
                               float* __restrict__ entropy) {  // [C], or null: not written
  __shared__ alignas(16) unsigned char slots[kWarps * kSlotBytes];
  const int64_t row = blockIdx.x;
  const int64_t target = targets[row];
  CUDA_KERNEL_ASSERT(target >= 0 && target < vocab);
  const TokenStats stats =
      logprob::token_logprob_row(CudaBlock{slots}, z + row * vocab, vocab, target);
  if (threadIdx.x == 0) {
    logprobs[row] = stats.logprob;
    lse[row] = stats.lse;
    if (entropy != nullptr) entropy[row] = stats.entropy;
  }
}

}  // namespace

namespace cuda {

// z [C, V] fp32 contiguous CUDA, targets [C] int64 -> {logprobs [C], lse [C], entropy [C]
// (undefined unless with_entropy)}, fp32, on z's device. Asynchronous: nothing is read back.
// The entropy costs no extra pass (the triple is always formed), only its store.
std::tuple<at::Tensor, at::Tensor, at::Tensor> token_logprob_stats(const at::Tensor& z,
                                                                   const at::Tensor& targets,
                                                                   bool with_entropy) {
  TORCH_CHECK(z.defined() && z.is_cuda() && z.dim() == 2 && z.scalar_type() == at::kFloat &&
                  z.is_contiguous(),
              "token_logprob_stats_cuda: z must be contiguous fp32 [C, V] on CUDA");
  const int64_t rows = z.size(0), vocab = z.size(1);
  TORCH_CHECK(vocab > 0, "token_logprob_stats_cuda: z has an empty vocabulary");
  TORCH_CHECK(rows <= INT32_MAX, "token_logprob_stats_cuda: ", rows, " rows exceed the grid");
  TORCH_CHECK(targets.defined() && targets.dim() == 1 && targets.size(0) == rows,
              "token_logprob_stats_cuda: targets must be [", rows, "]");
  TORCH_CHECK(targets.scalar_type() == at::kLong,
              "token_logprob_stats_cuda: targets must be int64, got ", targets.scalar_type());
  TORCH_CHECK(targets.device() == z.device() && targets.is_contiguous(),
              "token_logprob_stats_cuda: targets must be contiguous on z's device");

  const c10::cuda::CUDAGuard guard(z.device());
  at::Tensor logprobs = at::empty({rows}, z.options());
  at::Tensor lse = at::empty({rows}, z.options());
  at::Tensor entropy = with_entropy ? at::empty({rows}, z.options()) : at::Tensor();
  if (rows == 0) return {logprobs, lse, entropy};
  auto stream = at::cuda::getCurrentCUDAStream();
  token_logprob_stats_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
      z.data_ptr<float>(), targets.data_ptr<int64_t>(), vocab, logprobs.data_ptr<float>(),
      lse.data_ptr<float>(), with_entropy ? entropy.data_ptr<float>() : nullptr);
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return {logprobs, lse, entropy};
}

}  // namespace cuda

}  // namespace r1forge::kernels
