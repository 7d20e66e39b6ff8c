// The `sampling:` section of a run config: which backend generates, how many sequences decode
// together, the memory bound, and the default per-request sampling parameters that stages
// and `r1forge generate` start from.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/sampling/sampling_params.h"

namespace r1forge {

struct SamplingConfig {
  std::string backend = "torch";    // torch (KV cache, ATen ops) | recompute (no cache, reference)
  int64_t max_batch_size = 64;      // sequences decoded together (KV-cache slots)
  int64_t max_cached_tokens = 0;    // bound on slots x (prompt + max_new_tokens); 0 = none
  bool raw_logprobs = false;        // also return temperature-1 log-probs
  double temperature = 1.0;         // 0 = greedy
  double top_p = 1.0;               // 1 = off
  int64_t top_k = 0;                // 0 = off
  double min_p = 0.0;               // 0 = off
  double repetition_penalty = 1.0;  // 1 = off
  double presence_penalty = 0.0;    // 0 = off
  int64_t max_new_tokens = 128;     // finish "length" after this many tokens
  std::vector<std::string> stop;    // stop strings (finish "stop"; excluded from the text)

  bool operator==(const SamplingConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("backend", backend, "torch = KV cache (ATen ops); recompute = no cache (reference)",
            OneOf{"torch", "recompute"});
    v.field("max_batch_size", max_batch_size, "sequences decoded together (KV-cache slots)",
            IntRange{1, 1 << 20});
    v.field("max_cached_tokens", max_cached_tokens,
            "bound on slots x (prompt + max_new_tokens) KV positions; 0 = none",
            IntRange{0, std::numeric_limits<int64_t>::max()});
    v.field("raw_logprobs", raw_logprobs, "also return temperature-1 log-probs");
    v.field("temperature", temperature, "0 = greedy", RealRange{0.0, 100.0});
    v.field("top_p", top_p, "nucleus sampling mass; 1 = off", RealRange{0.0, 1.0, true});
    v.field("top_k", top_k, "keep the k most likely tokens; 0 = off",
            IntRange{0, std::numeric_limits<int64_t>::max()});
    v.field("min_p", min_p, "drop tokens below min_p x the top probability; 0 = off",
            RealRange{0.0, 1.0});
    v.field("repetition_penalty", repetition_penalty, "CTRL-style penalty on seen tokens; 1 = off",
            RealRange{0.0, 100.0, true});
    v.field("presence_penalty", presence_penalty,
            "subtracted from logits of tokens already generated; 0 = off",
            RealRange{-100.0, 100.0});
    v.field("max_new_tokens", max_new_tokens, "finish 'length' after this many tokens",
            IntRange{0, 1 << 24});
    v.field("stop", stop, "stop strings: finish 'stop', excluded from the text");
  }

  EngineConfig engine() const { return {max_batch_size, max_cached_tokens, raw_logprobs}; }
  SamplingParams params(uint64_t seed) const {
    SamplingParams p;
    p.temperature = temperature;
    p.top_p = top_p;
    p.top_k = top_k;
    p.min_p = min_p;
    p.repetition_penalty = repetition_penalty;
    p.presence_penalty = presence_penalty;
    p.max_new_tokens = max_new_tokens;
    p.stop_strings = stop;
    p.seed = seed;
    return p;
  }
};

}  // namespace r1forge
