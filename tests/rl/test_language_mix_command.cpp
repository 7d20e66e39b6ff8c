// `r1forge language-mix` (src/apps/commands/language_mix.cpp) against the language_consistency
// reward on fixed strings: the command's shares and mean must be what the reward's own scores
// give (any off-target word <=> score < 1, a majority <=> score < 0.5), whether the target comes
// from the prompt, from --data's language field or from the line; bad input names the line.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "rl/reward_test_util.h"
#include "test_util.h"

namespace r1forge {
namespace {

struct Case {
  std::string prompt, completion;
  bool correct;
};

// zh and en questions with clean, mixed, English, Chinese and digit-only thinking.
const std::vector<Case> kCases = {
    {"计算 7+5+8 的和。", "<think>7 加 5 得 12 加 8 得 20 </think><answer>20</answer>", true},
    {"计算 7+5+8 的和。", "<think>7 plus 5 is 12 plus 8 is 20 </think><answer>20</answer>", true},
    // 2 Han (加 得), 2 Latin (is plus): half, not a majority.
    {"计算 7+5+8 的和。", "<think>7 加 5 is 12 plus 8 得 20 </think><answer>20</answer>", false},
    // 3 Latin, 1 Han: a majority.
    {"计算 7+5+8 的和。", "<think>7 plus 5 is 12 plus 8 得 20 </think><answer>21</answer>", false},
    {"计算 7+5+8 的和。", "<think>7+5=12 12+8=20 </think><answer>20</answer>", true},  // no word
    {"计算 9-4 的值。", "<think>9 减 4 得 5 x </think><answer>5</answer>", true},  // x: a variable
    {"What is 7+5+8?", "<think>7 plus 5 is 12 plus 8 is 20 </think><answer>20</answer>", true},
    {"What is 7+5+8?", "<think>7 加 5 得 12 加 8 得 20 </think><answer>20</answer>", false},
    {"What is 7+5+8?", "7 plus 5 is 12 and then 加 8 (no tags)", false},
};

struct Expected {
  int64_t completions = 0, with_words = 0, any = 0, majority = 0, correct = 0;
  double reward_sum = 0;
};

std::string run(const std::string& arguments, int* status) {
  FILE* pipe =
      popen((std::string(R1F_BINARY) + " language-mix " + arguments + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int code = pclose(pipe);
  *status = WIFEXITED(code) ? WEXITSTATUS(code) : -1;
  return output;
}

void expect_group(const nlohmann::json& group, const Expected& e, const std::string& label) {
  SCOPED_TRACE(label);
  EXPECT_EQ(group["completions"], e.completions);
  EXPECT_EQ(group["with_words"], e.with_words);
  EXPECT_DOUBLE_EQ(group["any_off_target"].get<double>(),
                   static_cast<double>(e.any) / static_cast<double>(e.completions));
  EXPECT_DOUBLE_EQ(group["majority_off_target"].get<double>(),
                   static_cast<double>(e.majority) / static_cast<double>(e.completions));
  EXPECT_NEAR(group["language_consistency"].get<double>(),
              e.reward_sum / static_cast<double>(e.with_words), 1e-12);
  EXPECT_DOUBLE_EQ(group["accuracy"].get<double>(),
                   static_cast<double>(e.correct) / static_cast<double>(e.completions));
}

TEST(LanguageMixCommand, AgreesWithTheLanguageConsistencyReward) {
  testing::TempDir dir;
  auto reward = testing::build_reward("language_consistency");
  std::map<std::string, Expected> expected;  // by the row's language
  std::ofstream samples(dir / "eval_samples.jsonl"), data(dir / "test.jsonl"),
      tagged(dir / "tagged.jsonl");
  for (size_t i = 0; i < kCases.size(); ++i) {
    const Case& c = kCases[i];
    const std::string language = c.prompt.rfind("What", 0) == 0 ? "en" : "zh";
    // The reward as the experiment runs it: the row's language field is the target.
    testing::OwnedSample sample;
    sample.question = c.prompt;
    sample.completion = c.completion;
    sample.metadata = {{"language", language}};
    const RewardScore score = testing::score_one(*reward, sample);
    Expected& e = expected[language];
    ++e.completions;
    e.correct += c.correct;
    if (score) {
      ++e.with_words;
      e.reward_sum += *score;
      e.any += *score < 1.0;
      e.majority += *score < 0.5;
    }
    // Laid out as eval_samples.jsonl: "line" is the problem's line in the data file.
    const int64_t line = static_cast<int64_t>(i) + 1;
    nlohmann::ordered_json out = {{"problem", i},
                                  {"sample", 0},
                                  {"line", line},
                                  {"prompt", c.prompt},
                                  {"completion", c.completion},
                                  {"correct", c.correct}};
    samples << out.dump() << "\n";
    data << nlohmann::json{{"prompt", c.prompt}, {"language", language}}.dump() << "\n";
    out["language"] = language;
    tagged << out.dump() << "\n";
  }
  samples.close();
  data.close();
  tagged.close();
  // The hand count the reward's scores must give: zh 6 completions, 5 with words, 3 with an
  // English word (cases 2, 3, 4), 2 of them a majority (2, 4); en 3, all with words, 2 off.
  EXPECT_EQ(expected["zh"].with_words, 5);
  EXPECT_EQ(expected["zh"].any, 3);
  EXPECT_EQ(expected["zh"].majority, 2);
  EXPECT_EQ(expected["en"].any, 2);

  int status = 0;
  // Target from --data's language field and from the line's own field: labels en and zh.
  for (const std::string& arguments : {"--samples " + (dir / "eval_samples.jsonl").string() +
                                           " --data " + (dir / "test.jsonl").string(),
                                       "--samples " + (dir / "tagged.jsonl").string()}) {
    const std::string output = run(arguments + " --output " + (dir / "mix.json").string(), &status);
    ASSERT_EQ(status, 0) << output;
    const nlohmann::json report = nlohmann::json::parse(std::ifstream(dir / "mix.json"));
    EXPECT_EQ(report["lines"], kCases.size());
    EXPECT_EQ(report["unknown_language"], 0);
    expect_group(report["by_language"]["zh"], expected["zh"], arguments + " zh");
    expect_group(report["by_language"]["en"], expected["en"], arguments + " en");
  }
  // Target from the prompt's script (the reward without a language field): labels han, latin.
  const std::string inferred = run("--samples " + (dir / "eval_samples.jsonl").string(), &status);
  ASSERT_EQ(status, 0) << inferred;
  const nlohmann::json report = nlohmann::json::parse(inferred);
  expect_group(report["by_language"]["han"], expected["zh"], "inferred zh");
  expect_group(report["by_language"]["latin"], expected["en"], "inferred en");
}

TEST(LanguageMixCommand, BadInputNamesTheFileAndLine) {
  testing::TempDir dir;
  std::ofstream(dir / "bad.jsonl") << R"({"prompt":"What is 1+2?","completion":"<think>a</think>"})"
                                   << "\n"
                                   << R"({"prompt":"What is 1+2?"})"
                                   << "\n";
  int status = 0;
  std::string output = run("--samples " + (dir / "bad.jsonl").string(), &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("bad.jsonl:2"), std::string::npos) << output;
  EXPECT_NE(output.find("\"completion\""), std::string::npos) << output;
  output = run("--samples " + (dir / "bad.jsonl").string() + " --language klingon", &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("--language 'klingon'"), std::string::npos) << output;
  output =
      run("--samples " + (dir / "bad.jsonl").string() + " --data " + (dir / "bad.jsonl").string(),
          &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("\"line\""), std::string::npos) << output;
  output = run("--samples " + (dir / "missing.jsonl").string(), &status);
  EXPECT_NE(status, 0);
  EXPECT_NE(output.find("missing.jsonl"), std::string::npos) << output;
}

}  // namespace
}  // namespace r1forge
