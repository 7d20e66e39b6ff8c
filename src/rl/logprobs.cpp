// Chunked token log-probabilities; see rl/logprobs.h.
#include "r1forge/rl/logprobs.h"

#include "r1forge/core/check.h"

namespace r1forge {

at::Tensor token_logprobs(const at::Tensor& hidden,
                          const at::Tensor& output_embedding,
                          const at::Tensor& targets,
                          int64_t chunk_rows) {
  TORCH_CHECK(hidden.dim() == 3 && targets.dim() == 2 && hidden.size(0) == targets.size(0) &&
                  hidden.size(1) == targets.size(1),
              "token_logprobs: hidden [N, T, E] and targets [N, T] disagree: ", hidden.sizes(),
              " vs ", targets.sizes());
  R1F_CHECK(chunk_rows > 0, "chunk_rows must be positive");
  const int64_t rows = hidden.size(0), length = hidden.size(1);
  at::Tensor flat_hidden = hidden.reshape({rows * length, hidden.size(2)});
  at::Tensor flat_targets = targets.reshape({rows * length, 1});
  std::vector<at::Tensor> pieces;
  for (int64_t start = 0; start < rows * length; start += chunk_rows) {
    const int64_t count = std::min(chunk_rows, rows * length - start);
    // Logits in the model dtype (bf16 on GPU), then an fp32 log-softmax of this chunk only:
    // one fused kernel each way, where a composite logsumexp makes ~4 passes over [C, V].
    at::Tensor logits = at::linear(flat_hidden.narrow(0, start, count), output_embedding);
    at::Tensor chunk_logprobs = at::log_softmax(logits, /*dim=*/1, at::kFloat);  // [C, V]
    pieces.push_back(chunk_logprobs.gather(1, flat_targets.narrow(0, start, count)).squeeze(1));
  }
  if (pieces.empty()) return at::zeros({rows, length}, hidden.options().dtype(at::kFloat));
  return at::cat(pieces).view({rows, length});
}

// Interim version (autograd keeps each chunk); the recomputing backward replaces it.
TokenLogprobs compute_token_logprobs(const at::Tensor& hidden,
                                     const at::Tensor& output_embedding,
                                     const at::Tensor& targets,
                                     const TokenLogprobOptions& options) {
  const int64_t rows = hidden.size(0), length = hidden.size(1);
  at::Tensor flat_hidden = hidden.reshape({rows * length, hidden.size(2)});
  at::Tensor flat_targets = targets.reshape({rows * length, 1});
  std::vector<at::Tensor> logprob_pieces, entropy_pieces;
  for (int64_t start = 0; start < rows * length; start += options.chunk_rows) {
    const int64_t count = std::min(options.chunk_rows, rows * length - start);
    at::Tensor logits = at::linear(flat_hidden.narrow(0, start, count), output_embedding);
    at::Tensor scaled = logits.to(at::kFloat) / options.temperature;
    at::Tensor chunk = at::log_softmax(scaled, 1);
    logprob_pieces.push_back(chunk.gather(1, flat_targets.narrow(0, start, count)).squeeze(1));
    if (options.with_entropy) entropy_pieces.push_back(-(chunk.exp() * chunk).sum(1));
  }
  TokenLogprobs result;
  result.logprobs = at::cat(logprob_pieces).view({rows, length});
  if (options.with_entropy) result.entropy = at::cat(entropy_pieces).view({rows, length});
  return result;
}

}  // namespace r1forge
