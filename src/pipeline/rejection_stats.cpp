// Acceptance statistics; see pipeline/rejection_stats.h.
#include "r1forge/pipeline/rejection_stats.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/pipeline/rejection_select.h"

namespace r1forge {
namespace {

const char* const kPassRateBuckets[] = {"0",          "(0,0.25]", "(0.25,0.5]",
                                        "(0.5,0.75]", "(0.75,1)", "1"};

double rate(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

// Parses a whole label as a number (for ordering numeric difficulty buckets).
bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace

const char* const kDifficultyFields[2] = {"num_terms", "difficulty"};

std::string choose_difficulty_field(const PromptDataset& data) {
  for (const char* field : kDifficultyFields) {
    const bool everywhere =
        !data.rows.empty() && std::all_of(data.rows.begin(), data.rows.end(), [&](const auto& row) {
          auto it = row.metadata.find(field);
          return it != row.metadata.end() && (it->is_number() || it->is_string());
        });
    if (everywhere) return field;
  }
  return "";
}

std::string difficulty_label(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string pass_rate_bucket(int64_t correct, int64_t samples) {
  R1F_CHECK(samples > 0 && correct >= 0 && correct <= samples, correct, " of ", samples);
  if (correct == 0) return kPassRateBuckets[0];
  if (correct == samples) return kPassRateBuckets[5];
  // Integer comparisons (4 * correct vs samples) keep the bucket edges exact.
  if (4 * correct <= samples) return kPassRateBuckets[1];
  if (2 * correct <= samples) return kPassRateBuckets[2];
  if (4 * correct <= 3 * samples) return kPassRateBuckets[3];
  return kPassRateBuckets[4];
}

RejectionStats::RejectionStats(std::string difficulty_field)
    : difficulty_field_(std::move(difficulty_field)) {
  for (const std::string& reason : rejection_reasons()) rejected_[reason] = 0;
}

void RejectionStats::add(const PromptOutcome& outcome) {
  const int64_t samples = static_cast<int64_t>(outcome.reasons.size());
  int64_t accepted = 0;
  for (const std::string& reason : outcome.reasons) {
    if (reason.empty()) {
      ++accepted;
      continue;
    }
    auto it = rejected_.find(reason);
    R1F_CHECK(it != rejected_.end(), "unknown rejection reason '", reason, "'");
    ++it->second;
  }
  ++prompts_;
  samples_ += samples;
  accepted_ += accepted;
  correct_ += outcome.correct;
  unscored_ += outcome.unscored;
  zero_accepted_ += accepted == 0;
  const std::string label = difficulty_field_.empty() && samples > 0
                                ? pass_rate_bucket(outcome.correct, samples)
                                : outcome.difficulty;
  Bucket& bucket = buckets_[label];
  ++bucket.prompts;
  bucket.samples += samples;
  bucket.correct += outcome.correct;
  bucket.accepted += accepted;
}

nlohmann::ordered_json RejectionStats::to_json() const {
  nlohmann::ordered_json out;
  out["prompts"] = prompts_;
  out["samples"] = samples_;
  out["accepted"] = accepted_;
  out["acceptance_rate"] = rate(accepted_, samples_);
  out["correct"] = correct_;
  out["pass_rate"] = rate(correct_, samples_);
  out["unscored"] = unscored_;
  nlohmann::ordered_json rejected = nlohmann::ordered_json::object();
  for (const std::string& reason : rejection_reasons()) rejected[reason] = rejected_.at(reason);
  out["rejected"] = rejected;
  out["prompts_with_zero_accepted"] = zero_accepted_;
  out["non_reasoning_rows"] = non_reasoning_;
  out["rows"] = accepted_ + non_reasoning_;

  // Bucket order: pass-rate buckets low to high; metadata buckets numerically when every
  // label is a number, else as strings.
  std::vector<std::string> order;
  if (difficulty_field_.empty()) {
    for (const char* label : kPassRateBuckets) {
      if (buckets_.count(label)) order.push_back(label);
    }
  } else {
    for (const auto& [label, bucket] : buckets_) order.push_back(label);
    double a = 0, b = 0;
    const bool numeric = std::all_of(order.begin(), order.end(), [&](const std::string& label) {
      return parse_number(label, a);
    });
    if (numeric) {
      std::stable_sort(order.begin(), order.end(), [&](const std::string& x, const std::string& y) {
        parse_number(x, a);
        parse_number(y, b);
        return a < b;
      });
    }
  }
  nlohmann::ordered_json buckets = nlohmann::ordered_json::object();
  for (const std::string& label : order) {
    const Bucket& bucket = buckets_.at(label);
    buckets[label] = {{"prompts", bucket.prompts},
                      {"samples", bucket.samples},
                      {"correct", bucket.correct},
                      {"accepted", bucket.accepted},
                      {"pass_rate", rate(bucket.correct, bucket.samples)},
                      {"acceptance_rate", rate(bucket.accepted, bucket.samples)}};
  }
  out["difficulty"] = {
      {"source", difficulty_field_.empty() ? "pass_rate" : "metadata:" + difficulty_field_},
      {"note", difficulty_field_.empty()
                   ? "no prompt field num_terms or difficulty on every row: prompts are bucketed "
                     "by the policy's pass rate on them (correct samples / samples)"
                   : "prompts are bucketed by their metadata field " + difficulty_field_},
      {"buckets", buckets}};
  return out;
}

std::string RejectionStats::summary() const {
  std::ostringstream line;
  line << prompts_ << " prompts, " << samples_ << " samples, " << correct_ << " correct ("
       << rate(correct_, samples_) << "), " << accepted_ << " accepted ("
       << rate(accepted_, samples_) << "), " << zero_accepted_ << " prompts with none, "
       << non_reasoning_ << " non-reasoning rows; rejected:";
  for (const std::string& reason : rejection_reasons()) {
    if (rejected_.at(reason) > 0) line << " " << reason << " " << rejected_.at(reason);
  }
  return line.str();
}

}  // namespace r1forge
