// Rejection sampling's per-prompt decisions and statistics without a model: the reason order
// (incorrect, format, filters, duplicate, over_cap), the k cap, dedupe before the cap and
// across prompts, pass-rate buckets at their edges, and stats that add up.
#include <gtest/gtest.h>

#include "r1forge/core/check.h"
#include "r1forge/pipeline/rejection_select.h"
#include "r1forge/pipeline/rejection_stats.h"

namespace r1forge {
namespace {

Candidate make_candidate(std::string_view completion,
                         RewardScore correct,
                         RewardScore format = 1.0) {
  Candidate candidate;
  candidate.sample.prompt = "Add one and one";
  candidate.sample.completion = completion;
  candidate.sample.completion_tokens = 4;
  candidate.correct_score = correct;
  candidate.format_score = format;
  return candidate;
}

TEST(RejectionSelect, ReasonsInOrderAndTheCap) {
  RejectionSamplingConfig config;
  config.max_per_prompt = 2;
  config.accept.require_format = "format";
  std::vector<Candidate> candidates = {
      make_candidate("<think>one and one</think><answer>2</answer>", 1.0),           // accepted
      make_candidate("<think>one and one</think><answer>3</answer>", 0.0),           // incorrect
      make_candidate("<think>one and one</think><answer>2</answer>", std::nullopt),  // none
      make_candidate("<answer>2</answer> trailing", 1.0, 0.0),               // format failed
      make_candidate("<think>ONE and  one</think><answer>2</answer>", 1.0),  // duplicate of 0
      make_candidate("<think>one plus one</think><answer>2</answer>", 1.0),  // accepted (2nd)
      make_candidate("<think>add them</think><answer>2</answer>", 1.0),      // over the cap
  };
  candidates.push_back(make_candidate("<think>truncated", 1.0));
  candidates.back().sample.truncated = true;  // overlong, though correct
  DedupeSet seen;
  std::vector<std::string> reasons = select_candidates(candidates, config, seen);
  EXPECT_EQ(reasons,
            (std::vector<std::string>{"", kRejectIncorrect, kRejectIncorrect, kRejectFormat,
                                      kRejectDuplicate, "", kRejectOverCap, "overlong"}));
  EXPECT_EQ(seen.size(), 2u);  // the two accepted keys; over-cap samples are not remembered

  // The same completion for the same prompt text later in the run (a repeated prompt row) is a
  // duplicate; with dedupe off it is accepted.
  std::vector<Candidate> again = {candidates[0]};
  EXPECT_EQ(select_candidates(again, config, seen), std::vector<std::string>{kRejectDuplicate});
  config.dedupe = false;
  EXPECT_EQ(select_candidates(again, config, seen), std::vector<std::string>{""});
}

TEST(RejectionSelect, MinScoreAndOptionalFormat) {
  RejectionSamplingConfig config;
  config.accept.min_score = 0.5;
  Candidate candidate = make_candidate("<think>a b</think><answer>2</answer>", 0.5, std::nullopt);
  EXPECT_TRUE(is_correct(candidate, config.accept));  // 0.5 >= 0.5; no format required
  config.accept.require_format = "format";
  EXPECT_FALSE(is_correct(candidate, config.accept));  // the format reward said none
  candidate.format_score = 1.0;
  EXPECT_TRUE(is_correct(candidate, config.accept));
  candidate.correct_score = 0.49;
  EXPECT_FALSE(is_correct(candidate, config.accept));
}

TEST(RejectionStats, PassRateBucketEdges) {
  // N = 8: 0 -> "0"; 1, 2 (<= 1/4) -> first; 3, 4 (<= 1/2); 5, 6 (<= 3/4); 7; 8 -> "1".
  const std::vector<std::string> expected = {"0",          "(0,0.25]",   "(0,0.25]",
                                             "(0.25,0.5]", "(0.25,0.5]", "(0.5,0.75]",
                                             "(0.5,0.75]", "(0.75,1)",   "1"};
  for (int64_t correct = 0; correct <= 8; ++correct) {
    EXPECT_EQ(pass_rate_bucket(correct, 8), expected[correct]) << correct;
  }
  EXPECT_THROW(pass_rate_bucket(3, 2), Error);
}

TEST(RejectionStats, CountsAddUpAndBucketsByPassRate) {
  RejectionStats stats("");
  stats.add({{"", kRejectIncorrect, kRejectDuplicate, ""}, /*correct=*/3, /*unscored=*/0, ""});
  stats.add({{kRejectIncorrect, kRejectIncorrect, kRejectIncorrect, kRejectIncorrect},
             /*correct=*/0,
             /*unscored=*/1,
             ""});
  stats.add_non_reasoning(1);
  nlohmann::ordered_json json = stats.to_json();
  EXPECT_EQ(json["prompts"], 2);
  EXPECT_EQ(json["samples"], 8);
  EXPECT_EQ(json["accepted"], 2);
  EXPECT_DOUBLE_EQ(json["acceptance_rate"].get<double>(), 0.25);
  EXPECT_EQ(json["correct"], 3);
  EXPECT_EQ(json["unscored"], 1);
  EXPECT_EQ(json["prompts_with_zero_accepted"], 1);
  EXPECT_EQ(json["non_reasoning_rows"], 1);
  EXPECT_EQ(json["rows"], 3);
  int64_t rejected = 0;
  for (const auto& [reason, count] : json["rejected"].items()) rejected += count.get<int64_t>();
  EXPECT_EQ(rejected + json["accepted"].get<int64_t>(), 8);
  EXPECT_EQ(json["rejected"][kRejectIncorrect], 5);
  EXPECT_EQ(json["rejected"]["over_cap"], 0);  // every reason is listed, zeros included
  EXPECT_EQ(json["difficulty"]["source"], "pass_rate");
  // 3 of 4 correct -> (0.5,0.75]; 0 of 4 -> "0"; listed low to high.
  const auto& buckets = json["difficulty"]["buckets"];
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets.begin().key(), "0");
  EXPECT_EQ(buckets["(0.5,0.75]"]["accepted"], 2);
  EXPECT_DOUBLE_EQ(buckets["(0.5,0.75]"]["pass_rate"].get<double>(), 0.75);
  EXPECT_THROW(stats.add({{"no_such_reason"}, 0, 0, ""}), Error);
}

TEST(RejectionStats, MetadataDifficultyBucketsSortNumerically) {
  PromptDataset data;
  for (int terms : {10, 3}) {
    PromptRow row;
    row.metadata = {{"prompt", "p"}, {"num_terms", terms}, {"difficulty", "hard"}};
    data.rows.push_back(row);
  }
  EXPECT_EQ(choose_difficulty_field(data), "num_terms");
  data.rows[0].metadata.erase("num_terms");  // no longer on every row
  EXPECT_EQ(choose_difficulty_field(data), "difficulty");
  data.rows[1].metadata.erase("difficulty");
  EXPECT_EQ(choose_difficulty_field(data), "");

  RejectionStats stats("num_terms");
  stats.add({{"", kRejectIncorrect}, 1, 0, difficulty_label(nlohmann::json(10))});
  stats.add({{"", ""}, 2, 0, difficulty_label(nlohmann::json(3))});
  nlohmann::ordered_json json = stats.to_json();
  EXPECT_EQ(json["difficulty"]["source"], "metadata:num_terms");
  std::vector<std::string> order;
  for (const auto& [label, bucket] : json["difficulty"]["buckets"].items()) order.push_back(label);
  EXPECT_EQ(order, (std::vector<std::string>{"3", "10"}));  // 3 before 10, not as strings
  EXPECT_EQ(json["difficulty"]["buckets"]["10"]["accepted"], 1);
}

}  // namespace
}  // namespace r1forge
