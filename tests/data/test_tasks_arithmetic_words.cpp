// The arithmetic task's word traces and language mixing (trace_words, mixed_trace_share in
// data/tasks/arithmetic.h): traces written by hand, the default rows pinned byte for byte to
// the output of the generator before these options existed, the mixed share drawn from its own
// stream (problems and languages never move), test rows never mixed, and the
// language_consistency reward scoring the rows as the experiment needs (clean 1, mixed 0).
#include <gtest/gtest.h>

#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/data/tasks/arithmetic.h"
#include "r1forge/data/tasks/task_registry.h"
#include "rl/reward_test_util.h"

namespace r1forge::tasks {
namespace {

std::string dump(const std::vector<nlohmann::json>& rows) {
  std::string text;
  for (const auto& row : rows) text += row.dump() + "\n";
  return text;
}

ArithmeticConfig words_config() {
  ArithmeticConfig config;
  config.style = "words";
  config.languages = {"en", "zh"};
  config.trace_words = "language";
  return config;
}

TEST(ArithmeticWords, TracesByHand) {
  const ArithmeticProblem sum{{7, 5, 8}, "++"};
  // 7 plus 5 is 12, (12) plus 8 is 20: the running value opens the trace once.
  EXPECT_EQ(arithmetic_word_trace(sum, "en"), "7 plus 5 is 12 plus 8 is 20 ");
  EXPECT_EQ(arithmetic_word_trace(sum, "zh"), "7 加 5 得 12 加 8 得 20 ");
  EXPECT_EQ(arithmetic_completion(sum, std::nullopt, "zh"),
            "<think>7 加 5 得 12 加 8 得 20 </think><answer>20</answer>");
  EXPECT_EQ(arithmetic_completion(sum, 21, "en"),
            "<think>7 plus 5 is 12 plus 8 is 20 </think><answer>21</answer>");
  // 9-4 = 5, 5+7 = 12, 12-12 = 0.
  const ArithmeticProblem mixed{{9, 4, 7, 12}, "-+-"};
  EXPECT_EQ(arithmetic_word_trace(mixed, "en"), "9 minus 4 is 5 plus 7 is 12 minus 12 is 0 ");
  EXPECT_EQ(arithmetic_word_trace(mixed, "zh"), "9 减 4 得 5 加 7 得 12 减 12 得 0 ");
  EXPECT_EQ(arithmetic_completion(mixed), "<think>9-4=5 5+7=12 12-12=0 </think><answer>0</answer>");
  EXPECT_THROW(arithmetic_word_trace(sum, "fr"), Error);
}

// The rows of `make-data --task arithmetic` as the generator wrote them before trace_words and
// mixed_trace_share existed (main at c4c86fe): their defaults must keep every byte.
TEST(ArithmeticWords, DefaultRowsKeepTheirBytes) {
  ArithmeticConfig compact;  // --train 3 --test 1 --seed 1
  const TaskSplits plain = generate_arithmetic(compact, 3, 1, 1);
  EXPECT_EQ(
      dump(plain.train),
      R"({"answer":"15","completion":"<think>2+3=5 5+1=6 6+9=15 </think><answer>15</answer>","id":"arithmetic-train-0","language":"en","num_terms":4,"prompt":"2+3+1+9","task":"arithmetic"}
{"answer":"25","completion":"<think>2+5=7 7+3=10 10+9=19 19+6=25 </think><answer>25</answer>","id":"arithmetic-train-1","language":"en","num_terms":5,"prompt":"2+5+3+9+6","task":"arithmetic"}
{"answer":"21","completion":"<think>9+1=10 10+7=17 17+4=21 </think><answer>21</answer>","id":"arithmetic-train-2","language":"en","num_terms":4,"prompt":"9+1+7+4","task":"arithmetic"}
)");
  EXPECT_EQ(
      dump(plain.test),
      R"({"answer":"19","completion":"<think>9+1=10 10+7=17 17+1=18 18+1=19 </think><answer>19</answer>","id":"arithmetic-test-0","language":"en","num_terms":5,"prompt":"9+1+7+1+1","task":"arithmetic"}
)");
  // --train 6 --test 2 --seed 3 --set style=words --set 'languages=[en, zh]' --set
  // operators=+- --set answer_noise=0.3 (train-4 is the noisy one).
  ArithmeticConfig words;
  words.style = "words";
  words.languages = {"en", "zh"};
  words.operators = "+-";
  words.answer_noise = 0.3;
  const TaskSplits worded = generate_arithmetic(words, 6, 2, 3);
  EXPECT_EQ(
      dump(worded.train),
      R"({"answer":"14","completion":"<think>5-3=2 2+7=9 9-4=5 5+7=12 12+2=14 </think><answer>14</answer>","id":"arithmetic-train-0","language":"en","num_terms":6,"prompt":"What is 5-3+7-4+7+2?","task":"arithmetic"}
{"answer":"7","completion":"<think>3+7=10 10-3=7 </think><answer>7</answer>","id":"arithmetic-train-1","language":"zh","num_terms":3,"prompt":"计算 3+7-3 的值。","task":"arithmetic"}
{"answer":"5","completion":"<think>1+3=4 4+8=12 12+7=19 19-6=13 13-8=5 </think><answer>5</answer>","id":"arithmetic-train-2","language":"en","num_terms":6,"prompt":"What is 1+3+8+7-6-8?","task":"arithmetic"}
{"answer":"10","completion":"<think>1+1=2 2+1=3 3+7=10 </think><answer>10</answer>","id":"arithmetic-train-3","language":"zh","num_terms":4,"prompt":"计算 1+1+1+7 的和。","task":"arithmetic"}
{"answer":"5","completion":"<think>9-1=8 8+5=13 13+4=17 17-6=11 11-6=5 </think><answer>6</answer>","id":"arithmetic-train-4","language":"en","num_terms":6,"prompt":"What is 9-1+5+4-6-6?","task":"arithmetic"}
{"answer":"7","completion":"<think>3-1=2 2+6=8 8-1=7 </think><answer>7</answer>","id":"arithmetic-train-5","language":"en","num_terms":4,"prompt":"What is 3-1+6-1?","task":"arithmetic"}
)");
  EXPECT_EQ(
      dump(worded.test),
      R"({"answer":"6","completion":"<think>3+3=6 6+8=14 14-8=6 </think><answer>6</answer>","id":"arithmetic-test-0","language":"zh","num_terms":4,"prompt":"计算 3+3+8-8 的值。","task":"arithmetic"}
{"answer":"9","completion":"<think>3-3=0 0+2=2 2+7=9 </think><answer>9</answer>","id":"arithmetic-test-1","language":"zh","num_terms":4,"prompt":"计算 3-3+2+7 的值。","task":"arithmetic"}
)");
  // Explicit defaults are the same as absent ones.
  words.trace_words = "none";
  words.mixed_trace_share = 0.0;
  EXPECT_EQ(dump(generate_arithmetic(words, 6, 2, 3).train), dump(worded.train));
}

// Word traces change only the completion's trace (and add mixed_trace): the same problems,
// languages, prompts, answers and noise, and the trace follows the row's language.
TEST(ArithmeticWords, WordTracesFollowTheRowLanguage) {
  ArithmeticConfig digits = words_config();
  digits.trace_words = "none";
  digits.answer_noise = 0.2;
  ArithmeticConfig worded = words_config();
  worded.answer_noise = 0.2;
  const TaskSplits before = generate_arithmetic(digits, 300, 60, 4);
  const TaskSplits after = generate_arithmetic(worded, 300, 60, 4);
  for (const bool test : {false, true}) {
    const auto& old_rows = test ? before.test : before.train;
    const auto& new_rows = test ? after.test : after.train;
    ASSERT_EQ(old_rows.size(), new_rows.size());
    for (size_t i = 0; i < new_rows.size(); ++i) {
      nlohmann::json row = new_rows[i];
      const std::string completion = row["completion"];
      const bool zh = row["language"] == "zh";
      EXPECT_EQ(row["mixed_trace"], false);
      // The trace words of the row's language, and none of the other's.
      EXPECT_NE(completion.find(zh ? " 得 " : " is "), std::string::npos) << completion;
      EXPECT_EQ(completion.find(zh ? " is " : " 得 "), std::string::npos) << completion;
      EXPECT_EQ(completion.find('='), std::string::npos) << completion;
      // The answer tag is the digit row's (noisy rows stay noisy).
      const std::string old_completion = old_rows[i]["completion"];
      EXPECT_EQ(completion.substr(completion.find("</think>")),
                old_completion.substr(old_completion.find("</think>")));
      row.erase("mixed_trace");
      row["completion"] = old_completion;
      EXPECT_EQ(row, old_rows[i]);
    }
  }
}

// Mixing: the share of zh train rows whose trace is English, drawn per zh train row from the
// stream "tasks/arithmetic/mixed_trace" (exact count from that stream; about the share as a
// binomial); everything else, the test rows included, stays as without mixing.
TEST(ArithmeticWords, MixedTraceShareIsExactPerSeedAndOnlyOnZhTrainRows) {
  const ArithmeticConfig clean = words_config();
  ArithmeticConfig mixing = words_config();
  mixing.mixed_trace_share = 0.3;
  const uint64_t seed = 11;
  const TaskSplits before = generate_arithmetic(clean, 2000, 200, seed);
  const TaskSplits after = generate_arithmetic(mixing, 2000, 200, seed);
  EXPECT_EQ(after.test, before.test);  // test rows are never mixed
  TaskRng oracle(derive_seed(seed, "tasks/arithmetic/mixed_trace"));
  int64_t zh_rows = 0, mixed = 0, expected_mixed = 0;
  ASSERT_EQ(after.train.size(), before.train.size());
  for (size_t i = 0; i < after.train.size(); ++i) {
    const nlohmann::json& row = after.train[i];
    const nlohmann::json& old_row = before.train[i];
    const bool zh = row["language"] == "zh";
    const bool drawn = zh && oracle.chance(0.3);
    zh_rows += zh;
    expected_mixed += drawn;
    EXPECT_EQ(row["mixed_trace"], drawn) << i;
    if (!row["mixed_trace"].get<bool>()) {
      EXPECT_EQ(row, old_row);
      continue;
    }
    ++mixed;
    // A zh question, answered with the English trace of the same problem.
    EXPECT_EQ(row["prompt"], old_row["prompt"]);
    EXPECT_EQ(row["language"], "zh");
    std::string english = old_row["completion"];
    const std::pair<std::string, std::string> words[] = {
        {" 加 ", " plus "}, {" 减 ", " minus "}, {" 得 ", " is "}};
    for (const auto& [zh_word, en_word] : words) {
      for (size_t at; (at = english.find(zh_word)) != std::string::npos;)
        english.replace(at, zh_word.size(), en_word);
    }
    EXPECT_EQ(row["completion"], english);
  }
  EXPECT_EQ(mixed, expected_mixed);
  // Binomial(zh_rows ~ 1000, 0.3): sd ~ 14.5; 5 sd.
  EXPECT_NEAR(static_cast<double>(mixed), 0.3 * static_cast<double>(zh_rows),
              5 * std::sqrt(static_cast<double>(zh_rows) * 0.3 * 0.7));
  // The same stream: a larger share mixes a superset of the rows.
  mixing.mixed_trace_share = 0.6;
  const TaskSplits more = generate_arithmetic(mixing, 2000, 200, seed);
  int64_t more_mixed = 0;
  for (size_t i = 0; i < more.train.size(); ++i) {
    more_mixed += more.train[i]["mixed_trace"].get<bool>();
    if (after.train[i]["mixed_trace"].get<bool>()) {
      EXPECT_TRUE(more.train[i]["mixed_trace"].get<bool>()) << i;
    }
  }
  EXPECT_GT(more_mixed, mixed);
  mixing.mixed_trace_share = 1.0;
  for (const auto& row : generate_arithmetic(mixing, 200, 0, seed).train)
    EXPECT_EQ(row["mixed_trace"], row["language"] == "zh");
}

// The reward of the experiment, on generated rows with the row as metadata (its language field
// is the target): a clean zh trace 1, a mixed one 0, an en trace on an en row 1.
TEST(ArithmeticWords, LanguageConsistencyRewardScoresCleanAndMixedRows) {
  ArithmeticConfig config = words_config();
  config.mixed_trace_share = 0.5;
  auto reward = testing::build_reward("language_consistency");
  int64_t seen[3] = {0, 0, 0};  // en, clean zh, mixed zh
  for (const auto& row : generate_arithmetic(config, 200, 0, 2).train) {
    testing::OwnedSample sample;
    sample.prompt = row["prompt"];
    sample.question = row["prompt"];
    sample.completion = row["completion"];
    sample.metadata = row;
    const RewardScore score = testing::score_one(*reward, sample);
    ASSERT_TRUE(score.has_value()) << sample.completion;
    const bool zh = row["language"] == "zh", mixed = row["mixed_trace"];
    EXPECT_EQ(*score, mixed ? 0.0 : 1.0) << sample.completion;
    ++seen[!zh ? 0 : mixed ? 2 : 1];
  }
  EXPECT_GT(seen[0], 0);
  EXPECT_GT(seen[1], 0);
  EXPECT_GT(seen[2], 0);
  // The digit traces have no word to count: the reward scores none.
  testing::OwnedSample digits;
  digits.completion = arithmetic_completion({{7, 5}, "+"});
  digits.metadata = {{"language", "zh"}};
  EXPECT_FALSE(testing::score_one(*reward, digits).has_value());
}

TEST(ArithmeticWords, OptionsParseAndMixingNeedsWordTracesAndZh) {
  const std::string where = "make-data --task arithmetic";
  const ArithmeticConfig config = parse_task_options<ArithmeticConfig>(
      {"style=words", "languages=[en, zh]", "trace_words=language", "mixed_trace_share=0.25"},
      where);
  EXPECT_EQ(config.trace_words, "language");
  EXPECT_EQ(config.mixed_trace_share, 0.25);
  auto message = [&](std::vector<std::string> settings) {
    try {
      parse_task_options<ArithmeticConfig>(settings, where);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({"trace_words=french"}).find("trace_words"), std::string::npos);
  EXPECT_NE(message({"mixed_trace_share=1.5"}).find("mixed_trace_share"), std::string::npos);
  const std::string digits = message({"languages=[en, zh]", "mixed_trace_share=0.2"});
  EXPECT_NE(digits.find(where + ": mixed_trace_share (0.2) needs trace_words: language"),
            std::string::npos)
      << digits;
  const std::string english = message({"trace_words=language", "mixed_trace_share=0.2"});
  EXPECT_NE(english.find("needs zh among the languages"), std::string::npos) << english;
}

}  // namespace
}  // namespace r1forge::tasks
