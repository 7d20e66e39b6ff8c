// The rejection-sampling stage end to end on the tiny model fixture. A test reward accepts
// completions of even byte length and records every sample it scores, so the test rebuilds the
// expected data.jsonl independently (correctness, dedupe, k cap, mixing) and compares row by
// row. Also: duplicates dropped before the cap, the exact mixing ratio and interleaving,
// provenance, stats that add up, determinism with the seed, config/data errors, and that a
// failing run leaves no data.jsonl.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/pipeline/readability_filters.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/rl/reward.h"

namespace r1forge {
namespace {

struct Recorded {
  std::string prompt, completion;
};
std::vector<Recorded>& recorded() {
  static std::vector<Recorded> samples;
  return samples;
}

// 1 for an even-length completion text, else 0; records each sample in scoring order.
class EvenLength : public RewardFunction {
 public:
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    for (const auto& sample : batch) {
      recorded().push_back({std::string(sample.prompt), std::string(sample.completion)});
      scores.push_back(sample.completion.size() % 2 == 0 ? 1.0 : 0.0);
    }
    return scores;
  }
};

class AlwaysOne : public RewardFunction {
 public:
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    return std::vector<RewardScore>(batch.size(), 1.0);
  }
};

// Scores the first batch, then fails as a broken external scorer would.
class FailsOnSecondCall : public RewardFunction {
 public:
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    if (++calls_ == 2) R1F_THROW(IoError, "test scorer went away");
    return std::vector<RewardScore>(batch.size(), 1.0);
  }

 private:
  int calls_ = 0;
};

const char* const kPrompts[] = {"add two and three", "the quick brown fox", "we add two numbers",
                                "check the result",  "the lazy dog",        "first then sum"};
constexpr int64_t kNonReasoningRows = 5;

using testing::read_jsonl;

class RejectionStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_reward("test_even_length", "test only: 1 for an even-length completion",
                    [](RewardOptions&) { return std::make_unique<EvenLength>(); });
    register_reward("test_always_one", "test only: 1",
                    [](RewardOptions&) { return std::make_unique<AlwaysOne>(); });
    register_reward("test_fails_second_call", "test only: throws on its second batch",
                    [](RewardOptions&) { return std::make_unique<FailsOnSecondCall>(); });
    recorded().clear();
    testing::write_tiny_model_folder(dir_ / "model", /*seed=*/11);
    std::ofstream prompts(dir_ / "prompts.jsonl");
    int id = 0;
    for (const char* text : kPrompts) {
      // "completion" is the dataset's reference solution: the output must not keep it.
      prompts << nlohmann::json{{"id", id++},
                                {"question", text},
                                {"answer", "5"},
                                {"completion", "<think>reference</think><answer>5</answer>"}}
                     .dump()
              << "\n";
    }
    std::ofstream mix(dir_ / "chat.jsonl");
    for (int i = 0; i < kNonReasoningRows; ++i) {
      mix << nlohmann::json{{"prompt", "write line " + std::to_string(i)},
                            {"completion", "line " + std::to_string(i)},
                            {"category", "writing"}}
                 .dump()
          << "\n";
    }
  }

  std::string config_text(const std::string& extra,
                          const std::string& rewards = "[{name: test_even_length}]",
                          int64_t seed = 5) {
    return "run: {dir: " + (dir_ / "run").string() + ", seed: " + std::to_string(seed) +
           ", threads: 2}\n" + "model: {init: " + (dir_ / "model").string() + "}\n" +
           "stages:\n"
           "  - name: curate\n"
           "    type: rejection_sampling\n"
           "    rejection_sampling:\n"
           "      data: {path: " +
           (dir_ / "prompts.jsonl").string() +
           ", prompt_field: question, prompt_template: \"Question: {prompt}\\nAnswer:\"}\n"
           "      rewards: " +
           rewards +
           "\n"
           "      accept: {correct_reward: " +
           (rewards.find("test_always_one") != std::string::npos ? "test_always_one"
            : rewards.find("test_fails") != std::string::npos    ? "test_fails_second_call"
                                                                 : "test_even_length") +
           "}\n"
           "      max_completion_length: 6\n"
           "      prompts_per_batch: 4\n"
           // Random weights rarely stop within 6 tokens and write any script: the overlong,
           // mixing and repetition filters are off so correctness, dedupe and the cap decide.
           "      filters: {reject_truncated: false, max_foreign_letter_share: 1.0, "
           "max_repeated_ngram_share: 1.0}\n" +
           extra;
  }
  std::filesystem::path stage_dir() const { return dir_ / "run" / "stages" / "01-curate"; }
  nlohmann::json stats() const {
    return nlohmann::json::parse(read_file(stage_dir() / "stats.json"));
  }

  testing::TempDir dir_;
};

