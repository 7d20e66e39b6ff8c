// The logits processors of logits_processor.h: penalties, temperature, top-k, top-p, min-p and
// the chain that runs them in HF's order. Each step reads its knob per row, skips all work when
// no row uses it, and touches only the rows that do (index_select / index_copy_), so one row
// asking for top-p does not sort the whole batch. Semantics follow HF transformers' warpers;
// where HF leaves a choice open (ties in top-p) the rule is stated beside the code.
// Not here: drawing tokens (sampler.cpp) or the per-request defaults (sampling_params.h).
#include "r1forge/sampling/logits_processor.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "r1forge/core/check.h"

namespace r1forge {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Shape/dtype checks shared by every processor: logits [R, V] fp32 and one params per row.
void check_logits(const at::Tensor& logits, const SamplingBatch& batch, const char* processor) {
  R1F_CHECK(logits.defined() && logits.dim() == 2 && logits.scalar_type() == at::kFloat, processor,
            ": logits must be fp32 [R, V], got ",
            logits.defined() ? logits.sizes() : at::IntArrayRef{});
  R1F_CHECK(batch.rows() == logits.size(0), processor, ": batch has ", batch.rows(),
            " rows of params but logits have ", logits.size(0));
  for (int64_t row = 0; row < batch.rows(); ++row) {
    R1F_CHECK(batch.params[row] != nullptr, processor, ": row ", row, " has no SamplingParams");
  }
}

// A per-row column [R, 1] of `values` in `dtype` on the logits' device.
at::Tensor row_column(const std::vector<double>& values,
                      const at::Tensor& like,
                      at::ScalarType dtype) {
  at::Tensor column = at::tensor(values, at::TensorOptions().dtype(at::kDouble));
  return column.to(like.device(), dtype).view({static_cast<int64_t>(values.size()), 1});
}

// Runs `filter` on the rows marked active (all of them without a copy when every row is).
// `filter` gets logits [A, V] and the active rows' indices into the batch, and edits in place.
template <typename Filter>
void on_active_rows(at::Tensor& logits, const std::vector<int64_t>& active_rows, Filter filter) {
  if (active_rows.empty()) return;
  if (static_cast<int64_t>(active_rows.size()) == logits.size(0)) {
    filter(logits, active_rows);
    return;
  }
  at::Tensor index =
      at::tensor(active_rows, at::TensorOptions().dtype(at::kLong)).to(logits.device());
  at::Tensor subset = logits.index_select(0, index);  // [A, V]
  filter(subset, active_rows);
  logits.index_copy_(0, index, subset);
}

// Sorted unique ids of `tokens` (and `more`, if given), each checked against the vocabulary.
std::vector<int64_t> unique_tokens(const std::vector<int64_t>* tokens,
                                   const std::vector<int64_t>* more,
                                   int64_t vocab,
                                   int64_t row) {
  std::vector<int64_t> ids;
  for (const std::vector<int64_t>* list : {tokens, more}) {
    if (list == nullptr) continue;
    for (int64_t id : *list) {
      R1F_CHECK_DATA(id >= 0 && id < vocab, "sampling row ", row, ": token id ", id,
                     " is outside the vocabulary [0, ", vocab, ")");
      ids.push_back(id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

// Repetition penalty (CTRL / HF RepetitionPenaltyLogitsProcessor) over prompt + output ids,
// once per distinct id; then presence penalty (vLLM/OpenAI style) once per distinct output id.
// Both are gathered into flat (row, id) lists so the tensor work is one gather/scatter each.
class PenaltyProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "penalties"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    check_logits(logits, batch, "penalties");
    const int64_t vocab = logits.size(1);
    std::vector<int64_t> repeat_rows, repeat_ids, presence_rows, presence_ids;
    std::vector<double> repeat_factors, presence_amounts;
    for (int64_t row = 0; row < batch.rows(); ++row) {
      const SamplingParams& params = *batch.params[row];
      R1F_CHECK_CONFIG(params.repetition_penalty > 0 && std::isfinite(params.repetition_penalty),
                       "sampling: repetition_penalty must be a positive number, got ",
                       params.repetition_penalty, " (row ", row, ")");
      R1F_CHECK_CONFIG(std::isfinite(params.presence_penalty),
                       "sampling: presence_penalty must be finite, got ", params.presence_penalty,
                       " (row ", row, ")");
      const bool repeat = params.repetition_penalty != 1.0;
      const bool presence = params.presence_penalty != 0.0;
      if (!repeat && !presence) continue;
      R1F_CHECK(static_cast<int64_t>(batch.prompt.size()) == batch.rows() &&
                    static_cast<int64_t>(batch.output.size()) == batch.rows(),
                "penalties: SamplingBatch needs prompt and output lists for every row");
      if (repeat) {
        for (int64_t id : unique_tokens(batch.prompt[row], batch.output[row], vocab, row)) {
          repeat_rows.push_back(row);
          repeat_ids.push_back(id);
          repeat_factors.push_back(params.repetition_penalty);
        }
      }
      if (presence) {
        for (int64_t id : unique_tokens(batch.output[row], nullptr, vocab, row)) {
          presence_rows.push_back(row);
          presence_ids.push_back(id);
          presence_amounts.push_back(params.presence_penalty);
        }
      }
    }
    const at::TensorOptions long_options =
        at::TensorOptions().dtype(at::kLong).device(logits.device());
    if (!repeat_rows.empty()) {
      at::Tensor rows = at::tensor(repeat_rows, at::kLong).to(long_options);
      at::Tensor ids = at::tensor(repeat_ids, at::kLong).to(long_options);
      at::Tensor factors = at::tensor(repeat_factors, at::kDouble).to(logits.options());
      at::Tensor seen = logits.index({rows, ids});  // [S]
      // HF's rule: negative logits are multiplied (more negative), others divided; both lower
      // the token's probability for factor > 1. Ids are unique per row, so no write collides.
      logits.index_put_({rows, ids}, at::where(seen < 0, seen * factors, seen / factors));
    }
    if (!presence_rows.empty()) {
      at::Tensor rows = at::tensor(presence_rows, at::kLong).to(long_options);
      at::Tensor ids = at::tensor(presence_ids, at::kLong).to(long_options);
      at::Tensor amounts = at::tensor(presence_amounts, at::kDouble).to(logits.options());
      logits.index_put_({rows, ids}, logits.index({rows, ids}) - amounts);
    }
  }
};

// Divides each row by its temperature; rows at 0 (greedy) or 1 are left bit-for-bit as is.
class TemperatureProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "temperature"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    check_logits(logits, batch, "temperature");
    std::vector<double> divisors(batch.rows(), 1.0);
    bool any = false;
    for (int64_t row = 0; row < batch.rows(); ++row) {
      const double temperature = batch.params[row]->temperature;
      R1F_CHECK_CONFIG(temperature >= 0 && std::isfinite(temperature),
                       "sampling: temperature must be >= 0, got ", temperature, " (row ", row, ")");
      if (temperature > 0 && temperature != 1.0) {
        divisors[row] = temperature;
        any = true;
      }
    }
    // fp32 divisor, as HF's `scores / temperature` computes in the scores' dtype.
    if (any) logits.div_(row_column(divisors, logits, at::kFloat));
  }
};

// HF TopKLogitsWarper: remove tokens whose logit is below the k-th largest. Ties with the k-th
// value are KEPT (HF: `scores < topk(scores, k)[0][..., -1, None]`), so a row can keep more than
// k tokens. One at::topk with the batch's largest k serves every row; no full sort.
class TopKProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "top_k"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    check_logits(logits, batch, "top_k");
    const int64_t vocab = logits.size(1);
    std::vector<int64_t> active_rows;
    int64_t max_k = 0;
    for (int64_t row = 0; row < batch.rows(); ++row) {
      const int64_t k = batch.params[row]->top_k;
      R1F_CHECK_CONFIG(k >= 0, "sampling: top_k must be >= 0, got ", k, " (row ", row, ")");
      if (k > 0 && k < vocab) {  // k >= V keeps everything, as HF's min(top_k, V)
        active_rows.push_back(row);
        max_k = std::max(max_k, k);
      }
    }
    on_active_rows(logits, active_rows, [&](at::Tensor& rows_logits, const auto& rows) {
      std::vector<int64_t> kth_position;  // 0-based position of the k-th largest per row
      for (int64_t row : rows) kth_position.push_back(batch.params[row]->top_k - 1);
      at::Tensor position =
          at::tensor(kth_position, at::kLong).to(rows_logits.device()).view({-1, 1});
      at::Tensor largest = std::get<0>(at::topk(rows_logits, max_k, /*dim=*/1));  // [A, max_k]
      at::Tensor threshold = largest.gather(1, position);                         // [A, 1]
      rows_logits.masked_fill_(rows_logits < threshold, -kInfinity);
    });
  }
};

