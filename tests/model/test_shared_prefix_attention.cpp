// Cascade decode attention (model/shared_prefix_attention.h) against a plain per-row
// reference in fp64: each row's keys are its prefix's real positions followed by its own
// cached positions, repeated per query head (GQA), softmax(q k / sqrt(D)) v. Rows of one
// prefix come in any order and number, one prefix has no row, one has an empty prefix.
// Tolerance 1e-5: fp32, only the summation order differs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "r1forge/model/shared_prefix_attention.h"
#include "test_util.h"

namespace r1forge {
namespace {

TEST(SharedPrefixAttention, GroupsRowsByPrefix) {
  PrefixRowGroups groups = group_rows_by_prefix(at::tensor({2, 0, 2, 2}, at::kLong), at::kCPU);
  EXPECT_EQ(groups.prefixes, 3);
  EXPECT_EQ(groups.members, 3);
  // Places: prefix 0 -> row 1 then pads (row 0), prefix 1 -> all pads, prefix 2 -> rows 0 2 3.
  EXPECT_TRUE(at::equal(groups.gather, at::tensor({1, 0, 0, 0, 0, 0, 0, 2, 3}, at::kLong)));
  EXPECT_TRUE(at::equal(groups.place, at::tensor({6, 0, 7, 8}, at::kLong)));
  EXPECT_FALSE(groups.in_place);
  // Rows prefix by prefix, the same number each: no gathers needed.
  EXPECT_TRUE(group_rows_by_prefix(at::tensor({0, 0, 1, 1}, at::kLong), at::kCPU).in_place);
  EXPECT_FALSE(group_rows_by_prefix(at::tensor({0, 1, 0, 1}, at::kLong), at::kCPU).in_place);
  EXPECT_FALSE(group_rows_by_prefix(at::tensor({0, 0, 1}, at::kLong), at::kCPU).in_place);
}

TEST(SharedPrefixAttention, EqualsPerRowAttention) {
  torch::manual_seed(7);
  const int64_t heads = 4, kv_heads = 2, dim = 8, prefix_capacity = 6, own_capacity = 5;
  // Scattered rows (prefix 2 has none), then rows already prefix by prefix (no gathers).
  for (const std::vector<int64_t>& owner :
       {std::vector<int64_t>{3, 0, 3, 1, 3, 0}, std::vector<int64_t>{0, 0, 1, 1, 2, 2}}) {
    const std::vector<int64_t> prefix_length = {6, 0, 4, 3};  // prefix 1 is empty
    const std::vector<int64_t> own_length = {1, 5, 3, 2, 4, 1};
    const int64_t rows = static_cast<int64_t>(owner.size()), prefixes = 4;
    at::Tensor q = at::randn({rows, heads, 1, dim});
    at::Tensor prefix_keys = at::randn({prefixes, kv_heads, prefix_capacity, dim});
    at::Tensor prefix_values = at::randn({prefixes, kv_heads, prefix_capacity, dim});
    at::Tensor keys = at::randn({rows, kv_heads, own_capacity, dim});
    at::Tensor values = at::randn({rows, kv_heads, own_capacity, dim});
    at::Tensor prefix_mask = at::arange(prefix_capacity).unsqueeze(0) <
                             at::tensor(prefix_length, at::kLong).unsqueeze(1);
    at::Tensor mask =
        (at::arange(own_capacity).unsqueeze(0) < at::tensor(own_length, at::kLong).unsqueeze(1))
            .view({rows, 1, 1, own_capacity});
    PrefixRowGroups groups = group_rows_by_prefix(at::tensor(owner, at::kLong), at::kCPU);
    at::Tensor blocked = prefix_mask.logical_not().view({prefixes, 1, 1, prefix_capacity});
    at::Tensor out = shared_prefix_decode_attention(q, prefix_keys, prefix_values, blocked, groups,
                                                    keys, values, mask);
    ASSERT_EQ(out.sizes(), q.sizes());
    for (int64_t n = 0; n < rows; ++n) {
      const int64_t p = owner[static_cast<size_t>(n)];
      const int64_t tp = prefix_length[static_cast<size_t>(p)],
                    t = own_length[static_cast<size_t>(n)];
      at::Tensor k = at::cat({prefix_keys[p].narrow(1, 0, tp), keys[n].narrow(1, 0, t)}, 1)
                         .to(at::kDouble)
                         .repeat_interleave(heads / kv_heads, 0);  // [H, tp + t, D]
      at::Tensor v = at::cat({prefix_values[p].narrow(1, 0, tp), values[n].narrow(1, 0, t)}, 1)
                         .to(at::kDouble)
                         .repeat_interleave(heads / kv_heads, 0);
      at::Tensor scores = at::matmul(q[n].to(at::kDouble), k.transpose(1, 2)) / std::sqrt(dim);
      at::Tensor expected = at::matmul(scores.softmax(-1), v);  // [H, 1, D]
      EXPECT_LT(testing::max_abs_diff(out[n].to(at::kDouble), expected), 1e-5) << "row " << n;
    }
  }
}

}  // namespace
}  // namespace r1forge
