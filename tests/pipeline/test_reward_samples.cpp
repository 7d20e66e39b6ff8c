// RewardSamples as every scoring stage builds them: GRPO rollouts, rejection sampling and eval
// all score through RolloutCollector, which builds them with make_reward_samples. The raw
// question travels beside the templated prompt, so language_consistency's target is the
// question's language even under the R1-Zero template's ~50 English words, a row scores the
// same under any stage's template, and rejection sampling's language-mixing filter, fed from
// the same samples (readability_sample), judges against the same target.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/tiny_model.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/pipeline/grpo_rollouts.h"
#include "r1forge/pipeline/readability_filters.h"
#include "r1forge/rl/reward.h"
#include "r1forge/rl/rewards/language_consistency.h"

namespace r1forge {
namespace {

using unicode::Script;

// Short questions without a `language` field, each with reasoning in its own language and in
// English.
struct Question {
  const char* text;
  Script script;
  const char* native;
  const char* english;
};
const Question kQuestions[] = {
    {"计算三加五等于多少？", Script::HAN, "<think>三加五等于八。</think><answer>8</answer>",
     "<think>Three plus five makes eight.</think><answer>8</answer>"},
    {"Сколько будет три плюс пять?", Script::CYRILLIC,
     "<think>Три плюс пять равно восьми.</think><answer>8</answer>",
     "<think>Three plus five makes eight.</think><answer>8</answer>"},
    {"كم يساوي ثلاثة زائد خمسة؟", Script::ARABIC,
     "<think>ثلاثة زائد خمسة يساوي ثمانية.</think><answer>8</answer>",
     "<think>Three plus five makes eight.</think><answer>8</answer>"},
};

class RewardSamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model");
    tokenizer_ = load_tokenizer(dir_ / "model");
    std::ofstream rows(dir_ / "questions.jsonl");
    for (const Question& question : kQuestions) {
      rows << nlohmann::json{{"question", question.text}, {"answer", "8"}}.dump() << "\n";
    }
  }

  PromptDataset load(const std::string& prompt_template) const {
    PromptDataConfig config;
    config.path = (dir_ / "questions.jsonl").string();
    config.prompt_field = "question";
    config.prompt_template = prompt_template;
    return load_prompt_dataset(config, *tokenizer_);
  }

  // Group g holds question g's native then English reasoning (G = 2).
  static ScoredGroups native_and_english_groups() {
    ScoredGroups groups;
    for (int64_t g = 0; g < 3; ++g) {
      groups.prompt_rows.push_back(g);
      for (const char* text : {kQuestions[g].native, kQuestions[g].english}) {
        GeneratedSample sample;
        sample.prompt_index = g;
        sample.text = text;
        sample.token_ids = {5, 6, 7};
        sample.finish_reason = FinishReason::STOP;
        groups.samples.push_back(sample);
      }
    }
    return groups;
  }

  static std::vector<RewardScore> language_scores(const std::vector<RewardSample>& samples) {
    RewardSet rewards({RewardSpec{"language_consistency"}}, "test.rewards");
    return rewards.score(samples).at(0);
  }

  testing::TempDir dir_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(RewardSamplesTest, LanguageTargetIsTheQuestionsNotTheR1ZeroTemplates) {
  const PromptDataset data = load("r1_zero");
  const ScoredGroups groups = native_and_english_groups();
  const std::vector<RewardSample> samples = make_reward_samples(groups, data, 64);
  ASSERT_EQ(samples.size(), 6u);
  for (size_t i = 0; i < samples.size(); ++i) {
    const Question& question = kQuestions[i / 2];
    // The template's English outweighs each question: a target taken from the prompt would
    // be Latin, and native reasoning would score 0.
    ASSERT_EQ(dominant_scripts(samples[i].prompt), std::vector<Script>{Script::LATIN});
    EXPECT_EQ(samples[i].prompt, data.rows[i / 2].text);
    EXPECT_EQ(samples[i].question, question.text);
    EXPECT_EQ(dominant_scripts(samples[i].question), std::vector<Script>{question.script});
    EXPECT_EQ(samples[i].max_completion_tokens, 64);
  }
  // R1 eq. 7: target-language words / all words of the chain of thought. Native reasoning is
  // all target words (1); English reasoning has none (0).
  const std::vector<RewardScore> scores = language_scores(samples);
  for (size_t g = 0; g < 3; ++g) {
    EXPECT_EQ(scores[2 * g], 1.0) << kQuestions[g].text;
    EXPECT_EQ(scores[2 * g + 1], 0.0) << kQuestions[g].text;
  }
}

// The same rows under the GRPO stage's template (r1_zero) and a rejection-sampling stage's
// (plain, or a custom one) score the same, and the rejection stage's language-mixing filter,
// built from the same samples, agrees with the reward: it passes native reasoning and rejects
// English.
TEST_F(RewardSamplesTest, GrpoAndRejectionSamplingScoreARowAlike) {
  const PromptDataset grpo_data = load("r1_zero");
  const ScoredGroups groups = native_and_english_groups();
  const std::vector<RewardSample> grpo_samples = make_reward_samples(groups, grpo_data, 64);
  const std::vector<RewardScore> grpo_scores = language_scores(grpo_samples);
  for (const char* rejection_template : {"plain", "Solve this, step by step. {prompt}\nAnswer:"}) {
    const PromptDataset rejection_data = load(rejection_template);
    const std::vector<RewardSample> rejection_samples =
        make_reward_samples(groups, rejection_data, 128);
    EXPECT_EQ(language_scores(rejection_samples), grpo_scores) << rejection_template;

    ReadabilityFilterConfig filters;
    filters.min_letters_for_mixing = 1;  // the test traces are short
    for (size_t i = 0; i < rejection_samples.size(); ++i) {
      const ReadabilitySample view =
          readability_sample(rejection_samples[i], &groups.samples[i].token_ids);
      EXPECT_EQ(view.prompt, kQuestions[i / 2].text);
      EXPECT_EQ(target_scripts(view.prompt, view.metadata, filters.language_field),
                dominant_scripts(grpo_samples[i].question));
      EXPECT_EQ(has_language_mixing(view, filters), *grpo_scores[i] == 0.0)
          << rejection_template << " sample " << i;
    }
  }
}

// A `language` field wins over the question's script; the question survives truncate_left
// (the prompt the model sees is cut, the question is not).
TEST_F(RewardSamplesTest, LanguageFieldWinsAndTheQuestionSurvivesTruncation) {
  std::ofstream(dir_ / "questions.jsonl")
      << nlohmann::json{{"question", "What is three plus five?"}, {"language", "zh"}}.dump()
      << "\n";
  PromptDataConfig config;
  config.path = (dir_ / "questions.jsonl").string();
  config.prompt_field = "question";
  config.max_prompt_length = 8;
  config.prompt_overflow = "truncate_left";
  const PromptDataset data = load_prompt_dataset(config, *tokenizer_);
  ASSERT_EQ(data.truncated, 1);
  EXPECT_EQ(data.rows[0].question, "What is three plus five?");
  ScoredGroups groups;
  groups.prompt_rows = {0};
  GeneratedSample sample;
  sample.text = "<think>三加五等于八。</think><answer>8</answer>";
  groups.samples = {sample};
  const std::vector<RewardSample> samples = make_reward_samples(groups, data, 64);
  EXPECT_EQ(samples[0].question, "What is three plus five?");
  EXPECT_EQ(language_scores(samples)[0], 1.0);
}

}  // namespace
}  // namespace r1forge
