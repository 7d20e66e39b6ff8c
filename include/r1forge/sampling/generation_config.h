// Generation settings: the one owner of how completions are sampled (length, temperature,
// truncation, penalties, stop strings). Every stage section that generates (grpo,
// rejection_sampling, eval, distill) embeds one and splices its keys flat into the section,
// with TRL's names (`grpo.max_completion_length`, `eval.temperature`, ...); each section sets its
// own defaults (eval and rejection sampling: R1's T 0.6, top-p 0.95). `r1forge generate` fills
// one from its flags. sampling_params() is the only translation into the engine's per-request
// SamplingParams. (Named GenerationSettings because model/hf_io.h's GenerationConfig is HF's
// generation_config.json.) Not here: engine-wide settings (sampling_config.h), the processors
// that apply the knobs (logits_processor.h), how a stop string ends a sample (engine.h).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/sampling/sampling_params.h"

namespace r1forge {

struct GenerationSettings {
  int64_t max_completion_length = 256;  // max new tokens per completion (TRL's name)
  double temperature = 1.0;             // 0 = greedy
  double top_p = 1.0;                   // nucleus mass; 1 = off
  int64_t top_k = 0;                    // keep the k most likely tokens; 0 = off
  double min_p = 0.0;                   // drop tokens below min_p x the top probability; 0 = off
  double repetition_penalty = 1.0;      // CTRL/HF penalty on seen tokens; 1 = off
  double presence_penalty = 0.0;        // subtracted from generated tokens' logits; 0 = off
  std::vector<std::string> stop = {};   // stop strings: the sample ends, finish reason "stop"
  // vLLM's switch of the same name. true: the completion text (what rewards score) keeps the
  // stop string and is exactly the decoded generated tokens, so format rewards see the closing
  // tag and the text agrees with the tokens trained on. false: the text ends before the string
  // (the tokens, and so training, still include it).
  bool include_stop_str_in_output = true;

  bool operator==(const GenerationSettings&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    constexpr int64_t kMaxCount = std::numeric_limits<int64_t>::max();
    v.field("max_completion_length", max_completion_length,
            "max new tokens per completion (finish 'length')", IntRange{1, 1 << 24});
    v.field("temperature", temperature, "sampling temperature; 0 = greedy", RealRange{0.0, 100.0});
    v.field("top_p", top_p, "nucleus sampling mass; 1 = off", RealRange{0.0, 1.0, true});
    v.field("top_k", top_k, "keep the k most likely tokens; 0 = off", IntRange{0, kMaxCount});
    v.field("min_p", min_p, "drop tokens below min_p x the top probability; 0 = off",
            RealRange{0.0, 1.0});
    v.field("repetition_penalty", repetition_penalty, "CTRL-style penalty on seen tokens; 1 = off",
            RealRange{0.0, 100.0, true});
    v.field("presence_penalty", presence_penalty,
            "subtracted from logits of tokens already generated; 0 = off",
            RealRange{-100.0, 100.0});
    v.field("stop", stop, "stop strings: the completion ends at the first one (finish 'stop')");
    v.field("include_stop_str_in_output", include_stop_str_in_output,
            "keep the stop string in the completion text rewards see (vLLM's switch)");
  }

  // The engine's per-request parameters for these settings; `seed` seeds the samples.
  SamplingParams sampling_params(uint64_t seed = 0) const;
};

}  // namespace r1forge
