// Fused token sampling on CUDA: temperature, top-k, top-p, min-p and the CDF draw for each row
// of logits in one kernel, plus the reported log-prob of the chosen token. One block of 1024
// threads per row runs sampling_row.h's sample_row with a CUDA Block policy (warp shuffles and
// shared memory for reductions and scans, shared-memory atomics for the radix histograms); the
// same code runs on the host in tests, and the ATen path (logits_processor.cpp, sampler.cpp) is
// the oracle. The logits are only read: no sort and no masked copy of [R, V] is made.
// Not here: penalties, the uniforms (drawn by the caller from each row's generator).
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <tuple>

#include "r1forge/kernels/sampling_row.h"

namespace r1forge::kernels {
namespace {

using sampling::PrefixSum;
using sampling::RowSample;
using sampling::RowSamplingParams;
using sampling::SamplingScratch;

constexpr int kThreads = 1024;
constexpr int kWarpSize = 32;
constexpr int kWarps = kThreads / kWarpSize;
constexpr unsigned kFullMask = 0xffffffffu;
// Per-warp slots for block reductions and scans; the widest value reduced is 16 bytes (ArgMax).
constexpr int kSlotBytes = 16;

// Warp shuffles of any trivially copyable value, one 32-bit word at a time (ArgMax and
// SoftmaxStats travel as structs).
template <typename T, typename Shuffle>
__device__ __forceinline__ T shuffle_words(T value, Shuffle shuffle) {
  static_assert(sizeof(T) % sizeof(int) == 0, "shuffled values must be whole 32-bit words");
  int words[sizeof(T) / sizeof(int)];
  memcpy(words, &value, sizeof(T));
#pragma unroll
  for (int w = 0; w < static_cast<int>(sizeof(T) / sizeof(int)); ++w) words[w] = shuffle(words[w]);
  memcpy(&value, words, sizeof(T));
  return value;
}
template <typename T>
__device__ __forceinline__ T shuffle_xor(T value, int lane_mask) {
  return shuffle_words(value,
                       [=](int word) { return __shfl_xor_sync(kFullMask, word, lane_mask); });
}
template <typename T>
__device__ __forceinline__ T shuffle_up(T value, int delta) {
  return shuffle_words(value, [=](int word) { return __shfl_up_sync(kFullMask, word, delta); });
}
template <typename T>
__device__ __forceinline__ T shuffle_from(T value, int lane) {
  return shuffle_words(value, [=](int word) { return __shfl_sync(kFullMask, word, lane); });
}

// The Block policy of sampling_row.h for one CUDA block of kThreads threads; a group is a warp.
// Block reductions combine the warps' results in warp order on every thread, so all threads
// get the same bits and every run the same result; the histogram atomics are the one place
// where fp64 sums depend on timing (top-p bucket masses, at the last bit).
struct CudaBlock {
  unsigned char* slots;  // shared, kWarps * kSlotBytes

  __device__ __forceinline__ int thread_index() const { return threadIdx.x; }
  __device__ __forceinline__ int thread_count() const { return kThreads; }
  __device__ __forceinline__ int lane() const { return threadIdx.x % kWarpSize; }
  __device__ __forceinline__ int group_size() const { return kWarpSize; }
  __device__ __forceinline__ int group_index() const { return threadIdx.x / kWarpSize; }
  __device__ __forceinline__ void sync() const { __syncthreads(); }

  template <typename T, typename Combine>
  __device__ __forceinline__ T group_reduce(T value, Combine combine) const {
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
      value = combine(value, shuffle_xor(value, offset));
    }
    return value;
  }

  // Inclusive scan by doubling; the exclusive value is the previous lane's inclusive one.
  template <typename T>
  __device__ __forceinline__ PrefixSum<T> group_scan(T value) const {
#pragma unroll
    for (int delta = 1; delta < kWarpSize; delta *= 2) {
      const T other = shuffle_up(value, delta);
      if (lane() >= delta) value = other + value;
    }
    const T previous = shuffle_up(value, 1);
    return {lane() == 0 ? T(0) : previous, value, shuffle_from(value, kWarpSize - 1)};
  }