// Top-p over tokens already in descending order (ties by id): sorted_logits [A, N] are a row's
// N most likely tokens (N = V or a prefix); row_max and total [A, 1] fp64 are the row's max
// logit and sum(exp(logit - max)) over the whole vocabulary; top_p [A, 1] fp64. Token j goes iff
// the mass ranked strictly before it, cumulative[j - 1], is >= p, so the top token never goes.
// Returns the removal mask [A, N] and the cumulative mass [A, N].
std::pair<at::Tensor, at::Tensor> top_p_removal(const at::Tensor& sorted_logits,
                                                const at::Tensor& row_max,
                                                const at::Tensor& total,
                                                const at::Tensor& top_p) {
  // exp(logit - max) / total in fp64: the same per-token probabilities whether N is the whole
  // vocabulary or a prefix, so both paths below decide identically; equal logits get exactly
  // 1 / count (exp(0) = 1), which the exact-boundary tests rely on.
  at::Tensor cumulative = (at::exp(sorted_logits.to(at::kDouble) - row_max) / total).cumsum(1);
  const int64_t count = sorted_logits.size(1);
  at::Tensor remove_sorted = at::zeros_like(sorted_logits, at::kBool);
  remove_sorted.narrow(1, 1, count - 1).copy_(cumulative.narrow(1, 0, count - 1) >= top_p);
  return {remove_sorted, cumulative};
}

