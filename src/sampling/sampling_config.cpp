// Where the sampling settings that left `sampling:` live now; see sampling/sampling_config.h.
#include "r1forge/sampling/sampling_config.h"

namespace r1forge {

std::vector<MovedKey> SamplingConfig::moved_keys() {
  const std::string sections =
      " in each stage section that generates (stages[].grpo, stages[].eval, "
      "stages[].rejection_sampling, stages[].distill; see docs/config.md)";
  std::vector<MovedKey> moved;
  for (const char* knob : {"temperature", "top_p", "top_k", "min_p", "repetition_penalty",
                           "presence_penalty", "stop"}) {
    moved.push_back({knob, "generation settings moved: set " + std::string(knob) + sections});
  }
  moved.push_back({"max_new_tokens", "generation settings moved: set max_completion_length" +
                                         sections + "; r1forge generate takes --max-new-tokens"});
  moved.push_back({"raw_logprobs",
                   "removed: no stage reads temperature-1 log-probs; r1forge generate reports "
                   "them with --raw-logprobs"});
  return moved;
}

}  // namespace r1forge