bool is_non_reasoning(const nlohmann::json& row) {
  return row["provenance"].value("source", "") == "non_reasoning";
}

TEST_F(RejectionStageTest, OutputMatchesAnIndependentOracle) {
  const std::string extra =
      "      num_samples: 4\n"
      "      temperature: 1.0\n"
      "      top_p: 1.0\n"
      "      max_per_prompt: 2\n"
      "      non_reasoning: {path: " +
      (dir_ / "chat.jsonl").string() + ", ratio: 0.5}\n";
  Config config = load_config_text(config_text(extra), "rs.yaml");
  run_stage(config, "curate");
  ASSERT_EQ(recorded().size(), 24u);  // 6 prompts x 4 samples, scored in prompt/sample order

  // The oracle: accept even lengths, drop repeats (case/whitespace-insensitive) of a kept
  // completion for the same prompt, keep the first 2 per prompt.
  struct Expected {
    int64_t prompt, sample;
    std::string completion;
  };
  std::vector<Expected> expected;
  int64_t correct = 0, zero_accepted = 0, incorrect = 0, duplicates = 0, over_cap = 0;
  std::set<std::string> seen;
  for (int64_t p = 0; p < 6; ++p) {
    int64_t kept = 0;
    for (int64_t j = 0; j < 4; ++j) {
      const Recorded& sample = recorded()[p * 4 + j];
      EXPECT_EQ(sample.prompt, std::string("Question: ") + kPrompts[p] + "\nAnswer:");
      if (sample.completion.size() % 2 != 0) {
        ++incorrect;
        continue;
      }
      ++correct;
      const std::string key = dedupe_key(kPrompts[p], sample.completion);
      if (seen.count(key)) {
        ++duplicates;
        continue;
      }
      if (kept == 2) {
        ++over_cap;
        continue;
      }
      seen.insert(key);
      ++kept;
      expected.push_back({p, j, sample.completion});
    }
    zero_accepted += kept == 0;
  }
  // The fixture must exercise both outcomes (fixed seed: holds or fails deterministically).
  ASSERT_GT(expected.size(), 0u);
  ASSERT_GT(incorrect, 0);

  std::vector<nlohmann::json> rows = read_jsonl(stage_dir() / "data.jsonl");
  std::vector<nlohmann::json> reasoning, mixed;
  for (const auto& row : rows) (is_non_reasoning(row) ? mixed : reasoning).push_back(row);
  ASSERT_EQ(reasoning.size(), expected.size());
  std::map<std::string, int64_t> per_prompt;
  for (size_t i = 0; i < expected.size(); ++i) {
    const nlohmann::json& row = reasoning[i];
    EXPECT_EQ(row["prompt"], kPrompts[expected[i].prompt]);  // raw, not the templated text
    EXPECT_EQ(row["completion"], expected[i].completion);
    EXPECT_EQ(row["id"], expected[i].prompt);  // metadata kept
    EXPECT_EQ(row["answer"], "5");
    EXPECT_FALSE(row.contains("question"));  // the prompt field became "prompt"
    const nlohmann::json& provenance = row["provenance"];
    EXPECT_EQ(provenance["policy"], (dir_ / "model").string());
    EXPECT_EQ(provenance["stage"], "curate");
    EXPECT_EQ(provenance["sample_index"], expected[i].sample);
    EXPECT_EQ(provenance["rewards"]["test_even_length"], 1.0);
    ++per_prompt[row["prompt"].get<std::string>()];
  }
  for (const auto& [prompt, count] : per_prompt) EXPECT_LE(count, 2) << prompt;

  // Exact mixing: round(0.5 x accepted) non-reasoning rows, copied with their provenance.
  const auto accepted = static_cast<int64_t>(expected.size());
  EXPECT_EQ(static_cast<int64_t>(mixed.size()), std::llround(0.5 * static_cast<double>(accepted)));
  const std::vector<nlohmann::json> sources = read_jsonl(dir_ / "chat.jsonl");
  for (const auto& row : mixed) {
    const int64_t line = row["provenance"]["line"].get<int64_t>();
    ASSERT_GE(line, 1);
    ASSERT_LE(line, kNonReasoningRows);
    EXPECT_EQ(row["provenance"]["path"], (dir_ / "chat.jsonl").string());
    nlohmann::json fields = row;
    fields.erase("provenance");
    EXPECT_EQ(fields, sources[line - 1]);
  }
  // Drawn without replacement while the file lasts: the first 5 draws are 5 distinct lines.
  std::set<int64_t> lines;
  for (size_t i = 0; i < mixed.size() && i < kNonReasoningRows; ++i) {
    lines.insert(mixed[i]["provenance"]["line"].get<int64_t>());
  }
  EXPECT_EQ(lines.size(), std::min<size_t>(mixed.size(), kNonReasoningRows));

  nlohmann::json s = stats();
  EXPECT_EQ(s["prompts"], 6);
  EXPECT_EQ(s["samples"], 24);
  EXPECT_EQ(s["accepted"], accepted);
  EXPECT_DOUBLE_EQ(s["acceptance_rate"].get<double>(), static_cast<double>(accepted) / 24.0);
  EXPECT_EQ(s["correct"], correct);
  EXPECT_EQ(s["rejected"]["incorrect"], incorrect);
  EXPECT_EQ(s["rejected"]["duplicate"], duplicates);
  EXPECT_EQ(s["rejected"]["over_cap"], over_cap);
  int64_t rejected = 0;
  for (const auto& [reason, count] : s["rejected"].items()) rejected += count.get<int64_t>();
  EXPECT_EQ(accepted + rejected, 24);
  EXPECT_EQ(s["prompts_with_zero_accepted"], zero_accepted);
  EXPECT_EQ(s["non_reasoning_rows"], mixed.size());
  EXPECT_EQ(s["rows"], rows.size());
  EXPECT_EQ(s["policy"], (dir_ / "model").string());
  EXPECT_EQ(s["difficulty"]["source"], "pass_rate");  // the rows carry no num_terms/difficulty
  int64_t bucket_prompts = 0, bucket_accepted = 0;
  for (const auto& [label, bucket] : s["difficulty"]["buckets"].items()) {
    bucket_prompts += bucket["prompts"].get<int64_t>();
    bucket_accepted += bucket["accepted"].get<int64_t>();
  }
  EXPECT_EQ(bucket_prompts, 6);
  EXPECT_EQ(bucket_accepted, accepted);
}

