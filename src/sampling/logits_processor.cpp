// The logits-processor chain; see sampling/logits_processor.h. Each processor builds small
// per-row parameter tensors [R, 1] and works on the whole batch at once; a processor whose
// knob is off in every row returns after one scan of the parameters.
#include "r1forge/sampling/logits_processor.h"

#include <limits>

namespace r1forge {
namespace {

constexpr float kNegativeInfinity = -std::numeric_limits<float>::infinity();

template <typename Get>
at::Tensor per_row(const SamplingBatch& batch, Get get) {  // [R, 1] fp32
  std::vector<float> values;
  for (const SamplingParams* params : batch.params)
    values.push_back(static_cast<float>(get(*params)));
  return at::tensor(values, at::kFloat).unsqueeze(1);
}

template <typename Active>
bool any_row(const SamplingBatch& batch, Active active) {
  for (const SamplingParams* params : batch.params) {
    if (active(*params)) return true;
  }
  return false;
}

class PenaltyProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "penalty"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    for (int64_t r = 0; r < batch.rows(); ++r) {
      const SamplingParams& p = *batch.params[r];
      at::Tensor row = logits[r];
      if (p.repetition_penalty != 1.0) {
        // CTRL / HF: every token seen in the prompt or the output, once.
        std::vector<int64_t> seen(*batch.prompt[r]);
        seen.insert(seen.end(), batch.output[r]->begin(), batch.output[r]->end());
        at::Tensor ids = std::get<0>(at::_unique(at::tensor(seen, at::kLong)));
        at::Tensor values = row.index_select(0, ids);
        values =
            at::where(values > 0, values / p.repetition_penalty, values * p.repetition_penalty);
        row.index_copy_(0, ids, values);
      }
      if (p.presence_penalty != 0.0 && !batch.output[r]->empty()) {
        at::Tensor ids = std::get<0>(at::_unique(at::tensor(*batch.output[r], at::kLong)));
        row.index_add_(0, ids, at::full({ids.size(0)}, -p.presence_penalty, at::kFloat));
      }
    }
  }
};

class TemperatureProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "temperature"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    if (!any_row(batch,
                 [](const SamplingParams& p) { return p.temperature > 0 && p.temperature != 1; })) {
      return;
    }
    // Greedy rows (T = 0) divide by 1: the argmax does not care.
    logits.div_(per_row(
        batch, [](const SamplingParams& p) { return p.temperature > 0 ? p.temperature : 1.0; }));
  }
};

class TopKProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "top_k"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    const int64_t vocab = logits.size(1);
    int64_t largest = 0;
    for (const SamplingParams* p : batch.params) {
      if (p->top_k > 0 && p->top_k < vocab) largest = std::max(largest, p->top_k);
    }
    if (largest == 0) return;
    // HF's rule: drop tokens strictly below the k-th largest logit (ties with it stay).
    at::Tensor top = std::get<0>(logits.topk(largest, 1));  // [R, kmax] descending
    std::vector<int64_t> kth;
    for (const SamplingParams* p : batch.params) {
      kth.push_back((p->top_k > 0 && p->top_k < vocab ? p->top_k : largest) - 1);
    }
    at::Tensor threshold = top.gather(1, at::tensor(kth, at::kLong).unsqueeze(1));  // [R, 1]
    at::Tensor off = per_row(batch, [vocab](const SamplingParams& p) {
                       return p.top_k <= 0 || p.top_k >= vocab ? 1.0 : 0.0;
                     }) > 0;
    logits.masked_fill_((logits < threshold).logical_and_(off.logical_not()), kNegativeInfinity);
  }
};

class TopPProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "top_p"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    if (!any_row(batch, [](const SamplingParams& p) { return p.top_p < 1.0; })) return;
    // HF's rule: sort ascending, drop tokens whose cumulative probability (from the least
    // likely) is <= 1 - top_p, always keeping the most likely token.
    auto [sorted, order] = logits.sort(/*dim=*/1, /*descending=*/false);
    at::Tensor cumulative = sorted.softmax(1).cumsum(1);
    at::Tensor cut = 1 - per_row(batch, [](const SamplingParams& p) { return p.top_p; });
    at::Tensor remove = cumulative <= cut;
    remove.select(1, remove.size(1) - 1).fill_(false);
    logits.masked_fill_(remove.scatter(1, order, remove), kNegativeInfinity);
  }
};

class MinPProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "min_p"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    if (!any_row(batch, [](const SamplingParams& p) { return p.min_p > 0; })) return;
    // Keep tokens with p >= min_p * max p, from the current (tempered) logits.
    at::Tensor probs = logits.softmax(1);
    at::Tensor threshold = probs.amax(1, /*keepdim=*/true) *
                           per_row(batch, [](const SamplingParams& p) { return p.min_p; });
    logits.masked_fill_(probs < threshold, kNegativeInfinity);
  }
};

}  // namespace

std::unique_ptr<LogitsProcessor> make_penalty_processor() {
  return std::make_unique<PenaltyProcessor>();
}
std::unique_ptr<LogitsProcessor> make_temperature_processor() {
  return std::make_unique<TemperatureProcessor>();
}
std::unique_ptr<LogitsProcessor> make_top_k_processor() {
  return std::make_unique<TopKProcessor>();
}
std::unique_ptr<LogitsProcessor> make_top_p_processor() {
  return std::make_unique<TopPProcessor>();
}
std::unique_ptr<LogitsProcessor> make_min_p_processor() {
  return std::make_unique<MinPProcessor>();
}

LogitsProcessorChain::LogitsProcessorChain() {
  processors_.push_back(make_penalty_processor());
  processors_.push_back(make_temperature_processor());
  processors_.push_back(make_top_k_processor());
  processors_.push_back(make_top_p_processor());
  processors_.push_back(make_min_p_processor());
}

void LogitsProcessorChain::apply(at::Tensor& logits, const SamplingBatch& batch) const {
  for (const auto& processor : processors_) processor->apply(logits, batch);
}

std::vector<std::string> LogitsProcessorChain::names() const {
  std::vector<std::string> names;
  for (const auto& processor : processors_) names.push_back(processor->name());
  return names;
}

}  // namespace r1forge
