// Drawing tokens from processed logits, one independent generator per row.
//
// Each row draws exactly one uniform u from its own CPU generator per step and takes the first
// token whose cumulative probability exceeds u (inverse CDF over the vocabulary in id order),
// so a row's tokens depend only on its own generator and logits, never on which other rows
// share the batch or on the device the logits are on: the uniforms are drawn on the host and
// cross to the device in one copy. Greedy rows (temperature 0) take the argmax and draw nothing.
// Float caveat: a row's logits are bitwise independent of the batch only when the model's
// GEMMs are; on CPU they can differ in the last bit with batch size, which flips a draw only
// when u lands within that rounding of a CDF boundary.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace r1forge {

// Marks in choose_by_cdf's result: a row with no finite-probability token, and a row whose u
// was at or past its CDF's total through rounding (resolve_past_total fixes it on the host).
constexpr int64_t kNoTokenToDraw = -1;

// One uniform in [0, 1) per row from its generator: the 53 high-quality bits of one random64(),
// the same value as torch.rand(1, dtype=torch.float64, generator=g). Greedy rows get 0 and
// leave their generator untouched. generators [R] CPU, greedy [R] -> uniforms [R] fp64 CPU.
at::Tensor draw_uniforms(std::vector<at::Generator>& generators, const std::vector<bool>& greedy);

// The token choice on the logits' device, with no host sync: greedy rows the argmax (lowest id
// among maxima, as torch.argmax), others the first id whose fp64 cumulative probability is > u.
// logits [R, V] fp32 after the processor chain; uniforms [R] fp64 (any device); greedy [R].
// Returns [R] int64 on the logits' device: a token, kNoTokenToDraw, or V (u past the total).
at::Tensor choose_by_cdf(const at::Tensor& logits,
                         const at::Tensor& uniforms,
                         const std::vector<bool>& greedy);

// Host side of choose_by_cdf: rows at V take the last token with nonzero probability (rounding
// left u at or past the total; ~never), rows at kNoTokenToDraw throw DataError naming the row.
// tokens [R] int64 CPU, edited in place; logits as given to choose_by_cdf.
void resolve_past_total(at::Tensor& tokens, const at::Tensor& logits);

// The three above in one call (tests, simple callers): logits [R, V] fp32, generators [R],
// greedy [R] -> token ids [R] int64 CPU.
at::Tensor sample_tokens(const at::Tensor& logits,
                         std::vector<at::Generator>& generators,
                         const std::vector<bool>& greedy);

}  // namespace r1forge
