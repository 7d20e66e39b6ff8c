// The rejection-sampling stage (DeepSeek-R1 §2.3.3): the policy (the stage's `init`) samples N
// completions for every prompt of the data file; the stage's rewards score them; a sample is
// kept when it is correct (rejection_select.h), passes the readability filters, is not a
// duplicate, and its prompt has fewer than k kept; non-reasoning SFT rows are mixed in at the
// configured ratio. Writes into the stage folder:
//   data.jsonl  SFT rows {"prompt" (raw, untemplated), "completion", metadata..., "provenance"}
//               committed atomically at the end: a failed run leaves no data.jsonl
//   stats.json  acceptance statistics (rejection_stats.h)
// Reasoning rows are written in prompt order with non-reasoning rows spread evenly between
// them. Not here: training on the data (the sft stage), the decisions (rejection_select.h).
#pragma once

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

// Runs `stage` (type rejection_sampling) of `config`. ConfigError/DataError/IoError for bad
// input (prompt or non-reasoning file, rewards, model), found before sampling starts.
void run_rejection_sampling_stage(const Config& config, const StageConfig& stage);

}  // namespace r1forge
