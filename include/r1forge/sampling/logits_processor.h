// Logits processors: small, composable steps that turn a batch of next-token logits into the
// distribution a token is drawn from (llama.cpp-style chain). Every row has its own parameters
// (rows belong to different requests), so each processor reads per-row values.
//
// Chain order (HF's): repetition/presence penalty -> temperature -> top-k -> top-p -> min-p.
// Processors work in place on fp32 logits [R, V]; removed tokens become -inf. A row whose
// temperature is 0 is greedy: the temperature step leaves it as is and the sampler takes the
// argmax. Not here: drawing the token (sampler.h), or the engine's log-probs (engine.h).
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "r1forge/sampling/sampling_params.h"

namespace r1forge {

// Per-row state the processors read: parameters and each row's tokens so far.
struct SamplingBatch {
  std::vector<const SamplingParams*> params;        // [R]
  std::vector<const std::vector<int64_t>*> prompt;  // [R] prompt ids (for repetition penalty)
  std::vector<const std::vector<int64_t>*> output;  // [R] ids generated so far
  int64_t rows() const { return static_cast<int64_t>(params.size()); }
};

class LogitsProcessor {
 public:
  virtual ~LogitsProcessor() = default;
  virtual std::string name() const = 0;
  // logits [R, V] fp32, modified in place.
  virtual void apply(at::Tensor& logits, const SamplingBatch& batch) const = 0;
};

std::unique_ptr<LogitsProcessor> make_penalty_processor();  // repetition + presence
std::unique_ptr<LogitsProcessor> make_temperature_processor();
std::unique_ptr<LogitsProcessor> make_top_k_processor();
std::unique_ptr<LogitsProcessor> make_top_p_processor();
std::unique_ptr<LogitsProcessor> make_min_p_processor();

// The standard chain in order; processors whose knob is off for every row cost one check.
class LogitsProcessorChain {
 public:
  LogitsProcessorChain();  // the standard chain above
  void apply(at::Tensor& logits, const SamplingBatch& batch) const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<LogitsProcessor>> processors_;
};

}  // namespace r1forge
