// The `external` reward: scores come from a user's program, started once (on the first batch)
// as `/bin/sh -c COMMAND` and kept running. Protocol, one JSON object per line:
//   request  {"id": 7, "prompt": "...", "completion": "...", "metadata": {...},
//             "completion_tokens": 12, "truncated": false, "max_completion_tokens": 64}
//   reply    {"id": 7, "score": 0.5}      (or "score": null for none)
// A batch writes one request per sample; the scorer answers every request with exactly one
// line, in request order, flushing stdout (PYTHONUNBUFFERED=1 is set for it); its stderr is
// passed through. Ids grow across the whole run; a reply naming an id of an earlier batch (a
// late answer) is dropped. Any other reply that is not JSON, names another id or has no
// numeric/null score gives the sample it stands for none. If the batch is not fully answered
// within timeout_seconds, or the scorer exits, the process group is killed, the unanswered
// samples get none, and the scorer is restarted on the next batch; after more than
// max_restarts failed batches in a row the next batch throws IoError. Training never waits
// longer than timeout_seconds (plus at most ~2 s to reap a killed scorer) per batch.
// Not here: pipes, poll and process groups (external_process.h).
#pragma once

#include <memory>

#include "r1forge/rl/reward.h"

namespace r1forge {

extern const char* const kExternalHelp;
std::unique_ptr<RewardFunction> make_external_reward(RewardOptions& options);

}  // namespace r1forge
