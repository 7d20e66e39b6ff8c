// Cascade attention for decode steps; see model/shared_prefix_attention.h.
#include "r1forge/model/shared_prefix_attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/device_copy.h"

namespace r1forge {

PrefixRowGroups group_rows_by_prefix(const at::Tensor& owner, at::Device device) {
  at::Tensor host = owner.to(at::kCPU, at::kLong).contiguous();
  const int64_t rows = host.numel();
  const int64_t* owners = host.data_ptr<int64_t>();
  PrefixRowGroups groups;
  for (int64_t n = 0; n < rows; ++n) {
    R1F_CHECK(owners[n] >= 0, "group_rows_by_prefix: row ", n, " has no prefix");
    groups.prefixes = std::max(groups.prefixes, owners[n] + 1);
  }
  std::vector<int64_t> count(static_cast<size_t>(groups.prefixes), 0);
  for (int64_t n = 0; n < rows; ++n) {
    groups.members = std::max(groups.members, ++count[static_cast<size_t>(owners[n])]);
  }
  std::vector<int64_t> gather(static_cast<size_t>(groups.prefixes * groups.members), 0);
  std::vector<int64_t> place(static_cast<size_t>(rows));
  std::fill(count.begin(), count.end(), 0);
  for (int64_t n = 0; n < rows; ++n) {
    const int64_t at = owners[n] * groups.members + count[static_cast<size_t>(owners[n])]++;
    gather[static_cast<size_t>(at)] = n;
    place[static_cast<size_t>(n)] = at;
  }
  groups.in_place = groups.prefixes * groups.members == rows;
  for (int64_t n = 0; n < rows && groups.in_place; ++n) {
    groups.in_place = place[static_cast<size_t>(n)] == n;
  }
  groups.gather = to_device(at::tensor(gather, at::kLong), device);
  groups.place = to_device(at::tensor(place, at::kLong), device);
  return groups;
}

namespace {

// [E * R, Hkv, G, X] by place -> [E, Hkv, R * G, X]: each prefix's rows as one GEMM operand.
at::Tensor places_to_prefix_major(const at::Tensor& by_place, int64_t prefixes, int64_t members) {
  const int64_t kv_heads = by_place.size(1), groups = by_place.size(2), last = by_place.size(3);
  return by_place.reshape({prefixes, members, kv_heads, groups, last})
      .permute({0, 2, 1, 3, 4})
      .reshape({prefixes, kv_heads, members * groups, last});
}

// The inverse layout, [E, Hkv, R * G, X] -> [E * R, Hkv, G, X].
at::Tensor prefix_major_to_places(const at::Tensor& prefix_major, int64_t members) {
  const int64_t prefixes = prefix_major.size(0), kv_heads = prefix_major.size(1);
  const int64_t groups = prefix_major.size(2) / members, last = prefix_major.size(3);
  return prefix_major.reshape({prefixes, kv_heads, members, groups, last})
      .permute({0, 2, 1, 3, 4})
      .reshape({prefixes * members, kv_heads, groups, last});
}

}  // namespace

at::Tensor shared_prefix_decode_attention(const at::Tensor& q,
                                          const at::Tensor& prefix_keys,
                                          const at::Tensor& prefix_values,
                                          const at::Tensor& prefix_blocked,
                                          const PrefixRowGroups& groups,
                                          const at::Tensor& keys,
                                          const at::Tensor& values,
                                          const at::Tensor& mask) {
  const int64_t rows = q.size(0), heads = q.size(1), dim = q.size(3);
  const int64_t kv_heads = keys.size(1), per_kv = heads / kv_heads;
  const int64_t prefixes = groups.prefixes, members = groups.members;
  const int64_t prefix_length = prefix_keys.size(2), own_length = keys.size(2);
  TORCH_CHECK(q.size(2) == 1 && groups.place.size(0) == rows && prefix_keys.size(0) >= prefixes,
              "shared_prefix_decode_attention: one query per row and a prefix for each row");
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  const float minus_infinity = -std::numeric_limits<float>::infinity();
  // Per-op overhead is most of a small decode step, so: q scaled once (not both score
  // blocks), no gathers when the rows already sit prefix by prefix.
  auto to_places = [&](const at::Tensor& by_row) {  // [N, ...] -> [E R, ...]
    return groups.in_place ? by_row : by_row.index_select(0, groups.gather);
  };
  auto to_rows = [&](const at::Tensor& by_place) {  // [E R, ...] -> [N, ...]
    return groups.in_place ? by_place : by_place.index_select(0, groups.place);
  };
  // The query heads of a KV group share their keys: [N, Hkv, G, D] (no repeat of k or v).
  at::Tensor grouped = (q * scale).reshape({rows, kv_heads, per_kv, dim});

  // Prefix block: [E, Hkv, R G, D] x [E, Hkv, D, Tp] -> scores back by row [N, Hkv, G, Tp].
  at::Tensor used_keys = prefix_keys.narrow(0, 0, prefixes);
  at::Tensor used_values = prefix_values.narrow(0, 0, prefixes);
  at::Tensor queries = places_to_prefix_major(to_places(grouped), prefixes, members);
  at::Tensor prefix_scores = at::matmul(queries, used_keys.transpose(-1, -2));
  prefix_scores.masked_fill_(prefix_blocked.narrow(0, 0, prefixes), minus_infinity);
  prefix_scores = to_rows(prefix_major_to_places(prefix_scores, members));

  // Own block: [N, Hkv, G, D] x [N, Hkv, D, S] -> [N, Hkv, G, S].
  at::Tensor own_scores = at::matmul(grouped, keys.transpose(-1, -2));
  own_scores.masked_fill_(mask.logical_not(), minus_infinity);

  // One softmax over both blocks (each row has at least its own new position unmasked).
  at::Tensor probabilities = at::cat({prefix_scores, own_scores}, -1).softmax(-1);
  at::Tensor prefix_probabilities = probabilities.narrow(-1, 0, prefix_length);
  at::Tensor own_probabilities = probabilities.narrow(-1, prefix_length, own_length);

  at::Tensor prefix_out =
      at::matmul(places_to_prefix_major(to_places(prefix_probabilities), prefixes, members),
                 used_values);  // [E, Hkv, R G, D]
  at::Tensor out = to_rows(prefix_major_to_places(prefix_out, members));
  out = out + at::matmul(own_probabilities, values);  // [N, Hkv, G, D]
  return out.reshape({rows, heads, 1, dim});
}

}  // namespace r1forge
