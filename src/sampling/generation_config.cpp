// GenerationSettings -> SamplingParams; see sampling/generation_config.h.
#include "r1forge/sampling/generation_config.h"

namespace r1forge {

SamplingParams GenerationSettings::sampling_params(uint64_t seed) const {
  SamplingParams params;
  params.max_new_tokens = max_completion_length;
  params.temperature = temperature;
  params.top_p = top_p;
  params.top_k = top_k;
  params.min_p = min_p;
  params.repetition_penalty = repetition_penalty;
  params.presence_penalty = presence_penalty;
  params.stop_strings = stop;
  params.include_stop_str_in_output = include_stop_str_in_output;
  params.seed = seed;
  return params;
}

}  // namespace r1forge
