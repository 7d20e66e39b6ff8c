// The fused RoPE and paged-cache append (kernels/rope_append_row.h, src/kernels/rope_append.cu)
// against the transformer's own ATen path: apply_rope (model/layers.h) on q and k, then
// index_put_ of k and v at each row's (block, offset). On the CPU the kernel's algorithm runs on
// the host in fp32: bit for bit equal, and every other pool element untouched. On a GPU the
// kernel itself, in fp32, bf16 and fp16: bit for bit (it rounds each multiply and the add as
// ATen's three kernels do, never fused into an FMA).
#include <gtest/gtest.h>

#include "r1forge/kernels/kernels.h"
#include "r1forge/kernels/rope_append_row.h"
#include "r1forge/model/layers.h"
#include "test_util.h"

namespace r1forge {
namespace {

struct RopeCase {
  at::Tensor qkv;                   // [N, H + 2 Hkv, D]
  RotaryTables rotary;              // [N, 1, 1, D]
  at::Tensor key_pool, value_pool;  // [blocks, Hkv, B, D], NaN everywhere at first
  at::Tensor write_blocks, write_offsets;
  int64_t heads;
};

RopeCase make_case(at::ScalarType dtype, at::Device device) {
  at::manual_seed(9);
  const int64_t rows = 5, heads = 4, kv_heads = 2, dim = 16, blocks = 4, block_size = 4;
  RopeCase c;
  c.heads = heads;
  c.qkv = at::randn({rows, heads + 2 * kv_heads, dim}).to(device, dtype);
  const at::Tensor inverse = 1.0 / at::pow(10000.0, at::arange(0, dim, 2).to(at::kFloat) / dim);
  const at::Tensor positions = at::tensor({0, 3, 17, 250, 9}, at::kLong).view({rows, 1});
  c.rotary = rope_tables(inverse.to(device), positions.to(device), dtype);
  c.key_pool = at::full({blocks, kv_heads, block_size, dim}, NAN).to(device, dtype);
  c.value_pool = c.key_pool.clone();
  c.write_blocks = at::tensor({0, 3, 1, 3, 2}, at::kLong).to(device);
  c.write_offsets = at::tensor({0, 1, 3, 2, 0}, at::kLong).to(device);
  return c;
}

// The transformer's paged branch without the fusion: -> rotated queries [N, H, D].
at::Tensor aten_path(RopeCase& c) {
  const int64_t rows = c.qkv.size(0), kv_heads = c.key_pool.size(1), dim = c.qkv.size(2);
  at::Tensor x = c.qkv.view({rows, 1, -1, dim});  // [N, T, H + 2 Hkv, D]
  auto qk_v = x.split_with_sizes({c.heads + kv_heads, kv_heads}, 2);
  auto q_k = apply_rope(qk_v[0], c.rotary).split_with_sizes({c.heads, kv_heads}, 2);
  using at::indexing::Slice;
  c.key_pool.index_put_({c.write_blocks, Slice(), c.write_offsets}, q_k[1].select(1, 0));
  c.value_pool.index_put_({c.write_blocks, Slice(), c.write_offsets}, qk_v[1].select(1, 0));
  return q_k[0].select(1, 0);
}

TEST(RopeAppend, HostRunOfTheKernelAlgorithmEqualsApplyRopeAndIndexPut) {
  RopeCase expected = make_case(at::kFloat, at::kCPU), got = make_case(at::kFloat, at::kCPU);
  const at::Tensor queries = aten_path(expected);
  namespace rope = kernels::rope_append;
  const rope::RopeAppendShape shape{got.qkv.size(0), 4, 2, 16, 4, 4};
  at::Tensor query_out = at::empty({5, 4, 16});
  const at::Tensor cos = got.rotary.cos.reshape({5, 16}).contiguous();
  const at::Tensor sin = got.rotary.sin.reshape({5, 16}).contiguous();
  rope::rope_append_on_host(got.qkv.data_ptr<float>(), cos.data_ptr<float>(), sin.data_ptr<float>(),
                            got.write_blocks.data_ptr<int64_t>(),
                            got.write_offsets.data_ptr<int64_t>(), shape,
                            query_out.data_ptr<float>(), got.key_pool.data_ptr<float>(),
                            got.value_pool.data_ptr<float>());
  EXPECT_TRUE(at::equal(query_out, queries));
  // equal_nan: the untouched slots hold NaN on both sides.
  EXPECT_TRUE(at::allclose(got.key_pool, expected.key_pool, 0, 0, /*equal_nan=*/true));
  EXPECT_TRUE(at::allclose(got.value_pool, expected.value_pool, 0, 0, /*equal_nan=*/true));
  // 4 blocks x 4 offsets, 5 of them written, each for 2 KV heads of 16 values.
  EXPECT_EQ(got.key_pool.isnan().sum().item<int64_t>(), (4 * 4 - 5) * 2 * 16);
}

TEST(RopeAppend, KernelEqualsApplyRopeAndIndexPut_CUDA) {
  R1F_REQUIRE_CUDA();
  ASSERT_TRUE(kernels::cuda_kernels_loaded());
  for (at::ScalarType dtype : {at::kFloat, at::kBFloat16, at::kHalf}) {
    RopeCase expected = make_case(dtype, at::kCUDA), got = make_case(dtype, at::kCUDA);
    const at::Tensor queries = aten_path(expected);
    ASSERT_TRUE(kernels::rope_append_uses_cuda(got.qkv, got.rotary.cos, got.key_pool));
    const at::Tensor fused = kernels::rope_append_cuda(
        got.qkv, got.rotary.cos.reshape({5, 16}), got.rotary.sin.reshape({5, 16}), got.heads,
        got.key_pool, got.value_pool, got.write_blocks, got.write_offsets);
    EXPECT_TRUE(at::equal(fused, queries)) << dtype;
    EXPECT_TRUE(
        at::allclose(got.key_pool.to(at::kFloat), expected.key_pool.to(at::kFloat), 0, 0, true))
        << dtype;
    EXPECT_TRUE(
        at::allclose(got.value_pool.to(at::kFloat), expected.value_pool.to(at::kFloat), 0, 0, true))
        << dtype;
  }
}

}  // namespace
}  // namespace r1forge
