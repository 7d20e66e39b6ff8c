// Token drawing with one generator per row; see sampling/sampler.h.
#include "r1forge/sampling/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <mutex>

#include "r1forge/core/check.h"

namespace r1forge {
namespace {

// One uniform in [0, 1) from the row's generator: 53 random bits, as at::uniform_ would, but
// without allocating a tensor per row.
double draw_uniform(at::Generator& generator) {
  auto* cpu = at::check_generator<at::CPUGeneratorImpl>(generator);
  std::lock_guard<std::mutex> lock(generator.mutex());
  return static_cast<double>(cpu->random64() >> 11) * 0x1.0p-53;
}

}  // namespace

at::Tensor sample_tokens(const at::Tensor& logits,
                         std::vector<at::Generator>& generators,
                         const std::vector<bool>& greedy) {
  const int64_t rows = logits.size(0), vocab = logits.size(1);
  R1F_CHECK(static_cast<int64_t>(generators.size()) == rows &&
                static_cast<int64_t>(greedy.size()) == rows,
            "sample_tokens: one generator and one greedy flag per row");
  at::Tensor result = at::empty({rows}, at::kLong);
  int64_t* out = result.data_ptr<int64_t>();
  at::Tensor argmax = logits.argmax(1).contiguous();  // lowest id among equal maxima
  // Probabilities in fp64 so the cumulative sum over a large vocabulary stays exact enough.
  at::Tensor probs = logits.to(at::kDouble).softmax(1).contiguous();
  const double* p = probs.data_ptr<double>();
  const int64_t* best = argmax.data_ptr<int64_t>();
  for (int64_t r = 0; r < rows; ++r) {
    if (greedy[r]) {
      out[r] = best[r];
      continue;
    }
    const double u = draw_uniform(generators[r]);
    const double* row = p + r * vocab;
    double cumulative = 0;
    int64_t chosen = -1, last_nonzero = best[r];
    for (int64_t v = 0; v < vocab; ++v) {
      if (row[v] <= 0) continue;
      last_nonzero = v;
      cumulative += row[v];
      if (cumulative > u) {
        chosen = v;
        break;
      }
    }
    // u can exceed the rounded total by an ulp: take the last token that has probability.
    out[r] = chosen >= 0 ? chosen : last_nonzero;
  }
  return result;
}

}  // namespace r1forge
