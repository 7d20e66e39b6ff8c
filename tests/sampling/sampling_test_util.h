// Helpers for the sampling tests: a batch of rows that owns its params and token lists, logits
// built from probabilities, and an fp64 oracle of the filters (top-k, top-p, min-p) written
// independently of src/sampling (sort in double, plain loops) to check masks against.
// Not here: the tests themselves.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "r1forge/sampling/logits_processor.h"

namespace r1forge::testing {

// A CPU generator with a fixed seed: a row's own generator in the sampler tests.
inline at::Generator seeded(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

// Ten logits with distinct, well-separated probabilities (the sampler tests' standard row).
inline const std::vector<double> kLogits = {2.0, 1.5, 1.0, 0.8, 0.5, 0.0, -0.5, -1.0, -1.5, -3.0};

// Rows of a SamplingBatch that own what the batch points at.
struct OwnedRows {
  std::vector<SamplingParams> params;
  std::vector<std::vector<int64_t>> prompts;
  std::vector<std::vector<int64_t>> outputs;

  void add(const SamplingParams& row_params,
           std::vector<int64_t> prompt = {},
           std::vector<int64_t> output = {}) {
    params.push_back(row_params);
    prompts.push_back(std::move(prompt));
    outputs.push_back(std::move(output));
  }
  // Valid until the next add().
  SamplingBatch batch() const {
    SamplingBatch batch;
    for (size_t row = 0; row < params.size(); ++row) {
      batch.params.push_back(&params[row]);
      batch.prompt.push_back(&prompts[row]);
      batch.output.push_back(&outputs[row]);
    }
    return batch;
  }
};

// logits [R, V] fp32 from rows of values.
inline at::Tensor logits_from(const std::vector<std::vector<double>>& rows) {
  std::vector<float> flat;
  for (const auto& row : rows) flat.insert(flat.end(), row.begin(), row.end());
  return at::tensor(flat, at::kFloat)
      .view({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())})
      .clone();
}

// Natural-log logits of a probability row: softmax gives the probabilities back.
inline std::vector<double> log_of(const std::vector<double>& probs) {
  std::vector<double> logits;
  for (double p : probs) logits.push_back(std::log(p));
  return logits;
}

inline std::vector<double> row_values(const at::Tensor& logits, int64_t row) {
  at::Tensor values = logits[row].to(at::kDouble).contiguous();
  return std::vector<double>(values.data_ptr<double>(), values.data_ptr<double>() + values.numel());
}

// fp64 softmax of a row (-inf -> 0).
inline std::vector<double> softmax_of(const std::vector<double>& logits) {
  const double max = *std::max_element(logits.begin(), logits.end());
  std::vector<double> probs;
  double total = 0;
  for (double logit : logits) {
    probs.push_back(std::exp(logit - max));
    total += probs.back();
  }
  for (double& p : probs) p /= total;
  return probs;
}

// Oracle of the chain's filters on one row (after penalties/temperature, which the caller
// applies): returns the kept-token mask. Ties at top-k are kept (HF); top-p ranks equal
// probabilities by id, lower first; min-p keeps prob >= min_p * max prob.
inline std::vector<bool> oracle_mask(const std::vector<double>& logits, const SamplingParams& p) {
  const size_t vocab = logits.size();
  std::vector<bool> kept(vocab, true);
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < vocab) {
    std::vector<double> sorted = logits;
    std::sort(sorted.begin(), sorted.end(), std::greater<double>());
    const double kth = sorted[p.top_k - 1];
    for (size_t i = 0; i < vocab; ++i) kept[i] = kept[i] && logits[i] >= kth;
  }
  auto masked_probs = [&] {
    std::vector<double> masked = logits;
    for (size_t i = 0; i < vocab; ++i)
      if (!kept[i]) masked[i] = -INFINITY;
    return softmax_of(masked);
  };
  if (p.top_p < 1) {
    std::vector<double> probs = masked_probs();
    std::vector<size_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return probs[a] > probs[b]; });
    double before = 0;
    for (size_t i : order) {
      if (before >= p.top_p) kept[i] = false;
      before += probs[i];
    }
  }
  if (p.min_p > 0) {
    std::vector<double> probs = masked_probs();
    const double max = *std::max_element(probs.begin(), probs.end());
    for (size_t i = 0; i < vocab; ++i) kept[i] = kept[i] && probs[i] >= p.min_p * max;
  }
  return kept;
}

// Upper 0.001 quantiles of the chi-square distribution, df = 1..15 (standard tables).
inline double chi_square_critical_0001(int64_t degrees_of_freedom) {
  static const double kTable[] = {10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124,
                                  27.877, 29.588, 31.264, 32.909, 34.528, 36.123, 37.697};
  return kTable[degrees_of_freedom - 1];
}

}  // namespace r1forge::testing
