// The paged decode attention kernel's algorithm (kernels/paged_attention_row.h) run on the host
// (one thread per grid block, then the split merge) against its ATen twin
// (paged_decode_attention_reference): random rows over shuffled block tables with shared
// blocks, GQA groups 1 to 8, head dims 8 to 256, blocks of 1, 4 and 16 positions, lengths up to
// 5000 (so 1 to 10 splits, and rows ending on block and split boundaries), NaN in every pool
// slot no row reads. fp32: 1e-5 absolute (measured ~1e-6: the twin sums in another order).
// On a GPU, the CUDA kernel against the twin in fp32, bf16 and fp16, and the launcher's switch.
#include <gtest/gtest.h>

#include <random>

#include "r1forge/kernels/kernel_config.h"
#include "r1forge/kernels/kernels.h"
#include "r1forge/kernels/paged_attention_row.h"
#include "r1forge/kernels/reference.h"
#include "test_util.h"

namespace r1forge {
namespace {

struct PagedCase {
  at::Tensor q, keys, values, table, lengths;  // as the twin takes them, fp32 on the CPU
};

// Rows whose blocks are drawn without replacement from a pool, the first row's first blocks
// shared by every row (a prompt's blocks); unread pool positions hold NaN.
PagedCase random_case(std::mt19937_64& random,
                      int64_t rows,
                      int64_t heads,
                      int64_t kv_heads,
                      int64_t dim,
                      int64_t block_size,
                      int64_t longest) {
  std::uniform_int_distribution<int64_t> length_of(1, longest);
  std::vector<int64_t> lengths(static_cast<size_t>(rows));
  for (auto& length : lengths) length = length_of(random);
  lengths[0] = longest;  // one row at the table's full width
  const int64_t width = (longest + block_size - 1) / block_size;
  const int64_t shared = std::min<int64_t>(2, width - 1);
  const int64_t pool_blocks = rows * width + 3;
  std::vector<int32_t> free(static_cast<size_t>(pool_blocks));
  std::iota(free.begin(), free.end(), 0);
  std::shuffle(free.begin(), free.end(), random);
  at::Tensor table = at::full({rows, width}, -1, at::kInt);
  std::vector<int32_t> prompt(free.end() - shared, free.end());
  free.resize(free.size() - static_cast<size_t>(shared));
  at::Tensor keys = at::full({pool_blocks, kv_heads, block_size, dim}, NAN);
  at::Tensor values = at::full({pool_blocks, kv_heads, block_size, dim}, NAN);
  for (int64_t n = 0; n < rows; ++n) {
    const int64_t used = (lengths[n] + block_size - 1) / block_size;
    for (int64_t j = 0; j < used; ++j) {
      int32_t block = j < shared && used > shared ? prompt[j] : free.back();
      if (!(j < shared && used > shared)) free.pop_back();
      table[n][j] = block;
      const int64_t filled = std::min(block_size, lengths[n] - j * block_size);
      keys[block].narrow(1, 0, filled).normal_();
      values[block].narrow(1, 0, filled).normal_();
    }
  }
  return {at::randn({rows, heads, dim}), keys, values, table,
          at::tensor(std::vector<int32_t>(lengths.begin(), lengths.end()), at::kInt)};
}

at::Tensor on_host(const PagedCase& c, double scale) {
  namespace paged = kernels::paged_attention;
  paged::PagedAttentionShape shape{c.q.size(0),
                                   static_cast<int>(c.q.size(1)),
                                   static_cast<int>(c.keys.size(1)),
                                   static_cast<int>(c.q.size(2)),
                                   static_cast<int>(c.keys.size(2)),
                                   static_cast<int>(c.table.size(1))};
  at::Tensor out = at::empty_like(c.q);
  paged::paged_decode_attention_on_host(c.q.data_ptr<float>(), c.keys.data_ptr<float>(),
                                        c.values.data_ptr<float>(), c.table.data_ptr<int32_t>(),
                                        c.lengths.data_ptr<int32_t>(), shape,
                                        static_cast<float>(scale), out.data_ptr<float>());
  return out;
}

TEST(PagedAttention, HostRunOfTheKernelAlgorithmMatchesTheTwin) {
  std::mt19937_64 random(20261206);
  at::manual_seed(5);
  struct Shape {
    int64_t rows, heads, kv_heads, dim, block_size, longest;
  };
  const Shape shapes[] = {{1, 1, 1, 8, 1, 1},       {3, 4, 2, 8, 4, 37},
                          {5, 8, 1, 64, 16, 512},   {4, 7, 7, 64, 16, 513},
                          {2, 14, 2, 64, 16, 1100}, {3, 4, 1, 128, 4, 2048},
                          {2, 8, 8, 256, 16, 700},  {2, 16, 2, 128, 16, 5000}};
  for (const Shape& s : shapes) {
    for (int trial = 0; trial < 3; ++trial) {
      const PagedCase c =
          random_case(random, s.rows, s.heads, s.kv_heads, s.dim, s.block_size, s.longest);
      const double scale = 1.0 / std::sqrt(static_cast<double>(s.dim));
      const at::Tensor twin = kernels::paged_decode_attention_reference(c.q, c.keys, c.values,
                                                                        c.table, c.lengths, scale);
      const at::Tensor host = on_host(c, scale);
      EXPECT_FALSE(host.isnan().any().item<bool>()) << "read an unused pool slot";
      EXPECT_LT(testing::max_abs_diff(host, twin), 1e-5)
          << "rows " << s.rows << " H " << s.heads << " Hkv " << s.kv_heads << " D " << s.dim
          << " B " << s.block_size << " longest " << s.longest;
    }
  }
}

TEST(PagedAttention, LauncherTakesTheTwinOnTheCpu) {
  std::mt19937_64 random(1);
  const PagedCase c = random_case(random, 2, 4, 2, 8, 4, 9);
  EXPECT_FALSE(kernels::paged_attention_uses_cuda(c.q, c.keys));
  EXPECT_TRUE(at::equal(
      kernels::paged_decode_attention(c.q, c.keys, c.values, c.table, c.lengths, 0.3),
      kernels::paged_decode_attention_reference(c.q, c.keys, c.values, c.table, c.lengths, 0.3)));
}

// fp32: summation order only; bf16/fp16: the output rounded to the dtype (2^-8, 2^-11 of the
// values' scale, ~1 here) plus inputs rounded alike on both sides.
TEST(PagedAttention, KernelMatchesTheTwin_CUDA) {
  R1F_REQUIRE_CUDA();
  ASSERT_TRUE(kernels::cuda_kernels_loaded());
  std::mt19937_64 random(7);
  for (at::ScalarType dtype : {at::kFloat, at::kBFloat16, at::kHalf}) {
    const PagedCase c = random_case(random, 6, 14, 2, 64, 16, 3000);
    auto cuda = [&](const at::Tensor& t) { return t.to(at::kCUDA); };
    auto cast = [&](const at::Tensor& t) { return t.to(at::kCUDA, dtype); };
    const double scale = 0.125;
    ASSERT_TRUE(kernels::paged_attention_uses_cuda(cast(c.q), cast(c.keys)));
    const at::Tensor kernel = kernels::paged_decode_attention(
        cast(c.q), cast(c.keys), cast(c.values), cuda(c.table), cuda(c.lengths), scale);
    const at::Tensor twin = kernels::paged_decode_attention_reference(
        cast(c.q), cast(c.keys), cast(c.values), cuda(c.table), cuda(c.lengths), scale);
    const double bound = dtype == at::kFloat ? 1e-5 : (dtype == at::kBFloat16 ? 2e-2 : 4e-3);
    EXPECT_LT(testing::max_abs_diff(kernel, twin), bound) << dtype;
    KernelConfig aten;
    aten.paged_attention = "aten";
    kernels::set_kernel_config(aten);
    EXPECT_FALSE(kernels::paged_attention_uses_cuda(cast(c.q), cast(c.keys)));
    kernels::set_kernel_config({});
  }
}

}  // namespace
}  // namespace r1forge
