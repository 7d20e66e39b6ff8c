// The sampler primitives of sampler.h: host uniforms from per-row generators, the inverse-CDF
// choice batched on the logits' device (softmax, fp64 running sum, search, all per-row, so a
// row's token never depends on the other rows), and its rare host-side fix-ups.
// Not here: the logits processors, or the engine's per-step flow (token_choice.h).
#include "r1forge/sampling/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <mutex>

#include "r1forge/core/check.h"

namespace r1forge {

at::Tensor draw_uniforms(std::vector<at::Generator>& generators, const std::vector<bool>& greedy) {
  R1F_CHECK(generators.size() == greedy.size(), "draw_uniforms: ", generators.size(),
            " generators for ", greedy.size(), " rows");
  const int64_t rows = static_cast<int64_t>(generators.size());
  at::Tensor uniforms = at::zeros({rows}, at::kDouble);  // [R] fp64 CPU
  double* data = uniforms.data_ptr<double>();
  for (int64_t row = 0; row < rows; ++row) {
    if (greedy[row]) continue;
    R1F_CHECK(generators[row].defined(), "draw_uniforms: row ", row,
              " samples but has no generator");
    // torch's uniform_ on a one-element fp64 tensor computes exactly this from one random64()
    // (at::uniform_real_distribution<double>: (x & (2^53 - 1)) * 2^-53), without the
    // dispatcher round trip of a tensor op per row (~µs each, 512 rows per step on a GPU).
    auto* generator = at::check_generator<at::CPUGeneratorImpl>(generators[row]);
    std::lock_guard<std::mutex> lock(generator->mutex_);
    constexpr uint64_t kMantissa = (uint64_t{1} << 53) - 1;
    data[row] = static_cast<double>(generator->random64() & kMantissa) * 0x1.0p-53;
  }
  return uniforms;
}

at::Tensor choose_by_cdf(const at::Tensor& logits,
                         const at::Tensor& uniforms,
                         const std::vector<bool>& greedy) {
  R1F_CHECK(logits.defined() && logits.dim() == 2 && logits.scalar_type() == at::kFloat &&
                logits.size(1) > 0,
            "choose_by_cdf: logits must be fp32 [R, V] with V > 0");
  const int64_t rows = logits.size(0);
  R1F_CHECK(uniforms.numel() == rows && static_cast<int64_t>(greedy.size()) == rows,
            "choose_by_cdf: ", rows, " logit rows but ", uniforms.numel(), " uniforms and ",
            greedy.size(), " greedy flags");
  const at::Device device = logits.device();
  // fp32 softmax (-inf -> 0), then an fp64 running sum so the CDF of a large vocabulary does not
  // drift or plateau before the last nonzero token.
  at::Tensor cdf = at::softmax(logits, 1).to(at::kDouble).cumsum(1);  // [R, V] fp64
  at::Tensor u = uniforms.to(device, at::kDouble).view({rows, 1});    // [R, 1]
  // right=true: the first id whose cumulative probability is > u (never a zero-prob id, since
  // its CDF equals its predecessor's, which is <= u). V when u is at or past the total.
  at::Tensor drawn = at::searchsorted(cdf, u, /*out_int32=*/false, /*right=*/true).view({rows});
  at::Tensor total = cdf.select(1, cdf.size(1) - 1);  // [R]
  // A row of -inf (or NaN) logits has a NaN total: nothing to draw.
  drawn = drawn.masked_fill(at::logical_not(at::isfinite(total) & (total > 0)), kNoTokenToDraw);
  bool any_greedy = false;
  for (bool flag : greedy) any_greedy = any_greedy || flag;
  if (!any_greedy) return drawn;
  std::vector<uint8_t> flags(greedy.begin(), greedy.end());
  at::Tensor greedy_rows = at::tensor(flags, at::kByte).to(device, at::kBool);  // [R]
  // torch.argmax returns the first (lowest) id among equal maxima.
  return at::where(greedy_rows, logits.argmax(1), drawn);
}

void resolve_past_total(at::Tensor& tokens, const at::Tensor& logits) {
  R1F_CHECK(tokens.device().is_cpu() && tokens.scalar_type() == at::kLong && tokens.dim() == 1,
            "resolve_past_total: tokens must be int64 [R] on the CPU");
  const int64_t vocab = logits.size(1);
  int64_t* data = tokens.data_ptr<int64_t>();
  for (int64_t row = 0; row < tokens.size(0); ++row) {
    R1F_CHECK_DATA(data[row] != kNoTokenToDraw, "sampling row ", row,
                   " has no token with a finite probability (all -inf or NaN logits)");
    if (data[row] < vocab) continue;
    // u >= the row's total (rounding left it just under 1): take the last nonzero token. A
    // sync point of its own, on a path with probability ~2^-53 per draw.
    data[row] = at::nonzero(at::softmax(logits[row], 0) > 0).max().item<int64_t>();
  }
}

at::Tensor sample_tokens(const at::Tensor& logits,
                         std::vector<at::Generator>& generators,
                         const std::vector<bool>& greedy) {
  R1F_CHECK(logits.defined() && logits.dim() == 2,
            "sample_tokens: logits must be fp32 [R, V] with V > 0");
  R1F_CHECK(static_cast<int64_t>(generators.size()) == logits.size(0),
            "sample_tokens: ", logits.size(0), " logit rows but ", generators.size(),
            " generators");
  at::Tensor tokens =
      choose_by_cdf(logits, draw_uniforms(generators, greedy), greedy).to(at::kCPU).contiguous();
  resolve_past_total(tokens, logits);
  return tokens;
}

}  // namespace r1forge
