// Prompt sets drawn in fixed proportions; see data/prompt_mix.h.
#include "r1forge/data/prompt_mix.h"

#include <algorithm>
#include <numeric>

#include "r1forge/core/check.h"

namespace r1forge {

PromptMixSampler::PromptMixSampler(std::vector<int64_t> sizes,
                                   std::vector<double> weights,
                                   const std::vector<bool>& shuffle,
                                   const std::vector<uint64_t>& seeds) {
  R1F_CHECK(!sizes.empty() && sizes.size() == weights.size() && sizes.size() == shuffle.size() &&
                sizes.size() == seeds.size(),
            "PromptMixSampler: one size, weight, shuffle flag and seed per source");
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  offsets_.push_back(0);
  for (size_t s = 0; s < sizes.size(); ++s) {
    R1F_CHECK(weights[s] > 0.0, "PromptMixSampler: source ", s, " has weight ", weights[s]);
    samplers_.emplace_back(sizes[s], shuffle[s], seeds[s]);
    offsets_.push_back(offsets_.back() + sizes[s]);
    shares_.push_back(weights[s] / total);
  }
  drawn_.assign(sizes.size(), 0);
}

std::vector<int64_t> PromptMixSampler::next(int64_t count) {
  std::vector<int64_t> rows;
  rows.reserve(count);
  for (int64_t k = 0; k < count; ++k) {
    // The source furthest below its share after this draw (ties: the first), in exact
    // arithmetic on the totals so the choice never depends on accumulated rounding.
    const int64_t after = std::accumulate(drawn_.begin(), drawn_.end(), int64_t{0}) + 1;
    size_t pick = 0;
    double deficit = -1e300;
    for (size_t s = 0; s < samplers_.size(); ++s) {
      const double behind =
          shares_[s] * static_cast<double>(after) - static_cast<double>(drawn_[s]);
      if (behind > deficit) {
        deficit = behind;
        pick = s;
      }
    }
    ++drawn_[pick];
    rows.push_back(offsets_[pick] + samplers_[pick].next(1).front());
  }
  return rows;
}

int64_t PromptMixSampler::source_of(int64_t row) const {
  R1F_CHECK(row >= 0 && row < offsets_.back(), "PromptMixSampler: row ", row, " out of range");
  return static_cast<int64_t>(std::upper_bound(offsets_.begin(), offsets_.end(), row) -
                              offsets_.begin()) -
         1;
}

namespace {
nlohmann::json one_source(const PromptSampler& sampler) {
  return {{"size", sampler.size()}, {"epoch", sampler.epoch()}, {"position", sampler.position()}};
}

void restore_one(PromptSampler& sampler, const nlohmann::json& place, const std::string& where) {
  const int64_t size = place.value("size", int64_t{-1});
  R1F_CHECK_DATA(size == sampler.size(), where, " was taken over ", size, " rows, which now give ",
                 sampler.size(), "; the data changed (restore it, or delete the checkpoints)");
  sampler.restore(place.at("epoch").get<int64_t>(), place.at("position").get<int64_t>());
}
}  // namespace

nlohmann::json PromptMixSampler::progress() const {
  if (samplers_.size() == 1) return one_source(samplers_.front());
  nlohmann::json sources = nlohmann::json::array();
  for (const PromptSampler& sampler : samplers_) sources.push_back(one_source(sampler));
  return {{"sources", sources}, {"drawn", drawn_}};
}

void PromptMixSampler::restore(const nlohmann::json& progress, const std::string& where) {
  if (samplers_.size() == 1) {
    R1F_CHECK_DATA(!progress.contains("sources"), where,
                   ": the checkpoint's prompts came from several sources; this stage has one");
    restore_one(samplers_.front(), progress, where + ": its prompt sampler");
    return;
  }
  R1F_CHECK_DATA(progress.contains("sources") &&
                     progress.at("sources").size() == samplers_.size() &&
                     progress.at("drawn").size() == samplers_.size(),
                 where, ": the checkpoint's prompts came from ",
                 progress.contains("sources") ? progress.at("sources").size() : 1,
                 " source(s); this stage has ", samplers_.size());
  for (size_t s = 0; s < samplers_.size(); ++s) {
    restore_one(samplers_[s], progress.at("sources")[s],
                where + ": the sampler of source " + std::to_string(s));
    drawn_[s] = progress.at("drawn")[s].get<int64_t>();
  }
}

PromptDataset concatenate_prompt_sets(std::vector<PromptDataset> sets) {
  PromptDataset all;
  for (size_t s = 0; s < sets.size(); ++s) {
    for (PromptRow& row : sets[s].rows) {
      row.source = static_cast<int64_t>(s);
      all.rows.push_back(std::move(row));
    }
    all.skipped_too_long += sets[s].skipped_too_long;
    all.truncated += sets[s].truncated;
  }
  return all;
}

}  // namespace r1forge
