// Decode-step attention over a shared prefix (cascade attention, FlashInfer's name): the rows
// that continue the same prompt read that prompt's cached keys and values once per step, as
// one GEMM whose M dimension holds all their query heads, instead of each row reading its own
// copy. Each row's own positions (its suffix) come from its cache slot. Both score blocks go
// through one softmax, so the result is the attention over [prefix, suffix] up to float
// rounding. The sampling engine's torch backend uses it (sampling/torch_backend.h).
// Not here: the multi-position continuation of GRPO's update (transformer.cpp concatenates).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace r1forge {

// The rows of a decode step laid out by prefix: E prefixes x R places each (R = the most rows
// any prefix has); places no row fills repeat row 0, and their results are dropped.
struct PrefixRowGroups {
  at::Tensor gather;     // [E * R] int64: the row at each place
  at::Tensor place;      // [N] int64: row n's place in [E * R]
  int64_t prefixes = 0;  // E: prefixes 0 .. E-1 (owner max + 1; some may have no row)
  int64_t members = 0;   // R
  // Rows already sit prefix by prefix, R each (place n = n): the gathers are skipped. The
  // usual case in GRPO, where a prompt's G samples fill neighbouring slots.
  bool in_place = false;
};

// owner [N] int64 (read on the host): the prefix each row continues. Index tensors go to
// `device`.
PrefixRowGroups group_rows_by_prefix(const at::Tensor& owner, at::Device device);

// q [N, H, 1, D]; prefix_keys / prefix_values [E', Hkv, Tp, D] with E' >= groups.prefixes;
// prefix_blocked [E', 1, 1, Tp] bool (true = past the prefix's end, masked); keys / values
// [N, Hkv, S, D] (the rows' own cached positions); mask [N, 1, 1, S] bool (true = attend).
// -> [N, H, 1, D].
at::Tensor shared_prefix_decode_attention(const at::Tensor& q,
                                          const at::Tensor& prefix_keys,
                                          const at::Tensor& prefix_values,
                                          const at::Tensor& prefix_blocked,
                                          const PrefixRowGroups& groups,
                                          const at::Tensor& keys,
                                          const at::Tensor& values,
                                          const at::Tensor& mask);

}  // namespace r1forge
