// Per-prompt acceptance and rejection reasons; see pipeline/rejection_select.h.
#include "r1forge/pipeline/rejection_select.h"

#include "r1forge/core/rng.h"

namespace r1forge {

std::vector<std::string> rejection_reasons() {
  std::vector<std::string> reasons = {kRejectIncorrect, kRejectFormat};
  for (const std::string& name : readability_filter_names()) reasons.push_back(name);
  reasons.push_back(kRejectDuplicate);
  reasons.push_back(kRejectOverCap);
  return reasons;
}

uint64_t dedupe_hash(std::string_view prompt, std::string_view completion) {
  // derive_seed is a 64-bit FNV-1a hash of its text, mixed by SplitMix64: stable across runs.
  return derive_seed(/*run_seed=*/0, dedupe_key(prompt, completion));
}

bool is_correct(const Candidate& candidate, const RejectionAcceptConfig& accept) {
  if (!candidate.correct_score || *candidate.correct_score < accept.min_score) return false;
  if (accept.require_format.empty()) return true;
  return candidate.format_score && *candidate.format_score >= accept.format_min_score;
}

std::vector<std::string> select_candidates(const std::vector<Candidate>& candidates,
                                           const RejectionSamplingConfig& config,
                                           DedupeSet& seen) {
  std::vector<std::string> reasons(candidates.size());
  int64_t accepted = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& candidate = candidates[i];
    const RewardScore& correct = candidate.correct_score;
    if (!correct || *correct < config.accept.min_score) {
      reasons[i] = kRejectIncorrect;
      continue;
    }
    if (!is_correct(candidate, config.accept)) {
      reasons[i] = kRejectFormat;
      continue;
    }
    if (auto filter = first_rejecting_filter(candidate.sample, config.filters)) {
      reasons[i] = *filter;
      continue;
    }
    uint64_t key = 0;
    if (config.dedupe) {
      key = dedupe_hash(candidate.sample.prompt, candidate.sample.completion);
      if (seen.count(key) != 0) {
        reasons[i] = kRejectDuplicate;
        continue;
      }
    }
    if (accepted >= config.max_per_prompt) {
      reasons[i] = kRejectOverCap;
      continue;
    }
    ++accepted;
    if (config.dedupe) seen.insert(key);
  }
  return reasons;
}

}  // namespace r1forge