// HF TopPLogitsWarper (min_tokens_to_keep = 1): keep the smallest set of most likely tokens
// whose probability sums to >= p. HF sorts ascending and removes tokens whose ascending
// cumulative sum is <= 1 - p; with the tokens in descending order that is the same as keeping a
// token iff the probability of the tokens ranked before it is < p (so the top token is always
// kept). Ties at the boundary: equal logits rank by id, lower first, so the lower id is kept
// first. HF leaves ties to torch.sort (unstable on CUDA; on CPU its stable ascending sort keeps
// the higher ids); lower-first guarantees that the token greedy decoding picks (torch.argmax:
// lowest id among maxima) always survives. Prefix sums are fp64.
// Cost: a full sort of [R, 152k] takes ~0.8 s on two CPU cores, so the processor first ranks
// only the top kProbe candidates (at::topk); a row is settled there when the candidates ranked
// above the smallest candidate value already hold mass >= p (then that value's ties, which topk
// may split arbitrarily, and everything beyond are removed). Other rows take the full sort.
class TopPProcessor : public LogitsProcessor {
 public:
  static constexpr int64_t kProbe = 1024;

  std::string name() const override { return "top_p"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    check_logits(logits, batch, "top_p");
    std::vector<int64_t> active_rows;
    for (int64_t row = 0; row < batch.rows(); ++row) {
      const double p = batch.params[row]->top_p;
      R1F_CHECK_CONFIG(p > 0 && p <= 1, "sampling: top_p must be in (0, 1], got ", p, " (row ", row,
                       ")");
      if (p < 1) active_rows.push_back(row);
    }
    on_active_rows(logits, active_rows, [&](at::Tensor& rows_logits, const auto& rows) {
      std::vector<double> top_p_values;
      for (int64_t row : rows) top_p_values.push_back(batch.params[row]->top_p);
      const at::Tensor top_p = row_column(top_p_values, rows_logits, at::kDouble);    // [A, 1]
      const at::Tensor max_fp32 = std::get<0>(rows_logits.max(1, /*keepdim=*/true));  // [A, 1]
      const at::Tensor row_max = max_fp32.to(at::kDouble);
      const at::Tensor total = at::exp(rows_logits - max_fp32).sum(1, true).to(at::kDouble);
      const int64_t vocab = rows_logits.size(1);
      if (vocab <= kProbe) {
        apply_full_sort(rows_logits, row_max, total, top_p);
        return;
      }
      auto [values, ids] = at::topk(rows_logits, kProbe, /*dim=*/1);  // [A, P]
      // Re-rank the candidates so equal values are in id order, as the full stable sort has them.
      auto [ids_ascending, by_id] = at::sort(ids, /*dim=*/1);
      auto [sorted_values, order] = at::sort(values.gather(1, by_id), /*stable=*/true, /*dim=*/1,
                                             /*descending=*/true);
      at::Tensor sorted_ids = ids_ascending.gather(1, order);
      auto [remove_sorted, cumulative] = top_p_removal(sorted_values, row_max, total, top_p);
      // Settled iff the mass of the candidates strictly above the smallest value is >= p.
      at::Tensor above = (sorted_values > sorted_values.narrow(1, kProbe - 1, 1)).sum(1, true);
      at::Tensor mass_above = at::where(above > 0, cumulative.gather(1, (above - 1).clamp_min(0)),
                                        at::zeros_like(top_p));
      at::Tensor settled = (mass_above >= top_p).view({-1}).to(at::kCPU);  // [A]
      // Settled rows: everything outside the candidates goes; candidates as decided.
      at::Tensor remove =
          at::ones_like(rows_logits, at::kBool).scatter_(1, sorted_ids, remove_sorted);
      std::vector<int64_t> unsettled;
      for (int64_t i = 0; i < settled.size(0); ++i) {
        if (!settled[i].item<bool>()) unsettled.push_back(i);
      }
      if (!unsettled.empty()) {
        at::Tensor index = at::tensor(unsettled, at::kLong).to(rows_logits.device());
        at::Tensor subset = rows_logits.index_select(0, index);
        apply_full_sort(subset, row_max.index_select(0, index), total.index_select(0, index),
                        top_p.index_select(0, index));
        remove.index_copy_(0, index, subset.isinf().logical_and(subset < 0));
      }
      rows_logits.masked_fill_(remove, -kInfinity);
    });
  }

