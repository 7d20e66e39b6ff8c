// sample_tokens (sampler.h): greedy rows take the argmax; every other row draws one uniform from
// its own generator and inverts its CDF in id order. The softmax, fp64 CDF and search run
// batched on the logits' device over the sampled rows only; each is a per-row computation, so a
// row's token does not depend on the other rows. Not here: the logits processors.
#include "r1forge/sampling/sampler.h"

#include <cmath>

#include "r1forge/core/check.h"

namespace r1forge {
namespace {

// One uniform u in [0, 1) from `generator`, via uniform_ on a one-element fp64 tensor on the
// generator's device. Why this and not random64(): it is the public API, takes the generator's
// lock itself, works for CPU and CUDA generators alike, and on CPU consumes exactly one
// random64() (53 random bits: u = (x & (2^53 - 1)) * 2^-53), i.e. the same value as
// torch.rand(1, dtype=torch.float64, generator=g) in Python, so draws can be replayed there.
at::Tensor draw_uniform(at::Generator& generator) {
  return at::empty({1}, at::TensorOptions().dtype(at::kDouble).device(generator.device()))
      .uniform_(0.0, 1.0, generator);
}

}  // namespace

at::Tensor sample_tokens(const at::Tensor& logits,
                         std::vector<at::Generator>& generators,
                         const std::vector<bool>& greedy) {
  R1F_CHECK(logits.defined() && logits.dim() == 2 && logits.scalar_type() == at::kFloat &&
                logits.size(1) > 0,
            "sample_tokens: logits must be fp32 [R, V] with V > 0");
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  R1F_CHECK(static_cast<int64_t>(generators.size()) == rows &&
                static_cast<int64_t>(greedy.size()) == rows,
            "sample_tokens: ", rows, " logit rows but ", generators.size(), " generators and ",
            greedy.size(), " greedy flags");
  at::Tensor tokens = at::empty({rows}, at::TensorOptions().dtype(at::kLong));  // [R] CPU
  auto token_data = tokens.accessor<int64_t, 1>();

  std::vector<int64_t> greedy_rows, sampled_rows;
  for (int64_t row = 0; row < rows; ++row)
    (greedy[row] ? greedy_rows : sampled_rows).push_back(row);
  const at::TensorOptions index_options =
      at::TensorOptions().dtype(at::kLong).device(logits.device());

  if (!greedy_rows.empty()) {
    // torch.argmax returns the first (lowest) id among equal maxima.
    at::Tensor index = at::tensor(greedy_rows, at::kLong).to(index_options);
    at::Tensor argmax = logits.index_select(0, index).argmax(1).to(at::kCPU);  // [G]
    for (size_t i = 0; i < greedy_rows.size(); ++i) {
      token_data[greedy_rows[i]] = argmax[static_cast<int64_t>(i)].item<int64_t>();
    }
  }
  if (sampled_rows.empty()) return tokens;

  const int64_t count = static_cast<int64_t>(sampled_rows.size());
  at::Tensor rows_logits =
      count == rows ? logits
                    : logits.index_select(0, at::tensor(sampled_rows, at::kLong).to(index_options));
  std::vector<at::Tensor> uniforms;
  for (int64_t row : sampled_rows) {
    R1F_CHECK(generators[row].defined(), "sample_tokens: row ", row,
              " samples but has no generator");
    uniforms.push_back(draw_uniform(generators[row]).to(logits.device()));
  }
  at::Tensor u = at::cat(uniforms).view({count, 1});  // [S, 1] fp64
  // fp32 softmax (-inf -> 0), then an fp64 running sum so the CDF of a large vocabulary does not
  // drift or plateau before the last nonzero token.
  at::Tensor probs = at::softmax(rows_logits, 1);    // [S, V] fp32
  at::Tensor cdf = probs.to(at::kDouble).cumsum(1);  // [S, V] fp64, non-decreasing
  // right=true: the first id whose cumulative probability is > u (never a zero-prob id, since
  // its CDF equals its predecessor's, which is <= u).
  at::Tensor found = at::searchsorted(cdf, u, /*out_int32=*/false, /*right=*/true)
                         .view({count})
                         .to(at::kCPU);                       // [S]
  at::Tensor totals = cdf.select(1, vocab - 1).to(at::kCPU);  // [S]
  auto found_data = found.accessor<int64_t, 1>();
  auto total_data = totals.accessor<double, 1>();
  for (int64_t i = 0; i < count; ++i) {
    const int64_t row = sampled_rows[i];
    R1F_CHECK_DATA(std::isfinite(total_data[i]) && total_data[i] > 0, "sample_tokens: row ", row,
                   " has no token with a finite probability (all -inf or NaN logits)");
    int64_t token = found_data[i];
    if (token >= vocab) {
      // u >= the row's total (rounding left it just under 1): take the last nonzero token.
      token = at::nonzero(probs[i] > 0).max().item<int64_t>();
    }
    token_data[row] = token;
  }
  return tokens;
}

}  // namespace r1forge
