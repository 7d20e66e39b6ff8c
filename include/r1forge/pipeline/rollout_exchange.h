// Data-parallel rollouts: the contiguous share of a batch's prompts this rank generates and
// scores, and gathering every rank's scored groups back into the batch's order, so that what
// follows (dynamic sampling, advantages, metrics, the samples a stage keeps) sees one batch,
// the one a single process would have made (the engine's seed_index keeps the draws equal).
// Not here: the collectives (core/distributed.h), generating and scoring (grpo_rollouts.h).
#pragma once

#include <cstdint>

#include "r1forge/pipeline/grpo_rollouts.h"

namespace r1forge {

// Prompts [begin, end) of a batch of `count` are this rank's: rank r of W takes
// [r * count / W, (r + 1) * count / W), so shares differ by one prompt at most.
struct PromptShare {
  int64_t begin = 0;
  int64_t end = 0;
};
PromptShare prompt_share(int64_t count);

// Every rank's groups in rank order (= the batch's order): prompt rows, samples (prompt_index
// renumbered into the whole batch), scores and token counts concatenated; the seconds are the
// slowest rank's. The identity for one process. A collective.
ScoredGroups gather_scored_groups(ScoredGroups mine);

}  // namespace r1forge
