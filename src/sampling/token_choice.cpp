// The decode step's token choice (token_choice.h): the fused CUDA kernel or its ATen twin, then
// one device-to-host copy. Both paths take the same host uniforms, so switching between them
// (kernels.sampling) changes a draw only where rounding moves a CDF boundary across u.
#include "r1forge/sampling/token_choice.h"

#include <cmath>
#include <limits>
#include <memory>

#include "r1forge/core/check.h"
#include "r1forge/kernels/kernels.h"
#include "r1forge/sampling/sampler.h"

namespace r1forge {
namespace {

bool any_penalty(const SamplingBatch& batch) {
  for (const SamplingParams* params : batch.params) {
    if (params->repetition_penalty != 1.0 || params->presence_penalty != 0.0) return true;
  }
  return false;
}

std::vector<bool> greedy_rows(const SamplingBatch& batch) {
  std::vector<bool> greedy;
  for (const SamplingParams* params : batch.params) greedy.push_back(params->temperature == 0);
  return greedy;
}

// log softmax(from)[token] per row: from [R, V] fp32, tokens [R] int64 (may hold the choice's
// marks; they read a clamped id and are fixed on the host) -> [R] fp32.
at::Tensor picked_logprobs(const at::Tensor& log_probabilities, const at::Tensor& tokens) {
  at::Tensor index = tokens.clamp(0, log_probabilities.size(1) - 1).unsqueeze(1);
  return log_probabilities.gather(1, index).squeeze(1);
}

// The per-row parameters as device tensors, through one host-to-device copy of an fp64 block
// [5, R] (temperature, top_k, top_p, min_p, uniform): each converts exactly (k < 2^53).
struct RowParameters {
  at::Tensor temperature, top_k, top_p, min_p, uniform;
};

RowParameters row_parameters(const SamplingBatch& batch,
                             const at::Tensor& uniforms,
                             const at::Device device) {
  const int64_t rows = batch.rows();
  at::Tensor block = at::empty({5, rows}, at::kDouble);
  auto values = block.accessor<double, 2>();
  const double* uniform = uniforms.data_ptr<double>();
  for (int64_t row = 0; row < rows; ++row) {
    const SamplingParams& params = *batch.params[row];
    values[0][row] = params.temperature;
    values[1][row] = static_cast<double>(params.top_k);
    values[2][row] = params.top_p;
    values[3][row] = params.min_p;
    values[4][row] = uniform[row];
  }
  at::Tensor on_device = block.to(device);
  return {on_device[0].to(at::kFloat), on_device[1].to(at::kInt), on_device[2].contiguous(),
          on_device[3].to(at::kFloat), on_device[4].contiguous()};
}

// The step's choice while still on the device. `reported` is kept by the twin for the host's
// rare fix-up of a row drawn past its CDF's total (the kernel resolves those itself).
struct DeviceChoice {
  at::Tensor tokens;     // [R] int64: ids, kNoTokenToDraw, or V (twin only)
  at::Tensor logprobs;   // [R] fp32, read at a clamped id where tokens is a mark
  at::Tensor processed;  // [R, V] the logits the draw saw
  at::Tensor reported;   // [R, V] log softmax(logits / T) (twin only)
};

// The fused path: penalties (a sparse scatter, ATen) on a copy when any row has them, so the
// reported log-probs still see the unpenalised logits; then one kernel per step.
DeviceChoice choose_with_kernel(const at::Tensor& logits,
                                const SamplingBatch& batch,
                                const at::Tensor& uniforms) {
  at::Tensor processed = logits.contiguous();
  at::Tensor report;  // undefined: the kernel reports from the logits it samples from
  if (any_penalty(batch)) {
    report = processed;
    processed = processed.clone();
    static const std::unique_ptr<LogitsProcessor> penalties = make_penalty_processor();
    penalties->apply(processed, batch);
  }
  // The kernel reads the processors' parameters without their checks: make them here.
  for (int64_t row = 0; row < batch.rows(); ++row) {
    const SamplingParams& params = *batch.params[row];
    R1F_CHECK_CONFIG(
        params.temperature >= 0 && std::isfinite(params.temperature) && params.top_k >= 0 &&
            params.top_k <= std::numeric_limits<int32_t>::max() && params.top_p > 0 &&
            params.top_p <= 1 && params.min_p >= 0 && params.min_p <= 1,
        "sampling row ", row, ": temperature ", params.temperature, ", top_k ", params.top_k,
        ", top_p ", params.top_p, " or min_p ", params.min_p, " is out of range");
  }
  RowParameters parameters = row_parameters(batch, uniforms, logits.device());
  auto [tokens, logprobs] =
      kernels::sample_rows_cuda(processed, report, parameters.temperature, parameters.top_k,
                                parameters.top_p, parameters.min_p, parameters.uniform);
  return {tokens, logprobs, processed, at::Tensor()};
}

// The twin: log-probs from logits / T, the processor chain in place, the inverse CDF.
DeviceChoice choose_with_aten(at::Tensor logits,
                              const SamplingBatch& batch,
                              const LogitsProcessorChain& chain,
                              const at::Tensor& uniforms,
                              const std::vector<bool>& greedy) {
  std::vector<double> temperatures;
  for (const SamplingParams* params : batch.params) {
    temperatures.push_back(params->temperature > 0 ? params->temperature : 1.0);
  }
  // The reported distribution: logits / T, no penalties, no truncation (engine.h); an fp32
  // divisor, as the temperature processor's.
  at::Tensor scale = at::tensor(temperatures, at::kDouble).to(logits.device(), at::kFloat);
  at::Tensor reported = at::log_softmax(logits / scale.unsqueeze(1), 1);  // [R, V]
  // The reported log-probs are taken, so the chain may edit the logits in place.
  chain.apply(logits, batch);
  at::Tensor tokens = choose_by_cdf(logits, uniforms, greedy);  // [R] on the device
  return {tokens, picked_logprobs(reported, tokens), logits, reported};
}

}  // namespace

bool token_choice_uses_kernel(const at::Tensor& logits) {
  return kernels::sample_rows_uses_cuda(logits);
}

TokenChoice choose_tokens(at::Tensor logits,
                          const SamplingBatch& batch,
                          std::vector<at::Generator>& generators,
                          const LogitsProcessorChain& chain,
                          bool raw_logprobs) {
  R1F_CHECK(logits.defined() && logits.dim() == 2 && logits.scalar_type() == at::kFloat &&
                logits.size(1) > 0 && logits.size(0) == batch.rows(),
            "choose_tokens: logits must be fp32 [R, V] for the batch's ", batch.rows(), " rows");
  const int64_t vocab = logits.size(1);
  const std::vector<bool> greedy = greedy_rows(batch);
  const at::Tensor uniforms = draw_uniforms(generators, greedy);  // [R] fp64 CPU
  // Temperature-1 log-probs come from the logits before anything edits them.
  at::Tensor raw = raw_logprobs ? at::log_softmax(logits, 1) : at::Tensor();
  DeviceChoice choice = token_choice_uses_kernel(logits)
                            ? choose_with_kernel(logits, batch, uniforms)
                            : choose_with_aten(logits, batch, chain, uniforms, greedy);
  // One device-to-host copy (the step's sync point): token ids are exact in fp64 (< 2^53), and
  // fp32 log-probs widen exactly.
  std::vector<at::Tensor> columns = {choice.tokens.to(at::kDouble),
                                     choice.logprobs.to(at::kDouble)};
  if (raw.defined()) columns.push_back(picked_logprobs(raw, choice.tokens).to(at::kDouble));
  const at::Tensor host = at::stack(columns).to(at::kCPU);  // [2 or 3, R] fp64
  TokenChoice result;
  result.tokens = host[0].to(at::kLong).contiguous();
  result.logprobs = host[1].to(at::kFloat).contiguous();
  if (raw.defined()) result.raw_logprobs = host[2].to(at::kFloat).contiguous();
  // Rows whose u fell at or past their CDF's total (fp32 probabilities can sum to 1 - 1e-7, so
  // ~1e-7 per draw) take the last token with nonzero probability, and their log-probs are read
  // again at that id: one small sync each, on the host.
  const at::Tensor drawn = result.tokens.clone();
  resolve_past_total(result.tokens, choice.processed);  // throws for a row with nothing to draw
  const int64_t* before = drawn.data_ptr<int64_t>();
  const int64_t* token = result.tokens.data_ptr<int64_t>();
  for (int64_t row = 0; row < batch.rows(); ++row) {
    if (before[row] < vocab) continue;
    R1F_CHECK(choice.reported.defined(), "choose_tokens: the fused kernel returned id ",
              before[row], " for row ", row, " of a vocabulary of ", vocab);
    result.logprobs[row] = choice.reported[row][token[row]].item<float>();
    if (raw.defined()) result.raw_logprobs[row] = raw[row][token[row]].item<float>();
  }
  return result;
}

}  // namespace r1forge
