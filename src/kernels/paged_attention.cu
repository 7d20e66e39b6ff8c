// Decode attention over a paged KV cache on CUDA (flash-decoding): one block of 128 threads per
// (row, kv head, sequence split) runs paged_attention_row.h's attend_split for all query heads
// of its kv head, and writes fp32 partials (max, sum, accumulator) that a second small kernel
// merges by the log-sum-exp rule into q's dtype; with one split the first kernel writes the
// output itself. The same code runs on the host in tests (paged_decode_attention_on_host).
// Not here: prefill (many queries per row), writing the cache, choosing the kernel over the ATen
// path (the caller's), checking that block-table entries lie inside the pool.
#include <ATen/ATen.h>
#include <ATen/Dispatch_v2.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "cuda_element.cuh"
#include "r1forge/kernels/paged_attention_row.h"

namespace r1forge::kernels {
namespace {

using paged_attention::AttentionScratch;
using paged_attention::kChunk;
using paged_attention::kPartialValues;
using paged_attention::PagedAttentionShape;
using paged_attention::PagedRow;
using paged_attention::ScalarReader;
using paged_attention::SplitRange;

// 128 threads: a tile's 128 positions are scored one per thread, and a block stays small
// enough (21 KB of shared memory) for many to share an SM, since decode grids are often small.
constexpr int kThreads = 128;
constexpr int kMergeThreads = 128;
constexpr int kWarpSize = 32;
constexpr unsigned kFullMask = 0xffffffffu;
static_assert(kThreads <= paged_attention::kMaxThreads, "the accumulators hold kMaxThreads");

// The Block policy of attend_split for one CUDA block of kThreadCount threads; a group is a warp.
template <int kThreadCount>
struct CudaBlock {
  __device__ __forceinline__ int thread_index() const { return threadIdx.x; }
  __device__ __forceinline__ int thread_count() const { return kThreadCount; }
  __device__ __forceinline__ int lane() const { return threadIdx.x % kWarpSize; }
  __device__ __forceinline__ int group_size() const { return kWarpSize; }
  __device__ __forceinline__ int group_index() const { return threadIdx.x / kWarpSize; }
  __device__ __forceinline__ void sync() const { __syncthreads(); }
  template <typename T, typename Combine>
  __device__ __forceinline__ T group_reduce(T value, Combine combine) const {
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
      value = combine(value, __shfl_xor_sync(kFullMask, value, offset));
    }
    return value;
  }
};

// kChunk keys elements in 16-byte loads: 32 bytes of fp32, 16 of bf16 / fp16. Only where the
// pool is 16-byte aligned and D % kChunk == 0, so every key row is.
template <typename Element>
struct VectorReader;
template <>
struct VectorReader<float> {
  __device__ __forceinline__ void operator()(const float* source, int, float (&out)[kChunk]) const {
    const float4 low = __ldg(reinterpret_cast<const float4*>(source));
    const float4 high = __ldg(reinterpret_cast<const float4*>(source) + 1);
    out[0] = low.x, out[1] = low.y, out[2] = low.z, out[3] = low.w;
    out[4] = high.x, out[5] = high.y, out[6] = high.z, out[7] = high.w;
  }
};
template <typename Pair, float2 (*kToFloat2)(Pair)>
__device__ __forceinline__ void read_pairs(const void* source, float (&out)[kChunk]) {
  const uint4 raw = __ldg(reinterpret_cast<const uint4*>(source));
  const Pair* pairs = reinterpret_cast<const Pair*>(&raw);
#pragma unroll
  for (int i = 0; i < kChunk / 2; ++i) {
    const float2 two = kToFloat2(pairs[i]);
    out[2 * i] = two.x;
    out[2 * i + 1] = two.y;
  }
}
template <>
struct VectorReader<__nv_bfloat16> {
  __device__ __forceinline__ void operator()(const __nv_bfloat16* source,
                                             int,
                                             float (&out)[kChunk]) const {
    read_pairs<__nv_bfloat162, __bfloat1622float2>(source, out);
  }
};
template <>
struct VectorReader<__half> {
  __device__ __forceinline__ void operator()(const __half* source,
                                             int,
                                             float (&out)[kChunk]) const {
    read_pairs<__half2, __half22float2>(source, out);
  }
};

// Grid (A, Hkv, S). With S > 1 it writes partials [A, H, S, D + 2]; with S == 1 the split is
// the whole row, so it normalises (accumulator / sum) and writes out [A, H, D] itself.
template <typename Element, typename Reader>
__global__ void __launch_bounds__(kThreads)
    paged_attention_split_kernel(const Element* __restrict__ query,        // [A, H, D]
                                 const Element* __restrict__ key_pool,     // [N, Hkv, B, D]
                                 const Element* __restrict__ value_pool,   // [N, Hkv, B, D]
                                 const int32_t* __restrict__ block_table,  // [A, M]
                                 const int32_t* __restrict__ lengths,      // [A]
                                 PagedAttentionShape shape,
                                 float scale,
                                 float* __restrict__ partials,  // [A, H, S, D + 2]
                                 Element* __restrict__ out) {   // [A, H, D]
  __shared__ AttentionScratch scratch;
  const CudaBlock<kThreads> block;
  const int64_t row_index = blockIdx.x;
  const int kv_head = blockIdx.y, split = blockIdx.z, splits = gridDim.z;
  const int group = shape.group_size(), head_dim = shape.head_dim;
  const int64_t first_head = row_index * shape.heads + kv_head * group;
  const SplitRange range =
      paged_attention::split_range(shape.clamped_length(lengths[row_index]), splits, split);
  if (!range.empty()) {  // the same for the whole block: attend_split's barriers are safe
    const PagedRow<Element> row =
        paged_attention::paged_row(shape, key_pool, value_pool, block_table, row_index, kv_head);
    paged_attention::attend_split(block, scratch, query + first_head * head_dim, group, scale, row,
                                  range, Reader());
  }
  if (splits > 1) {
    const int64_t split_stride = head_dim + kPartialValues;
    paged_attention::write_partials(block, scratch, group, head_dim, range.empty(),
                                    partials + (first_head * splits + split) * split_stride,
                                    splits * split_stride);
    return;
  }
  Element* group_out = out + first_head * head_dim;
  if (range.empty()) {  // a row of length 0
    for (int i = threadIdx.x; i < group * head_dim; i += kThreads) {
      paged_attention::store_float(group_out + i, 0.f);
    }
    return;
  }
  paged_attention::for_each_accumulated(
      block, scratch, group, head_dim, [&](int g, int d, float total) {
        paged_attention::store_float(group_out + g * head_dim + d, total / scratch.running_sum[g]);
      });
}

// One block per (row, head): partials [A * H, S, D + 2] -> out [A * H, D].
template <typename Element>
__global__ void __launch_bounds__(kMergeThreads) paged_attention_merge_kernel(
    const float* __restrict__ partials, int splits, int head_dim, Element* __restrict__ out) {
  const int64_t head = blockIdx.x;
  Element* head_out = out + head * head_dim;
  paged_attention::merge_splits(
      CudaBlock<kMergeThreads>(), partials + head * splits * (head_dim + kPartialValues), splits,
      head_dim, [&](int d, float value) { paged_attention::store_float(head_out + d, value); });
}

void check_int32_tensor(
    const at::Tensor& tensor, const char* name, int64_t dims, int64_t rows, const at::Tensor& q) {
  TORCH_CHECK(tensor.defined() && tensor.dim() == dims && tensor.size(0) == rows,
              "paged_decode_attention_cuda: ", name, " must have ", dims, " dims and ", rows,
              " rows");
  TORCH_CHECK(tensor.scalar_type() == at::kInt, "paged_decode_attention_cuda: ", name,
              " must be int32, got ", tensor.scalar_type());
  TORCH_CHECK(tensor.device() == q.device() && tensor.is_contiguous(),
              "paged_decode_attention_cuda: ", name, " must be contiguous on q's device");
}

}  // namespace