 private:
  // The exact rule over the whole vocabulary: a stable descending sort puts ties in id order.
  static void apply_full_sort(at::Tensor& rows_logits,
                              const at::Tensor& row_max,
                              const at::Tensor& total,
                              const at::Tensor& top_p) {
    auto [sorted_logits, order] =
        at::sort(rows_logits, /*stable=*/true, /*dim=*/1, /*descending=*/true);  // [A, V]
    at::Tensor remove_sorted = top_p_removal(sorted_logits, row_max, total, top_p).first;
    rows_logits.masked_fill_(at::empty_like(remove_sorted).scatter_(1, order, remove_sorted),
                             -kInfinity);
  }
};

// HF MinPLogitsWarper: remove tokens with prob < min_p * max prob, from the current (tempered)
// logits. prob / max prob = exp(logit - max logit), so no normalisation or sort is needed; the
// top token (ratio 1) is always kept since min_p <= 1.
class MinPProcessor : public LogitsProcessor {
 public:
  std::string name() const override { return "min_p"; }
  void apply(at::Tensor& logits, const SamplingBatch& batch) const override {
    check_logits(logits, batch, "min_p");
    std::vector<int64_t> active_rows;
    for (int64_t row = 0; row < batch.rows(); ++row) {
      const double min_p = batch.params[row]->min_p;
      R1F_CHECK_CONFIG(min_p >= 0 && min_p <= 1, "sampling: min_p must be in [0, 1], got ", min_p,
                       " (row ", row, ")");
      if (min_p > 0) active_rows.push_back(row);
    }
    on_active_rows(logits, active_rows, [&](at::Tensor& rows_logits, const auto& rows) {
      std::vector<double> min_p;
      for (int64_t row : rows) min_p.push_back(batch.params[row]->min_p);
      at::Tensor max_logit = std::get<0>(rows_logits.max(1, /*keepdim=*/true));  // [A, 1]
      at::Tensor ratio = at::exp(rows_logits - max_logit);                       // [A, V]
      rows_logits.masked_fill_(ratio < row_column(min_p, rows_logits, at::kFloat), -kInfinity);
    });
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
