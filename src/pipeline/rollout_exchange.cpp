// Sharding and gathering rollouts across ranks; see pipeline/rollout_exchange.h.
#include "r1forge/pipeline/rollout_exchange.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"

namespace r1forge {
namespace {

// MessagePack, not JSON text: completions may hold bytes that are not UTF-8 (a decode cut in
// the middle of a character), and the log-probs must come back bit for bit.
nlohmann::json pack(const ScoredGroups& groups) {
  nlohmann::json samples = nlohmann::json::array();
  for (const GeneratedSample& sample : groups.samples) {
    samples.push_back(
        {sample.prompt_index, sample.sample_index, sample.token_ids, sample.logprobs,
         sample.raw_logprobs,
         nlohmann::json::binary_t(std::vector<uint8_t>(sample.text.begin(), sample.text.end())),
         static_cast<int>(sample.finish_reason)});
  }
  nlohmann::json scores = nlohmann::json::array();
  for (const auto& function : groups.scores) {
    nlohmann::json column = nlohmann::json::array();
    for (const RewardScore& score : function) {
      column.push_back(score ? nlohmann::json(*score) : nlohmann::json(nullptr));
    }
    scores.push_back(column);
  }
  return {{"rows", groups.prompt_rows},
          {"samples", samples},
          {"scores", scores},
          {"rollout_seconds", groups.rollout_seconds},
          {"reward_seconds", groups.reward_seconds},
          {"generated_tokens", groups.generated_tokens}};
}

void append(ScoredGroups& into, const nlohmann::json& part) {
  const int64_t offset = into.groups();
  for (const auto& row : part.at("rows")) into.prompt_rows.push_back(row.get<int64_t>());
  for (const auto& item : part.at("samples")) {
    GeneratedSample sample;
    sample.prompt_index = item.at(0).get<int64_t>() + offset;
    sample.sample_index = item.at(1).get<int64_t>();
    sample.token_ids = item.at(2).get<std::vector<int64_t>>();
    sample.logprobs = item.at(3).get<std::vector<float>>();
    sample.raw_logprobs = item.at(4).get<std::vector<float>>();
    const auto& text = item.at(5).get_binary();
    sample.text.assign(text.begin(), text.end());
    sample.finish_reason = static_cast<FinishReason>(item.at(6).get<int>());
    into.samples.push_back(std::move(sample));
  }
  const auto& scores = part.at("scores");
  if (into.scores.empty()) into.scores.resize(scores.size());
  R1F_CHECK(into.scores.size() == scores.size(), "gather_scored_groups: ranks scored with ",
            into.scores.size(), " and ", scores.size(), " reward functions");
  for (size_t f = 0; f < scores.size(); ++f) {
    for (const auto& score : scores[f]) {
      into.scores[f].push_back(score.is_null() ? RewardScore{} : RewardScore{score.get<double>()});
    }
  }
  into.rollout_seconds = std::max(into.rollout_seconds, part.at("rollout_seconds").get<double>());
  into.reward_seconds = std::max(into.reward_seconds, part.at("reward_seconds").get<double>());
  into.generated_tokens += part.at("generated_tokens").get<int64_t>();
}

}  // namespace

PromptShare prompt_share(int64_t count) {
  const int64_t rank = world().rank();
  const int64_t size = world().size();
  return {rank * count / size, (rank + 1) * count / size};
}

ScoredGroups gather_scored_groups(ScoredGroups mine) {
  if (world().size() == 1) return mine;
  const std::vector<uint8_t> packed = nlohmann::json::to_msgpack(pack(mine));
  ScoredGroups all;
  for (const std::string& bytes : world().all_gather_bytes(
           std::string(packed.begin(), packed.end()), "all_gather scored rollouts")) {
    append(all, nlohmann::json::from_msgpack(bytes));
  }
  return all;
}

}  // namespace r1forge