  template <typename T>
  __device__ __forceinline__ T group_broadcast(T value, int from_lane) const {
    return shuffle_from(value, from_lane);
  }
  __device__ __forceinline__ int group_first(bool predicate) const {
    return __ffs(__ballot_sync(kFullMask, predicate)) - 1;
  }
  __device__ __forceinline__ int group_last(bool predicate) const {
    const unsigned ballot = __ballot_sync(kFullMask, predicate);
    return ballot == 0u ? -1 : kWarpSize - 1 - __clz(ballot);
  }

  template <typename T, typename Combine>
  __device__ __forceinline__ T reduce(T value, Combine combine) const {
    static_assert(sizeof(T) <= kSlotBytes, "reduced values must fit a slot");
    T* warp_values = reinterpret_cast<T*>(slots);
    value = group_reduce(value, combine);
    __syncthreads();  // the slots may still be read by the previous reduce or scan
    if (lane() == 0) warp_values[group_index()] = value;
    __syncthreads();
    value = warp_values[0];
    for (int warp = 1; warp < kWarps; ++warp) value = combine(value, warp_values[warp]);
    return value;
  }

  // Exclusive/inclusive prefix over threads in thread order, and the total. A warp's exclusive
  // start is the sum of the previous warps' totals added in warp order, so thread t's inclusive
  // value is bit-identical to thread t + 1's exclusive one (the crossing search relies on it).
  template <typename T>
  __device__ __forceinline__ PrefixSum<T> scan(T value) const {
    static_assert(sizeof(T) <= kSlotBytes, "scanned values must fit a slot");
    T* warp_totals = reinterpret_cast<T*>(slots);
    const PrefixSum<T> in_warp = group_scan(value);
    __syncthreads();
    if (lane() == 0) warp_totals[group_index()] = in_warp.total;
    __syncthreads();
    T before = T(0);
    T total = T(0);
    for (int warp = 0; warp < kWarps; ++warp) {
      if (warp == group_index()) before = total;
      total = total + warp_totals[warp];
    }
    return {before + in_warp.exclusive, before + in_warp.inclusive, total};
  }

  __device__ __forceinline__ void atomic_add(uint32_t* address, uint32_t value) const {
    atomicAdd(address, value);
  }
  __device__ __forceinline__ void atomic_add(double* address, double value) const {
    atomicAdd(address, value);
  }
};

// One block per row. report_logits may equal logits ("report the sampled distribution").
// 1024 threads: each thread of a 152k-token row holds ~150 ids per pass, and the passes are
// compute-bound (an IEEE fp32 divide and an expf per element), so the whole SM works on it.
__global__ void __launch_bounds__(kThreads)
    fused_sampling_kernel(const float* __restrict__ logits,         // [R, V]
                          const float* __restrict__ report_logits,  // [R, V]
                          int64_t vocab,
                          const float* __restrict__ temperature,  // [R]
                          const int32_t* __restrict__ top_k,      // [R]
                          const double* __restrict__ top_p,       // [R]
                          const float* __restrict__ min_p,        // [R]
                          const double* __restrict__ uniform,     // [R]
                          int64_t* __restrict__ tokens,           // [R]
                          float* __restrict__ logprobs) {         // [R]
  __shared__ SamplingScratch scratch;
  __shared__ alignas(16) unsigned char slots[kWarps * kSlotBytes];
  const int64_t row = blockIdx.x;
  RowSamplingParams params;
  params.temperature = temperature[row];
  params.top_k = top_k[row];
  params.top_p = top_p[row];
  params.min_p = min_p[row];
  params.uniform = uniform[row];
  const float* report_row = report_logits + row * vocab;
  const RowSample sample = sampling::sample_row(CudaBlock{slots}, scratch, logits + row * vocab,
                                                report_row, vocab, params);
  if (threadIdx.x == 0) {
    tokens[row] = sample.token;
    logprobs[row] = sample.logprob;
  }
}

void check_row_parameter(const at::Tensor& parameter,
                         const char* name,
                         at::ScalarType dtype,
                         const at::Tensor& logits) {
  TORCH_CHECK(parameter.defined() && parameter.dim() == 1 && parameter.size(0) == logits.size(0),
              "sample_rows_cuda: ", name, " must be [", logits.size(0), "]");
  TORCH_CHECK(parameter.scalar_type() == dtype, "sample_rows_cuda: ", name, " must be ", dtype,
              ", got ", parameter.scalar_type());
  TORCH_CHECK(parameter.device() == logits.device() && parameter.is_contiguous(),
              "sample_rows_cuda: ", name, " must be contiguous on the logits' device");
}

}  // namespace

