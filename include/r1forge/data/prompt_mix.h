// Several prompt sets drawn together in fixed proportions, for an RL stage whose prompts come
// from several sources (R1's general RL: reasoning prompts and general prompts, each scored by
// its own rewards). The sources' rows are concatenated (source s holds rows [offset(s),
// offset(s) + size(s))), each source keeps its own epoch-wise PromptSampler, and each draw goes
// to the source furthest behind its share: after n draws source s has had within one of
// n * weight(s) / sum(weights), so every step's mix is the configured one to the prompt.
// Not here: loading the sets (prompt_dataset.h), the rewards per source (rl/reward.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/data/prompt_dataset.h"

namespace r1forge {

class PromptMixSampler {
 public:
  // `sizes`, `weights` (> 0) and `shuffle` per source; source s draws its epoch orders from
  // seeds[s]. One source is exactly a PromptSampler(sizes[0], shuffle[0], seeds[0]).
  PromptMixSampler(std::vector<int64_t> sizes,
                   std::vector<double> weights,
                   const std::vector<bool>& shuffle,
                   const std::vector<uint64_t>& seeds);
  // `count` row indices into the concatenated rows.
  std::vector<int64_t> next(int64_t count);
  // The source of concatenated row `row`.
  int64_t source_of(int64_t row) const;
  int64_t sources() const { return static_cast<int64_t>(samplers_.size()); }
  // The first source's epoch (the one a single-source stage reports).
  int64_t epoch() const { return samplers_.front().epoch(); }

  // The place for a stage's progress JSON. One source: {"size", "epoch", "position"}, as
  // sampler_progress (stage_checkpointer.h) writes it; several: {"sources": [those], "drawn":
  // [draws per source]}.
  nlohmann::json progress() const;
  // Back at that place. DataError naming `where` when the JSON does not fit these sources
  // (another number of sources, a source whose size changed).
  void restore(const nlohmann::json& progress, const std::string& where);

 private:
  std::vector<PromptSampler> samplers_;
  std::vector<int64_t> offsets_;  // [sources + 1]
  std::vector<double> shares_;    // weights / sum(weights)
  std::vector<int64_t> drawn_;    // per source, since the stage started
};

// The rows of `sets` one after the other, each row's PromptRow::source set to its set's index
// (skipped and truncated counts summed).
PromptDataset concatenate_prompt_sets(std::vector<PromptDataset> sets);

}  // namespace r1forge
