// Deciding one prompt's N rejection-sampled completions: each is accepted or gets the first
// reason it failed, checked in a fixed order — incorrect (the correctness reward below
// min_score, or none), format (the required format reward failed), the readability filters
// (readability_filters.h, in their order), duplicate (same dedupe key as a row kept before),
// over_cap (the prompt already has k accepted). Dedupe comes before the cap so a duplicate
// never takes one of the k places. A pure function of its inputs and the dedupe set.
// Not here: sampling and scoring (rejection_stage.h), the statistics (rejection_stats.h).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "r1forge/pipeline/readability_filters.h"
#include "r1forge/pipeline/rejection_config.h"
#include "r1forge/rl/reward.h"

namespace r1forge {

inline constexpr const char* kRejectIncorrect = "incorrect";
inline constexpr const char* kRejectFormat = "format";
inline constexpr const char* kRejectDuplicate = "duplicate";
inline constexpr const char* kRejectOverCap = "over_cap";
// Every reason, in the order they are checked: incorrect, format, filters..., duplicate,
// over_cap.
std::vector<std::string> rejection_reasons();

// One completion as the selection sees it.
struct Candidate {
  ReadabilitySample sample;   // prompt = the raw problem text
  RewardScore correct_score;  // the accept.correct_reward score; nullopt = none
  RewardScore format_score;   // the accept.require_format score (unused when that is empty)
};

// Hashes of the dedupe keys (readability_filters.h) of the rows kept so far in a run: 64-bit,
// so memory stays 8 bytes a row; a false duplicate needs a hash collision (~n^2 / 2^65).
using DedupeSet = std::unordered_set<uint64_t>;
uint64_t dedupe_hash(std::string_view prompt, std::string_view completion);

// Whether a candidate passes the correctness rule (correct and, when required, formatted).
bool is_correct(const Candidate& candidate, const RejectionAcceptConfig& accept);

// Per candidate (in sample order): "" = accepted, else the reason. At most
// config.max_per_prompt are accepted; accepted keys go into `seen` when config.dedupe.
std::vector<std::string> select_candidates(const std::vector<Candidate>& candidates,
                                           const RejectionSamplingConfig& config,
                                           DedupeSet& seen);

}  // namespace r1forge