namespace cuda {

// logits [R, V] fp32 CUDA contiguous (penalties already applied); report_logits [R, V] like it,
// or undefined for "same as logits"; temperature [R] fp32 (0 = greedy), top_k [R] int32
// (0 = off), top_p [R] fp64 (1 = off), min_p [R] fp32 (0 = off), uniform [R] fp64 in [0, 1).
// Returns {tokens [R] int64, logprobs [R] fp32}; a token of -1 marks a row with no finite,
// positive probability (its log-prob is NaN). Asynchronous: nothing is read back.
std::tuple<at::Tensor, at::Tensor> sample_rows(const at::Tensor& logits,
                                               const at::Tensor& report_logits,
                                               const at::Tensor& temperature,
                                               const at::Tensor& top_k,
                                               const at::Tensor& top_p,
                                               const at::Tensor& min_p,
                                               const at::Tensor& uniform) {
  TORCH_CHECK(logits.defined() && logits.is_cuda() && logits.dim() == 2 &&
                  logits.scalar_type() == at::kFloat && logits.is_contiguous(),
              "sample_rows_cuda: logits must be contiguous fp32 [R, V] on CUDA");
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  TORCH_CHECK(vocab > 0, "sample_rows_cuda: logits have an empty vocabulary");
  TORCH_CHECK(rows <= INT32_MAX, "sample_rows_cuda: ", rows, " rows exceed the grid");
  if (report_logits.defined()) {
    TORCH_CHECK(report_logits.sizes() == logits.sizes() &&
                    report_logits.scalar_type() == at::kFloat &&
                    report_logits.device() == logits.device() && report_logits.is_contiguous(),
                "sample_rows_cuda: report_logits must be contiguous fp32 ", logits.sizes(),
                " on the logits' device");
  }
  check_row_parameter(temperature, "temperature", at::kFloat, logits);
  check_row_parameter(top_k, "top_k", at::kInt, logits);
  check_row_parameter(top_p, "top_p", at::kDouble, logits);
  check_row_parameter(min_p, "min_p", at::kFloat, logits);
  check_row_parameter(uniform, "uniform", at::kDouble, logits);

  const c10::cuda::CUDAGuard guard(logits.device());
  at::Tensor tokens = at::empty({rows}, logits.options().dtype(at::kLong));
  at::Tensor logprobs = at::empty({rows}, logits.options());
  if (rows == 0) return {tokens, logprobs};
  const float* logits_data = logits.data_ptr<float>();
  const float* report_data =
      report_logits.defined() ? report_logits.data_ptr<float>() : logits_data;
  auto stream = at::cuda::getCurrentCUDAStream();
  fused_sampling_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
      logits_data, report_data, vocab, temperature.data_ptr<float>(), top_k.data_ptr<int32_t>(),
      top_p.data_ptr<double>(), min_p.data_ptr<float>(), uniform.data_ptr<double>(),
      tokens.data_ptr<int64_t>(), logprobs.data_ptr<float>());
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return {tokens, logprobs};
}

}  // namespace cuda

}  // namespace r1forge::kernels
