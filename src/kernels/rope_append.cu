// RoPE and the paged-cache append of one decode step on CUDA, fused: one block of 256 threads
// per row runs rope_append_row.h's rope_append_row over the row's fused qkv [H + 2 Hkv, D],
// returning rotated queries and writing rotated keys and raw values into the pools at the row's
// (block, offset). Replaces apply_rope over q and k and the two index_put_ of the ATen path,
// bit for bit (same roundings); the host twin is rope_append_on_host.
// Not here: qk-norm (applied before, by the caller), the attention, choosing this kernel over
// the ATen path (the caller's), prefill (many positions per row).
#include <ATen/ATen.h>
#include <ATen/Dispatch_v2.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "cuda_element.cuh"
#include "r1forge/kernels/rope_append_row.h"

namespace r1forge::kernels {
namespace {

using rope_append::RopeAppendShape;

// A row is (H + 2 Hkv) * D elements, 6144 for 32 + 2 * 8 heads of 128: 24 per thread. Decode
// grids are small (one block per row), so blocks are wide rather than many.
constexpr int kThreads = 256;

// The Block policy of rope_append_row: one CUDA block, no barriers needed.
struct CudaBlock {
  __device__ __forceinline__ int thread_index() const { return threadIdx.x; }
  __device__ __forceinline__ int thread_count() const { return kThreads; }
};

// Grid (N): block n rotates and appends row n. An out-of-pool (block, offset) stops the kernel
// with a device assert, as index_put_'s bounds check does (negative indices are not wrapped).
template <typename Element>
__global__ void __launch_bounds__(kThreads)
    rope_append_kernel(const Element* __restrict__ qkv,            // [N, H + 2 Hkv, D]
                       const Element* __restrict__ cos,            // [N, D]
                       const Element* __restrict__ sin,            // [N, D]
                       const int64_t* __restrict__ write_blocks,   // [N]
                       const int64_t* __restrict__ write_offsets,  // [N]
                       RopeAppendShape shape,
                       Element* __restrict__ query_out,  // [N, H, D]
                       Element* key_pool,                // [blocks, Hkv, B, D]
                       Element* value_pool) {            // [blocks, Hkv, B, D]
  const int64_t row = blockIdx.x, head_dim = shape.head_dim;
  const int64_t write_block = write_blocks[row], write_offset = write_offsets[row];
  CUDA_KERNEL_ASSERT(shape.in_pool(write_block, write_offset));
  rope_append::rope_append_row(CudaBlock(), shape, qkv + row * shape.qkv_heads() * head_dim,
                               cos + row * head_dim, sin + row * head_dim, write_block,
                               write_offset, query_out + row * shape.heads * head_dim, key_pool,
                               value_pool);
}

void check_same(const at::Tensor& tensor, const char* name, const at::Tensor& qkv) {
  TORCH_CHECK(tensor.defined() && tensor.scalar_type() == qkv.scalar_type() &&
                  tensor.device() == qkv.device() && tensor.is_contiguous(),
              "rope_append_cuda: ", name, " must be contiguous ", qkv.scalar_type(),
              " on qkv's device");
}

void check_index(const at::Tensor& tensor, const char* name, int64_t rows, const at::Tensor& qkv) {
  TORCH_CHECK(tensor.defined() && tensor.dim() == 1 && tensor.size(0) == rows,
              "rope_append_cuda: ", name, " must be [", rows, "]");
  TORCH_CHECK(tensor.scalar_type() == at::kLong, "rope_append_cuda: ", name, " must be int64, got ",
              tensor.scalar_type());
  TORCH_CHECK(tensor.device() == qkv.device() && tensor.is_contiguous(), "rope_append_cuda: ", name,
              " must be contiguous on qkv's device");
}

}  // namespace

namespace cuda {

// qkv [N, H + 2 Hkv, D] contiguous (fp32, bf16 or fp16: the model dtype), D even; cos, sin
// [N, D] contiguous, same dtype (row n's position's tables, HF rotate-half layout); key_pool,
// value_pool [blocks, Hkv, B, D] contiguous, same dtype, distinct; write_blocks, write_offsets
// [N] int64 (in [0, blocks) and [0, B): checked on the device). Writes row n's rotated keys and
// values into the pools at (write_blocks[n], :, write_offsets[n], :) in place; returns the
// rotated queries [N, H, D] in qkv's dtype. Rows sharing a (block, offset) race, as with
// index_put_. Asynchronous: nothing is read back.
at::Tensor rope_append(const at::Tensor& qkv,
                       const at::Tensor& cos,
                       const at::Tensor& sin,
                       int64_t heads,
                       const at::Tensor& key_pool,
                       const at::Tensor& value_pool,
                       const at::Tensor& write_blocks,
                       const at::Tensor& write_offsets) {
  TORCH_CHECK(qkv.defined() && qkv.is_cuda() && qkv.dim() == 3 && qkv.is_contiguous(),
              "rope_append_cuda: qkv must be contiguous [N, H + 2 Hkv, D] on CUDA");
  const at::ScalarType dtype = qkv.scalar_type();
  TORCH_CHECK(dtype == at::kFloat || dtype == at::kBFloat16 || dtype == at::kHalf,
              "rope_append_cuda: qkv must be fp32, bf16 or fp16, got ", dtype);
  const int64_t rows = qkv.size(0), head_dim = qkv.size(2);
  TORCH_CHECK(head_dim >= 2 && head_dim % 2 == 0, "rope_append_cuda: D = ", head_dim,
              " must be even");
  TORCH_CHECK(key_pool.defined() && key_pool.dim() == 4 && value_pool.defined() &&
                  value_pool.sizes() == key_pool.sizes(),
              "rope_append_cuda: key_pool and value_pool must both be [blocks, Hkv, B, D]");
  check_same(key_pool, "key_pool", qkv);
  check_same(value_pool, "value_pool", qkv);
  TORCH_CHECK(!key_pool.is_same(value_pool) || key_pool.numel() == 0,
              "rope_append_cuda: key_pool and value_pool must be distinct");
  const int64_t blocks = key_pool.size(0), kv_heads = key_pool.size(1);
  const int64_t block_size = key_pool.size(2);
  TORCH_CHECK(key_pool.size(3) == head_dim, "rope_append_cuda: the pools' D is ", key_pool.size(3),
              ", qkv's ", head_dim);
  TORCH_CHECK(heads >= 1 && kv_heads >= 1 && qkv.size(1) == heads + 2 * kv_heads,
              "rope_append_cuda: qkv has ", qkv.size(1), " heads, not H + 2 Hkv = ", heads,
              " + 2 * ", kv_heads);
  for (const auto& [table, name] : {std::pair{&cos, "cos"}, std::pair{&sin, "sin"}}) {
    TORCH_CHECK(table->defined() && table->dim() == 2 && table->size(0) == rows &&
                    table->size(1) == head_dim,
                "rope_append_cuda: ", name, " must be [", rows, ", ", head_dim, "]");
    check_same(*table, name, qkv);
  }
  check_index(write_blocks, "write_blocks", rows, qkv);
  check_index(write_offsets, "write_offsets", rows, qkv);
  TORCH_CHECK(rows <= INT32_MAX && qkv.size(1) * head_dim <= INT32_MAX && block_size <= INT32_MAX,
              "rope_append_cuda: sizes exceed the grid");

  const c10::cuda::CUDAGuard guard(qkv.device());
  at::Tensor query = at::empty({rows, heads, head_dim}, qkv.options());
  if (rows == 0) return query;
  const RopeAppendShape shape{rows,
                              static_cast<int>(heads),
                              static_cast<int>(kv_heads),
                              static_cast<int>(head_dim),
                              static_cast<int>(block_size),
                              blocks};
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_V2(
      dtype, "rope_append_cuda", AT_WRAP([&] {
        using Element = typename CudaElement<scalar_t>::type;
        const auto* qkv_data = reinterpret_cast<const Element*>(qkv.data_ptr<scalar_t>());
        const auto* cos_data = reinterpret_cast<const Element*>(cos.data_ptr<scalar_t>());
        const auto* sin_data = reinterpret_cast<const Element*>(sin.data_ptr<scalar_t>());
        auto* query_data = reinterpret_cast<Element*>(query.data_ptr<scalar_t>());
        auto* keys = reinterpret_cast<Element*>(key_pool.data_ptr<scalar_t>());
        auto* values = reinterpret_cast<Element*>(value_pool.data_ptr<scalar_t>());
        rope_append_kernel<Element><<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
            qkv_data, cos_data, sin_data, write_blocks.data_ptr<int64_t>(),
            write_offsets.data_ptr<int64_t>(), shape, query_data, keys, values);
        C10_CUDA_KERNEL_LAUNCH_CHECK();
      }),
      at::kFloat, at::kHalf, at::kBFloat16);
  return query;
}

}  // namespace cuda

}  // namespace r1forge::kernels
