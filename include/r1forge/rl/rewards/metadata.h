// Reading a reward sample's dataset fields (RewardSample::metadata) without throwing: a
// missing or null field is "absent", which rewards turn into a none score.
// Not here: the reward interface (rl/reward.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/rl/reward.h"

namespace r1forge {

// The field `key` of the sample's metadata, or nullptr when there is no metadata object, no
// such key, or the value is null.
inline const nlohmann::json* metadata_field(const RewardSample& sample, const std::string& key) {
  if (sample.metadata == nullptr || !sample.metadata->is_object()) return nullptr;
  auto found = sample.metadata->find(key);
  if (found == sample.metadata->end() || found->is_null()) return nullptr;
  return &*found;
}

}  // namespace r1forge
