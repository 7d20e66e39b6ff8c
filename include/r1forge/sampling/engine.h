// The generation engine: G samples per prompt with a KV cache, continuous batching, stop
// conditions, per-sample generators, and the log-prob of every sampled token.
//
// - Each distinct prompt is prefilled once (all but its last token); its KV state is copied
//   into each of its G samples' slots, and the last prompt token is fed in the first batched
//   decode step, so every step is uniform: one token in, next-token logits out, per slot.
// - Continuous batching: when a sample finishes, its slot takes the next pending (prompt,
//   sample); with nothing pending, the last active slot moves into it (rows stay [0, A)).
// - Log-probs: `logprobs[t]` is log softmax(logits / T)[token] — temperature applied, before
//   penalties and top-k/top-p/min-p truncation — because that is the distribution GRPO's
//   old-policy log-probs are computed under (the trainer sees the temperature but not the
//   truncation). Greedy samples (T = 0) report T = 1 log-probs. `raw_logprobs` (optional) are
//   always T = 1.
// - Stop: any EOS id (unless ignore_eos) -> "stop", the EOS token kept in token_ids; a stop
//   string -> "stop", token_ids (and logprobs) keep every generated token up to the one that
//   completed the string, which may span several tokens. With include_stop_str_in_output (the
//   default) `text` is those tokens decoded, so it holds the string and whatever else the last
//   token carries after it: the text rewards score is the text trained on. Without it `text`
//   ends before the string (the tokens still hold it, as in vLLM). max_new_tokens -> "length".
// Not here: the model math (backend.h), token choice (logits_processor.h, sampler.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "r1forge/sampling/backend.h"
#include "r1forge/sampling/logits_processor.h"
#include "r1forge/sampling/sampling_params.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

struct GenerationRequest {
  std::vector<int64_t> prompt_ids;  // at least one token
  SamplingParams params;
  int64_t n = 1;  // samples of this prompt (the GRPO group size G)
  // Sample j draws from derive_seed(params.seed, seed_index, j); -1 = the request's place in
  // the call. A data-parallel rank generating a share of a batch passes each prompt's place in
  // the whole batch, so it draws what one process would.
  int64_t seed_index = -1;
};

enum class FinishReason { STOP, LENGTH };
const char* finish_reason_name(FinishReason reason);

struct GeneratedSample {
  int64_t prompt_index = 0;
  int64_t sample_index = 0;
  std::vector<int64_t> token_ids;   // [L] generated tokens
  std::vector<float> logprobs;      // [L] see the header comment
  std::vector<float> raw_logprobs;  // [L] when EngineConfig::raw_logprobs
  std::string text;                 // decoded without special tokens; empty without tokenizer
  FinishReason finish_reason = FinishReason::LENGTH;
};

struct EngineStats {
  int64_t prompts = 0, samples = 0, prefill_tokens = 0, generated_tokens = 0, decode_steps = 0;
  int64_t slots = 0;            // batch slots allocated
  double active_row_steps = 0;  // sum over steps of active rows (occupancy = / steps / slots)
  double prefill_seconds = 0, decode_seconds = 0, sampling_seconds = 0, total_seconds = 0;
};

// Called with every step's raw next-token logits of one sample, before it is extended: for
// tests and debugging (compares cached decoding with a full forward).
using LogitsObserver = std::function<void(
    int64_t prompt_index, int64_t sample_index, int64_t step, const at::Tensor& logits)>;

// Called as samples finish with how many of the generate() call's samples are done: for
// progress bars (core/progress_bar.h). Runs on the calling thread, between decode steps.
using ProgressCallback = std::function<void(int64_t finished_samples, int64_t total_samples)>;

class Engine {
 public:
  // `tokenizer` may be null (then no text and no stop strings); `eos_ids` stop sequences.
  Engine(ModelBackend& backend,
         const Tokenizer* tokenizer,
         std::vector<int64_t> eos_ids,
         EngineConfig config = {});
  // Samples in (prompt, sample) order. DataError for a bad request (empty prompt, token id
  // out of range, stop strings without a tokenizer, n < 1).
  std::vector<GeneratedSample> generate(const std::vector<GenerationRequest>& requests);
  const EngineStats& stats() const { return stats_; }
  void set_logits_observer(LogitsObserver observer) { observer_ = std::move(observer); }
  // Replaces the progress callback; an empty one turns it off.
  void set_progress_callback(ProgressCallback callback) { progress_ = std::move(callback); }

 private:
  ModelBackend& backend_;
  const Tokenizer* tokenizer_;
  std::vector<int64_t> eos_ids_;
  EngineConfig config_;
  LogitsProcessorChain chain_;
  EngineStats stats_;
  LogitsObserver observer_;
  ProgressCallback progress_;
};

}  // namespace r1forge
