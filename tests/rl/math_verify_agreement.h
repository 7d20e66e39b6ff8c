// Shared by the math-verify agreement tests (test_reward_accuracy_mv*.cpp): loads a fixture of
// (completion, gold, math-verify verdict) pairs written by tests/rl/make_math_verify*_fixtures.py
// and counts where the `accuracy` reward says something else, failing on any disagreement that
// is not listed as known (with its reason) in the test.
// Not here: the fixtures' generators (Python) or the reward itself.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reward_test_util.h"
#include "test_util.h"

namespace r1forge::testing {

// A pair where r1forge departs from math-verify on purpose: fragments of its completion and gold
// that together name it, and why. A plain answer ("<answer>x</answer>") departs only in the
// default mode, which reads it; with require_latex neither side finds an answer.
struct KnownDisagreement {
  std::string completion;
  std::string gold;
  std::string reason;
  bool plain = false;
};
using KnownDisagreements = std::vector<KnownDisagreement>;

inline nlohmann::json load_math_verify_pairs(const std::string& fixture) {
  std::ifstream in(source_dir() / "tests/golden/rewards" / fixture);
  EXPECT_TRUE(in.good()) << "missing fixture " << fixture << "; run its generator in tests/rl";
  return nlohmann::json::parse(in).at("pairs");
}

inline std::string verdict_text(const nlohmann::json& value) {
  return value.is_null() ? "none" : (value.get<double>() == 1.0 ? "1" : "0");
}
inline std::string verdict_text(const RewardScore& score) {
  return !score ? "none" : (*score == 1.0 ? "1" : "0");
}

// math-verify's verdict for the default mode: on the LaTeX twin of a plain answer, else on the
// completion as written.
inline nlohmann::json default_reference(const nlohmann::json& pair) {
  return pair.contains("math_verify_twin") ? pair.at("math_verify_twin") : pair.at("math_verify");
}
inline nlohmann::json latex_reference(const nlohmann::json& pair) {
  return pair.at("math_verify");
}

// Scores every pair and returns the number of disagreements with `reference(pair)`. Each one
// must be a known disagreement, and each known disagreement must happen exactly once in the
// modes it applies to and never in others (so the list neither hides a new departure nor keeps
// a stale one). `mode` is "default" or "require_latex".
template <class Reference>
int count_disagreements(RewardFunction& reward,
                        const nlohmann::json& pairs,
                        Reference reference,
                        const KnownDisagreements& known,
                        const std::string& mode) {
  int disagreements = 0;
  std::vector<int> hits(known.size(), 0);
  for (const nlohmann::json& pair : pairs) {
    OwnedSample sample;
    sample.completion = pair.at("completion").get<std::string>();
    sample.metadata = {{"answer", pair.at("gold")}};
    const std::string ours = verdict_text(score_one(reward, sample));
    const std::string theirs = verdict_text(reference(pair));
    if (ours == theirs) continue;
    ++disagreements;
    const std::string gold = pair.at("gold").is_string() ? pair.at("gold").get<std::string>() : "";
    bool listed = false;
    for (size_t k = 0; k < known.size(); ++k) {
      if (sample.completion.find(known[k].completion) != std::string::npos &&
          gold.find(known[k].gold) != std::string::npos) {
        ++hits[k];
        listed = true;
      }
    }
    EXPECT_TRUE(listed) << mode << ": new disagreement with math-verify: r1forge " << ours
                        << ", math-verify " << theirs
                        << "\n  completion: " << nlohmann::json(sample.completion).dump()
                        << "\n  gold: " << pair.at("gold").dump()
                        << "\n  note: " << pair.at("note");
  }
  for (size_t k = 0; k < known.size(); ++k) {
    const int expected = known[k].plain && mode != "default" ? 0 : 1;
    EXPECT_EQ(hits[k], expected) << mode << ": the known disagreement " << known[k].completion
                                 << " / " << known[k].gold << " (" << known[k].reason
                                 << ") must name exactly one disagreeing pair";
  }
  return disagreements;
}

// Agreement = 1 - disagreements / pairs; printed (docs/rewards.md quotes these lines) and
// recorded as a test property.
inline double report_agreement(const char* fixture,
                               const char* mode,
                               size_t pairs,
                               int disagreements) {
  const double agreement = 1.0 - static_cast<double>(disagreements) / static_cast<double>(pairs);
  std::printf("math-verify agreement, %s, %s: %zu pairs, %d disagreements (all listed), %.1f%%\n",
              fixture, mode, pairs, disagreements, 100.0 * agreement);
  ::testing::Test::RecordProperty("agreement", std::to_string(agreement));
  return agreement;
}

}  // namespace r1forge::testing
