// Evaluation on the tiny model fixture (its outputs are noise, so correctness comes from a
// test reward on the completion text): the files and their invariants (k x problems samples,
// pass@1 = mean per-sample correctness, the figures recomputed from eval_samples.jsonl, the
// per-difficulty split), determinism with the seed, a stage of type eval and a GRPO stage's
// eval: section through run_stage, config errors, and the `r1forge eval` command's errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/rng.h"
#include "r1forge/pipeline/eval_stage.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/rl/reward.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

// "Correct" when a hash of the completion text is even: about half the samples, varying with
// the text, so pass@1, pass@k and the vote are all non-trivial on a random model.
class HashParity : public RewardFunction {
 public:
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    for (const auto& sample : batch) {
      scores.push_back(std::hash<std::string_view>{}(sample.completion) % 2 == 0 ? 1.0 : 0.0);
    }
    return scores;
  }
};

using testing::read_jsonl;

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class EvalStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_reward("test_eval_hash_parity", "test only: 1 when a hash of the text is even",
                    [](RewardOptions&) { return std::make_unique<HashParity>(); });
    testing::write_tiny_model_folder(dir_ / "model", /*seed=*/13);
    std::ofstream problems(dir_ / "problems.jsonl");
    const char* texts[] = {"we add two numbers", "check the result",    "the lazy dog",
                           "first then sum",     "the quick brown fox", "let's think step by step"};
    const char* difficulty[] = {"easy", "hard", "easy", "hard", "easy", "hard"};
    const int num_terms[] = {10, 2, 3, 2, 10, 3};
    for (int i = 0; i < 6; ++i) {
      problems << nlohmann::json{{"id", "p" + std::to_string(i)},
                                 {"prompt", texts[i]},
                                 {"answer", std::to_string(i)},
                                 {"difficulty", difficulty[i]},
                                 {"num_terms", num_terms[i]}}
                      .dump()
               << "\n";
    }
    config_.model.init = (dir_ / "model").string();
    config_.run.threads = 2;
    eval_.data.path = (dir_ / "problems.jsonl").string();
    eval_.data.prompt_template = "plain";
    eval_.num_samples = 4;
    eval_.generation.temperature = 1.0;
    eval_.generation.top_p = 1.0;
    eval_.generation.max_completion_length = 8;
    eval_.rewards.clear();  // the default is accuracy + format
    for (const char* name : {"test_eval_hash_parity", "format", "accuracy"}) {
      RewardSpec spec;
      spec.name = name;
      eval_.rewards.push_back(spec);
    }
    eval_.correct_reward = "test_eval_hash_parity";
  }

  EvalResult evaluate(const EvalConfig& eval, uint64_t seed, const fs::path& out = {}) {
    StageConfig stage;
    stage.name = "e";
    stage.type = "eval";
    StageModel model = load_stage_model(config_, stage);
    return evaluate_model(config_, model, eval, seed, out);
  }

  std::string stage_yaml(const std::string& stages) {
    return "run: {dir: " + (dir_ / "run").string() + ", seed: 5, threads: 2}\n" +
           "model: {init: " + (dir_ / "model").string() + "}\n" + "stages:\n" + stages;
  }
  std::string eval_section(const std::string& indent) {
    return indent + "eval:\n" + indent + "  data: {path: " + (dir_ / "problems.jsonl").string() +
           ", prompt_template: plain}\n" + indent + "  num_samples: 2\n" + indent +
           "  max_completion_length: 6\n" + indent +
           "  rewards: [{name: test_eval_hash_parity}, {name: format}]\n" + indent +
           "  correct_reward: test_eval_hash_parity\n";
  }

  testing::TempDir dir_;
  Config config_;
  EvalConfig eval_;
};