TEST_F(RejectionStageTest, GreedyDuplicatesDroppedBeforeTheCapAndMixingInterleaves) {
  // Temperature 0: a prompt's 3 samples are the same text. The reward accepts everything, so
  // each prompt keeps 1 and rejects 2 as duplicates (never over_cap, though k = 2).
  const std::string extra =
      "      num_samples: 3\n"
      "      temperature: 0.0\n"
      "      max_per_prompt: 2\n"
      "      non_reasoning: {path: " +
      (dir_ / "chat.jsonl").string() + ", ratio: 2.0}\n";
  Config config = load_config_text(config_text(extra, "[{name: test_always_one}]"), "rs.yaml");
  run_stage(config, "curate");
  nlohmann::json s = stats();
  EXPECT_EQ(s["accepted"], 6);
  EXPECT_EQ(s["rejected"]["duplicate"], 12);
  EXPECT_EQ(s["rejected"]["over_cap"], 0);
  EXPECT_EQ(s["difficulty"]["buckets"]["1"]["prompts"], 6);  // every sample passed
  // Ratio 2: after the i-th reasoning row, 2i non-reasoning rows: R N N R N N ...; 12 rows
  // from a file of 5 means reshuffled epochs, each line used 2 or 3 times.
  std::vector<nlohmann::json> rows = read_jsonl(stage_dir() / "data.jsonl");
  ASSERT_EQ(rows.size(), 18u);
  std::map<int64_t, int64_t> uses;
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(is_non_reasoning(rows[i]), i % 3 != 0) << i;
    if (is_non_reasoning(rows[i])) ++uses[rows[i]["provenance"]["line"].get<int64_t>()];
  }
  ASSERT_EQ(uses.size(), 5u);
  for (const auto& [line, count] : uses) {
    EXPECT_GE(count, 2) << line;
    EXPECT_LE(count, 3) << line;
  }

  // Without dedupe the identical samples fill the cap: 2 kept, 1 over the cap, per prompt.
  Config no_dedupe = load_config_text(
      config_text(extra + "      dedupe: false\n", "[{name: test_always_one}]"), "rs.yaml");
  run_stage(no_dedupe, "curate");
  s = stats();
  EXPECT_EQ(s["accepted"], 12);
  EXPECT_EQ(s["rejected"]["duplicate"], 0);
  EXPECT_EQ(s["rejected"]["over_cap"], 6);
}