namespace cuda {

// q [A, H, D] contiguous (fp32, bf16 or fp16), key_pool and value_pool [N, Hkv, B, D]
// contiguous, same dtype as q; block_table [A, M] int32 contiguous (entry j = the pool block
// holding positions [j*B, (j+1)*B) of row a; entries past the row's blocks are never read, but
// those within it must lie in [0, N): not checked); lengths [A] int32 (row a attends to
// positions [0, lengths[a]); lengths >= 1; a larger one is cut to M * B, one below 1 gives
// zeros). Returns [A, H, D] in q's dtype: softmax(q k^T * scale) v per row and head, query head
// h reading kv head h / (H / Hkv). Splits: paged_attention_layout.h's split_count(M * B).
// Asynchronous: nothing is read back.
at::Tensor paged_decode_attention(const at::Tensor& q,
                                  const at::Tensor& key_pool,
                                  const at::Tensor& value_pool,
                                  const at::Tensor& block_table,
                                  const at::Tensor& lengths,
                                  double scale) {
  TORCH_CHECK(q.defined() && q.is_cuda() && q.dim() == 3 && q.is_contiguous(),
              "paged_decode_attention_cuda: q must be contiguous [A, H, D] on CUDA");
  const at::ScalarType dtype = q.scalar_type();
  TORCH_CHECK(dtype == at::kFloat || dtype == at::kBFloat16 || dtype == at::kHalf,
              "paged_decode_attention_cuda: q must be fp32, bf16 or fp16, got ", dtype);
  const int64_t rows = q.size(0), heads = q.size(1), head_dim = q.size(2);
  TORCH_CHECK(key_pool.defined() && key_pool.dim() == 4 && value_pool.defined() &&
                  value_pool.sizes() == key_pool.sizes(),
              "paged_decode_attention_cuda: key_pool and value_pool must both be [N, Hkv, B, D]");
  for (const at::Tensor* pool : {&key_pool, &value_pool}) {
    TORCH_CHECK(
        pool->scalar_type() == dtype && pool->device() == q.device() && pool->is_contiguous(),
        "paged_decode_attention_cuda: the pools must be contiguous ", dtype, " on q's device");
  }
  const int64_t kv_heads = key_pool.size(1), block_size = key_pool.size(2);
  TORCH_CHECK(key_pool.size(3) == head_dim, "paged_decode_attention_cuda: the pools' D is ",
              key_pool.size(3), ", q's ", head_dim);
  TORCH_CHECK(head_dim >= 1 && head_dim <= paged_attention::kMaxHeadDim,
              "paged_decode_attention_cuda: D = ", head_dim, " is not in [1, ",
              paged_attention::kMaxHeadDim, "]");
  TORCH_CHECK(
      kv_heads >= 1 && heads % kv_heads == 0 && heads / kv_heads <= paged_attention::kMaxGroupSize,
      "paged_decode_attention_cuda: H = ", heads, " must be a multiple of Hkv = ", kv_heads,
      ", at most ", paged_attention::kMaxGroupSize, " times it");
  TORCH_CHECK(block_size >= 1 && block_size <= INT32_MAX,
              "paged_decode_attention_cuda: bad block size ", block_size);
  check_int32_tensor(block_table, "block_table", 2, rows, q);
  check_int32_tensor(lengths, "lengths", 1, rows, q);
  TORCH_CHECK(block_table.size(1) <= INT32_MAX && kv_heads <= 65535 && rows * heads <= INT32_MAX,
              "paged_decode_attention_cuda: sizes exceed the grid");

  const c10::cuda::CUDAGuard guard(q.device());
  at::Tensor out = at::empty_like(q);
  if (rows == 0 || heads == 0) return out;
  const PagedAttentionShape shape{rows,
                                  static_cast<int>(heads),
                                  static_cast<int>(kv_heads),
                                  static_cast<int>(head_dim),
                                  static_cast<int>(block_size),
                                  static_cast<int>(block_table.size(1))};
  const int splits = paged_attention::split_count(shape.capacity());
  at::Tensor partials;
  if (splits > 1) {
    partials =
        at::empty({rows, heads, splits, head_dim + kPartialValues}, q.options().dtype(at::kFloat));
  }
  float* partials_data = splits > 1 ? partials.data_ptr<float>() : nullptr;
  const bool vectorized =
      head_dim % kChunk == 0 && reinterpret_cast<uintptr_t>(key_pool.data_ptr()) % 16 == 0;
  const dim3 grid(static_cast<unsigned>(rows), static_cast<unsigned>(kv_heads),
                  static_cast<unsigned>(splits));
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_V2(
      dtype, "paged_decode_attention_cuda", AT_WRAP([&] {
        using Element = typename CudaElement<scalar_t>::type;
        const auto* query_data = reinterpret_cast<const Element*>(q.data_ptr<scalar_t>());
        const auto* keys = reinterpret_cast<const Element*>(key_pool.data_ptr<scalar_t>());
        const auto* values = reinterpret_cast<const Element*>(value_pool.data_ptr<scalar_t>());
        auto* out_data = reinterpret_cast<Element*>(out.data_ptr<scalar_t>());
        const int32_t* table = block_table.data_ptr<int32_t>();
        const int32_t* length_data = lengths.data_ptr<int32_t>();
        if (vectorized) {
          paged_attention_split_kernel<Element, VectorReader<Element>>
              <<<grid, kThreads, 0, stream>>>(query_data, keys, values, table, length_data, shape,
                                              static_cast<float>(scale), partials_data, out_data);
        } else {
          paged_attention_split_kernel<Element, ScalarReader<Element>>
              <<<grid, kThreads, 0, stream>>>(query_data, keys, values, table, length_data, shape,
                                              static_cast<float>(scale), partials_data, out_data);
        }
        C10_CUDA_KERNEL_LAUNCH_CHECK();
        if (splits > 1) {
          paged_attention_merge_kernel<Element>
              <<<static_cast<unsigned>(rows * heads), kMergeThreads, 0, stream>>>(
                  partials_data, splits, static_cast<int>(head_dim), out_data);
          C10_CUDA_KERNEL_LAUNCH_CHECK();
        }
      }),
      at::kFloat, at::kHalf, at::kBFloat16);
  return out;
}

}  // namespace cuda

}  // namespace r1forge::kernels
