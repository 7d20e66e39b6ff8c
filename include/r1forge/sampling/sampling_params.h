// Per-request sampling parameters (what a caller asks of one generation request) and the
// engine-wide settings. Callers fill SamplingParams from a GenerationSettings (generation_config.h,
// the YAML side); EngineConfig from the `sampling:` section (sampling_config.h). Defaults follow
// llama.cpp's convention of stating the "off" value beside each knob. Not here: the processors
// that apply them (logits_processor.h) or the engine (engine.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace r1forge {

struct SamplingParams {
  double temperature = 1.0;         // 0 = greedy (argmax); > 0 divides the logits
  int64_t top_k = 0;                // keep the k most likely tokens; 0 = off
  double top_p = 1.0;               // keep the smallest set with cumulative prob >= p; 1 = off
  double min_p = 0.0;               // drop tokens with prob < min_p * max prob; 0 = off
  double repetition_penalty = 1.0;  // CTRL/HF: seen tokens' logits / p if > 0, * p if < 0; 1 = off
  double presence_penalty = 0.0;    // subtract from logits of tokens already generated; 0 = off
  int64_t max_new_tokens = 128;     // finish_reason "length" after this many tokens
  std::vector<std::string> stop_strings;   // finish "stop" when the text contains one
  bool include_stop_str_in_output = true;  // text keeps the stop string (= decoded tokens)
  bool ignore_eos = false;                 // keep going past EOS (benchmarks)
  uint64_t seed = 0;  // sample j of prompt i draws from derive_seed(seed, i, j)
};

// Engine-wide settings (from the `sampling:` config section, or `r1forge generate`'s flags).
struct EngineConfig {
  int64_t max_batch_size = 64;    // slots decoded together
  int64_t max_cached_tokens = 0;  // slots x capacity bound (memory); 0 = no bound
  bool raw_logprobs = false;      // also report temperature-1 log-probs
  // GPU: wait for each decode step before stopping its timer, so EngineStats splits decode
  // and sampling time truly (benchmarks; one more sync point per step). Off: the queued
  // decode's GPU time lands in sampling_seconds, at the token choice's copy.
  bool synchronize_timers = false;
};

}  // namespace r1forge
