// Drawing tokens from processed logits, one independent generator per row.
//
// Each row draws exactly one uniform u from its own generator per step and takes the first
// token whose cumulative probability exceeds u (inverse CDF over the vocabulary in id order),
// so a row's tokens depend only on its own generator and logits, never on which other rows
// share the batch. Greedy rows (temperature 0) take the argmax and draw nothing.
// Float caveat: a row's logits are bitwise independent of the batch only when the model's
// GEMMs are; on CPU they can differ in the last bit with batch size, which flips a draw only
// when u lands within that rounding of a CDF boundary.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "r1forge/sampling/logits_processor.h"

namespace r1forge {

// logits [R, V] fp32 after the processor chain; generators [R]; greedy [R] (temperature 0).
// Returns token ids [R] int64 (CPU).
at::Tensor sample_tokens(const at::Tensor& logits,
                         std::vector<at::Generator>& generators,
                         const std::vector<bool>& greedy);

}  // namespace r1forge