TEST_F(RejectionStageTest, DeterministicWithTheSeed) {
  const std::string extra = "      num_samples: 4\n      temperature: 1.0\n      top_p: 1.0\n";
  auto run = [&](int64_t seed) {
    Config config =
        load_config_text(config_text(extra, "[{name: test_even_length}]", seed), "rs.yaml");
    run_stage(config, "curate");
    nlohmann::json s = stats();
    s.erase("seconds");
    return std::make_pair(read_file(stage_dir() / "data.jsonl"), s);
  };
  const auto first = run(5);
  recorded().clear();
  const auto second = run(5);
  EXPECT_EQ(first.first, second.first);
  EXPECT_EQ(first.second, second.second);
  recorded().clear();
  const auto other = run(6);
  EXPECT_NE(other.first, first.first);  // another seed samples other completions
}

TEST_F(RejectionStageTest, FailureLeavesNoPartialData) {
  Config ok = load_config_text(config_text("      num_samples: 2\n", "[{name: test_always_one}]"),
                               "rs.yaml");
  run_stage(ok, "curate");
  ASSERT_TRUE(std::filesystem::exists(stage_dir() / "data.jsonl"));
  // 6 prompts in batches of 4: the reward fails on the second batch, after the first batch's
  // rows were written to the temporary file.
  Config failing = load_config_text(
      config_text("      num_samples: 2\n", "[{name: test_fails_second_call}]"), "rs.yaml");
  EXPECT_THROW(run_stage(failing, "curate"), IoError);
  for (const auto& entry : std::filesystem::directory_iterator(stage_dir())) {
    ADD_FAILURE() << "left behind: " << entry.path();
  }
}

TEST_F(RejectionStageTest, ConfigAndDataErrors) {
  auto expect_error = [&](const std::string& text, const std::string& fragment) {
    try {
      Config config = load_config_text(text, "bad.yaml");
      run_stage(config, "curate");
      ADD_FAILURE() << "expected an error mentioning " << fragment;
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  std::string text = config_text("");
  const std::string label = "correct_reward: test_even_length";
  text.replace(text.find(label), label.size(), "correct_reward: accuracy");
  expect_error(text, "accept.correct_reward 'accuracy' is not the label");
  text = config_text("");
  text.replace(text.find(label), label.size(), label + ", require_format: format");
  expect_error(text, "accept.require_format 'format' is not the label");
  expect_error("stages: [{name: curate, type: rejection_sampling}]\n",
               "needs a rejection_sampling: section");
  expect_error(config_text("      num_sample: 2\n"), "num_samples");  // the suggestion
  std::ofstream bad(dir_ / "bad.jsonl");
  bad << R"({"prompt": "a", "completion": "b"})"
      << "\n"
      << R"({"prompt": "a"})"
      << "\n";
  bad.close();
  expect_error(config_text("      non_reasoning: {path: " + (dir_ / "bad.jsonl").string() + "}\n"),
               "bad.jsonl:2");
}

}  // namespace
}  // namespace r1forge