TEST_F(EvalStageTest, FilesHoldKSamplesPerProblemAndConsistentFigures) {
  const fs::path out = dir_ / "out";
  EvalResult result = evaluate(eval_, /*seed=*/3, out);
  nlohmann::json report = nlohmann::json::parse(read_file(out / "eval.json"));
  std::vector<nlohmann::json> lines = read_jsonl(out / "eval_samples.jsonl");
  EXPECT_EQ(report["k"], 4);
  EXPECT_EQ(report["problems"], 6);
  ASSERT_EQ(lines.size(), 24u);  // k x problems

  // Per sample: correct is the correctness reward's verdict; pass@1 is the mean of it (every
  // problem has k samples, so the mean over problems of c/k is the mean over samples).
  double correct = 0.0;
  std::vector<EvalSample> samples;
  for (size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json& line = lines[i];
    EXPECT_EQ(line["problem"], static_cast<int64_t>(i / 4));
    EXPECT_EQ(line["sample"], static_cast<int64_t>(i % 4));
    EXPECT_EQ(line["id"], "p" + std::to_string(i / 4));
    EXPECT_EQ(line["correct"].get<bool>(),
              line["rewards"]["test_eval_hash_parity"].get<double>() >= 1.0);
    EXPECT_EQ(line["formatted"].get<bool>(), line["rewards"]["format"].get<double>() >= 1.0);
    EXPECT_LE(line["tokens"].get<int64_t>(), 8);
    correct += line["correct"].get<bool>() ? 1.0 : 0.0;
    EvalSample sample;
    sample.problem = line["problem"];
    sample.correct = line["correct"];
    sample.formatted = line["formatted"].get<bool>();
    if (!line["answer"].is_null()) sample.answer = line["answer"].get<std::string>();
    sample.length = line["tokens"];
    sample.truncated = line["finish_reason"] == "length";
    samples.push_back(sample);
  }
  const double pass1 = report["pass_at_1"].get<double>();
  EXPECT_NEAR(pass1, correct / 24.0, 1e-12);
  EXPECT_GT(pass1, 0.0);  // the hash reward is not constant over 24 different texts
  EXPECT_LT(pass1, 1.0);
  // The figures follow from the samples file alone (vote_match auto -> exact for this reward).
  EXPECT_EQ(report["vote_match"], "exact");
  EvalMetrics again = compute_eval_metrics(samples, AnswerMatch::EXACT);
  EXPECT_DOUBLE_EQ(report["cons_at_k"].get<double>(), again.cons_at_k);
  EXPECT_DOUBLE_EQ(report["pass_at_k"].get<double>(), again.pass_at_k);
  EXPECT_DOUBLE_EQ(report["pass_at"]["2"].get<double>(), again.pass_at.at(2));
  EXPECT_DOUBLE_EQ(report["mean_length"].get<double>(), again.mean_length);
  EXPECT_DOUBLE_EQ(report["truncated_rate"].get<double>(), again.truncated_rate);
  EXPECT_DOUBLE_EQ(report["format_rate"].get<double>(), *again.format_rate);
  EXPECT_GE(report["pass_at_k"].get<double>(), pass1);  // pass@k never falls below pass@1
  EXPECT_NEAR(report["rewards"]["test_eval_hash_parity"].get<double>(), pass1, 1e-12);
  // accuracy: the golds "0".."5" are usable, so every sample is scored (none unscored).
  EXPECT_EQ(report["unscored_samples"], 0);
  EXPECT_EQ(nlohmann::json::parse(result.report.dump()), report);

  // Per difficulty: the groups partition the problems, and pass@1 is their weighted mean.
  const nlohmann::json& by = report["by_difficulty"];
  ASSERT_EQ(by.size(), 2u);
  EXPECT_EQ(by["easy"]["problems"].get<int64_t>() + by["hard"]["problems"].get<int64_t>(), 6);
  EXPECT_NEAR((by["easy"]["pass_at_1"].get<double>() + by["hard"]["pass_at_1"].get<double>()) / 2,
              pass1, 1e-12);
  // num_terms values in numeric order (2, 3, 10), two problems each.
  std::vector<std::string> keys;
  for (const auto& [key, value] : result.report["by_num_terms"].items()) {
    keys.push_back(key);
    EXPECT_EQ(value["problems"], 2);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"2", "3", "10"}));
  // Each group carries each reward's mean over its own samples, recomputed here from the
  // samples file (problems alternate easy, hard: even problem numbers are easy).
  for (const char* reward : {"test_eval_hash_parity", "format"}) {
    double sum[2] = {0.0, 0.0};
    for (const nlohmann::json& line : lines) {
      sum[line["problem"].get<int64_t>() % 2] += line["rewards"][reward].get<double>();
    }
    EXPECT_NEAR(by["easy"]["rewards"][reward].get<double>(), sum[0] / 12.0, 1e-12) << reward;
    EXPECT_NEAR(by["hard"]["rewards"][reward].get<double>(), sum[1] / 12.0, 1e-12) << reward;
  }
}

TEST_F(EvalStageTest, SameSeedSameResultsAndPrefixStableUnderMaxProblems) {
  EvalResult a = evaluate(eval_, 3);
  EvalResult b = evaluate(eval_, 3);
  EXPECT_EQ(a.report, b.report);
  EXPECT_EQ(a.sample_lines, b.sample_lines);
  EvalResult c = evaluate(eval_, 4);
  int64_t differing = 0;
  for (size_t i = 0; i < a.sample_lines.size(); ++i) {
    differing += a.sample_lines[i]["completion"] != c.sample_lines[i]["completion"];
  }
  EXPECT_GT(differing, 12) << "another seed should draw other completions";
  // Sample j of problem i draws from (seed, i, j): the first two problems' samples do not
  // depend on how many problems follow.
  EvalConfig first_two = eval_;
  first_two.max_problems = 2;
  EvalResult d = evaluate(first_two, 3);
  ASSERT_EQ(d.sample_lines.size(), 8u);
  EXPECT_EQ(d.report["problems"], 2);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(d.sample_lines[i], a.sample_lines[i]) << i;
}

TEST_F(EvalStageTest, StageOfTypeEvalEvaluatesItsInitModel) {
  Config config = load_config_text(
      stage_yaml("  - name: held_out\n    type: eval\n" + eval_section("    ")), "eval.yaml");
  run_stage(config, "held_out");
  const fs::path stage_dir = dir_ / "run" / "stages" / "01-held_out";
  nlohmann::json report = nlohmann::json::parse(read_file(stage_dir / "eval.json"));
  EXPECT_EQ(report["k"], 2);
  EXPECT_EQ(report["problems"], 6);
  EXPECT_EQ(read_jsonl(stage_dir / "eval_samples.jsonl").size(), 12u);
  // The documented seed: derive_seed(run.seed, "eval:" + name).
  EvalResult direct = evaluate(*config.stages[0].eval, derive_seed(5, "eval:held_out"));
  EXPECT_EQ(nlohmann::json::parse(direct.report.dump()), report);
}

TEST_F(EvalStageTest, GrpoStageWithEvalSectionEvaluatesItsFinalModel) {
  const std::string stages = "  - name: toy\n    type: grpo\n    grpo:\n      data: {path: " +
                             (dir_ / "problems.jsonl").string() +
                             ", prompt_template: plain}\n"
                             "      rewards: [{name: test_eval_hash_parity}]\n"
                             "      max_steps: 1\n      prompts_per_step: 2\n"
                             "      num_generations: 2\n      max_completion_length: 4\n" +
                             eval_section("    ");
  Config config = load_config_text(stage_yaml(stages), "grpo_eval.yaml");
  run_stage(config, "toy");
  const fs::path stage_dir = dir_ / "run" / "stages" / "01-toy";
  ASSERT_TRUE(fs::exists(stage_dir / "final" / "config.json"));
  nlohmann::json report = nlohmann::json::parse(read_file(stage_dir / "eval.json"));
  EXPECT_EQ(report["problems"], 6);
  // It is the final model's evaluation: the same figures from final/ with the stage's seed.
  StageConfig final_stage = config.stages[0];
  final_stage.init = (stage_dir / "final").string();
  StageModel model = load_stage_model(config, final_stage);
  EvalResult direct = evaluate_model(config, model, *config.stages[0].eval,
                                     derive_seed(5, "eval:toy"), /*out_dir=*/{});
  EXPECT_EQ(nlohmann::json::parse(direct.report.dump()), report);
}

TEST_F(EvalStageTest, ConfigErrorsNameTheKey) {
  auto expect_error = [&](const std::string& yaml, const std::string& fragment) {
    try {
      Config config = load_config_text(stage_yaml(yaml), "bad.yaml");
      ADD_FAILURE() << "expected a ConfigError mentioning " << fragment;
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  expect_error("  - name: e\n    type: eval\n", "type eval needs an eval: section");
  const std::string section = eval_section("    ");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = section;
    text.replace(text.find(from), from.size(), to);
    return "  - name: e\n    type: eval\n" + text;
  };
  expect_error(with("correct_reward: test_eval_hash_parity", "correct_reward: accuracy"),
               "stages.0.eval.correct_reward 'accuracy' is not the label");
  expect_error(with("num_samples: 2", "num_samples: 2\n      format_reward: fmt"),
               "format_reward 'fmt'");
  expect_error(with("{path: " + (dir_ / "problems.jsonl").string(), "{path: ''"),
               "stages.0.eval.data.path");
  expect_error(with("num_samples: 2", "num_samples: 0"), "num_samples");
  expect_error(with("num_samples: 2", "vote_match: fuzzy"), "vote_match");
  // run_stage_evaluation on a model stage that has not run: no final model yet.
  Config config = load_config_text(
      stage_yaml("  - name: toy\n    type: grpo\n    grpo: {data: {path: x}, rewards: [{name: "
                 "format}]}\n" +
                 section),
      "ok.yaml");
  EXPECT_THROW(run_stage_evaluation(config, config.stages[0]), IoError);
  // A reward normalised by running statistics belongs to GRPO; an evaluation refuses it.
  EvalConfig normalized = eval_;
  normalized.rewards.push_back(
      RewardSpec{"reward_model", 1.0, {{"path", "rm"}, {"normalize", "running"}}, "judge"});
  try {
    evaluate(normalized, 1);
    ADD_FAILURE() << "normalize: running was accepted by an evaluation";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("eval.rewards (judge): normalize: running"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(EvalStageTest, CommandWritesFilesAndRejectsBadInput) {
  const std::string binary = R1F_BINARY;
  const std::string base = binary + " eval --model " + (dir_ / "model").string();
  const std::string data = " --data " + (dir_ / "problems.jsonl").string();
  CommandResult missing = run_command(base + " --data " + (dir_ / "nope.jsonl").string());
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.output.find("--data"), std::string::npos) << missing.output;
  EXPECT_NE(missing.output.find("nope.jsonl"), std::string::npos) << missing.output;
  CommandResult task = run_command(base + data + " --task no_such_reward");
  EXPECT_NE(task.status, 0);
  EXPECT_NE(task.output.find("--task 'no_such_reward'"), std::string::npos) << task.output;
  EXPECT_NE(task.output.find("countdown"), std::string::npos) << task.output;  // the choices
  CommandResult model = run_command(binary + " eval --model " + (dir_ / "none").string() + data);
  EXPECT_NE(model.status, 0);
  EXPECT_NE(model.output.find("--model"), std::string::npos) << model.output;
  CommandResult k = run_command(base + data + " --k 0");
  EXPECT_NE(k.status, 0);
  EXPECT_NE(k.output.find("--k"), std::string::npos) << k.output;

  const fs::path out = dir_ / "cli" / "result.json";
  CommandResult ok = run_command(base + data +
                                 " --k 2 --max-new-tokens 4 --max-problems 3 --prompt-template "
                                 "plain --threads 2 --output " +
                                 out.string());
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("pass@1"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("\"cons_at_k\""), std::string::npos) << ok.output;
  nlohmann::json report = nlohmann::json::parse(read_file(out));
  EXPECT_EQ(report["problems"], 3);
  EXPECT_EQ(report["k"], 2);
  EXPECT_EQ(report["correct_reward"], "accuracy");
  EXPECT_EQ(report["vote_match"], "math");
  EXPECT_EQ(read_jsonl(dir_ / "cli" / "result_samples.jsonl").size(), 6u);
}

}  // namespace
}  // namespace r1forge
