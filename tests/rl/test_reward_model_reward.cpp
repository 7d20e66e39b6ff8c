// The reward_model reward (rl/rewards/reward_model.h) on a tiny reward model made from the test
// fixture's causal LM: each score equals the model's own forward pass over the layout written
// out by hand (prompt with specials + completion + EOS, unpadded, one row at a time), whatever
// the batch size; span, add_eos, truncation, scale/shift and bad options.
#include <gtest/gtest.h>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/model/reward_model_io.h"
#include "r1forge/rl/rewards/reward_model.h"
#include "r1forge/tokenizer/tokenizer.h"
#include "rl/reward_test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;

class RewardModelRewardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "lm", /*seed=*/3);
    tokenizer_ = load_tokenizer(dir_ / "lm");
    RewardModelInitOptions init;
    init.seed = 9;
    init.pad_token_id = 0;  // a token the texts below never produce as their last one
    RewardModel model = reward_model_from_causal_lm(dir_ / "lm", init);
    save_reward_model(model, dir_ / "rm");
    for (const char* file : {"tokenizer.model", "tokenizer_config.json"}) {
      if (std::filesystem::exists(dir_ / "lm" / file)) {
        std::filesystem::copy_file(dir_ / "lm" / file, dir_ / "rm" / file);
      }
    }
    model_ = load_reward_model(dir_ / "rm");
    model_->eval();
  }
  // The model's score of `ids` alone (no padding): the reference.
  double direct(const std::vector<int64_t>& ids) {
    at::NoGradGuard no_grad;
    const at::Tensor input = at::tensor(ids, at::kLong).unsqueeze(0);  // [1, T]
    return model_->forward(input, at::ones_like(input)).item<double>();
  }
  std::vector<int64_t> layout(const std::string& prompt, const std::string& completion, bool eos) {
    std::vector<int64_t> ids = tokenizer_->encode(prompt, true);
    const std::vector<int64_t> tail = tokenizer_->encode(completion, false);
    ids.insert(ids.end(), tail.begin(), tail.end());
    if (eos) ids.push_back(*tokenizer_->eos_id());
    return ids;
  }
  std::map<std::string, std::string> options(std::map<std::string, std::string> extra = {}) {
    extra["path"] = (dir_ / "rm").string();
    return extra;
  }
  testing::TempDir dir_;
  std::unique_ptr<Tokenizer> tokenizer_;
  RewardModel model_{nullptr};
};

TEST_F(RewardModelRewardTest, ScoresAreTheModelsForwardOverTheTrainingLayout) {
  std::vector<OwnedSample> samples(3);
  samples[0].prompt = "add one and two";
  samples[0].completion = "<think>1+2=3</think><answer>3</answer>";
  samples[1].prompt = "the quick brown fox";
  samples[1].completion = "jumps";
  samples[2].prompt = "check the result";
  samples[2].completion = "<think>first</think> then sum the two";
  for (const char* batch_size : {"1", "2", "16"}) {
    auto reward = testing::build_reward("reward_model", options({{"batch_size", batch_size}}));
    const std::vector<RewardScore> scores = testing::score_all(*reward, samples);
    ASSERT_EQ(scores.size(), 3u);
    for (size_t i = 0; i < samples.size(); ++i) {
      ASSERT_TRUE(scores[i].has_value());
      EXPECT_NEAR(*scores[i], direct(layout(samples[i].prompt, samples[i].completion, true)), 1e-5)
          << "sample " << i << ", batch_size " << batch_size;
    }
  }
  // span answer: the prompt and the text after the last </think>, trimmed.
  auto answer = testing::build_reward("reward_model", options({{"span", "answer"}}));
  EXPECT_NEAR(*testing::score_one(*answer, samples[2]),
              direct(layout(samples[2].prompt, "then sum the two", true)), 1e-5);
  // A truncated completion did not finish: no EOS. add_eos false: none at all.
  OwnedSample cut = samples[1];
  RewardSample view = cut.view();
  view.truncated = true;
  auto reward = testing::build_reward("reward_model", options());
  EXPECT_NEAR(*reward->score({view})[0], direct(layout(cut.prompt, cut.completion, false)), 1e-5);
  auto no_eos = testing::build_reward("reward_model", options({{"add_eos", "false"}}));
  EXPECT_NEAR(*testing::score_one(*no_eos, cut), direct(layout(cut.prompt, cut.completion, false)),
              1e-5);
  // max_length keeps the start; scale and shift act on the score.
  auto short_reward = testing::build_reward("reward_model", options({{"max_length", "4"}}));
  std::vector<int64_t> start = layout(samples[0].prompt, samples[0].completion, true);
  start.resize(4);
  EXPECT_NEAR(*testing::score_one(*short_reward, samples[0]), direct(start), 1e-5);
  auto affine = testing::build_reward("reward_model", options({{"scale", "2"}, {"shift", "-0.5"}}));
  EXPECT_NEAR(*testing::score_one(*affine, samples[1]),
              2.0 * direct(layout(samples[1].prompt, samples[1].completion, true)) - 0.5, 1e-5);
}

TEST(RewardModelSpan, AnswerIsTheTextAfterTheLastThinkClose) {
  EXPECT_EQ(reward_model_span("<think>a</think> b </think>\n c \n", "answer"), "c");
  EXPECT_EQ(reward_model_span("<think>a</think>", "answer"), "");
  EXPECT_EQ(reward_model_span("no think block", "answer"), "no think block");
  EXPECT_EQ(reward_model_span("<think>a</think> b", "completion"), "<think>a</think> b");
}

TEST(RewardModelRewardOptions, BadOptionsAreConfigErrorsNamingTheOption) {
  auto expect_error = [](std::map<std::string, std::string> options, const std::string& key) {
    try {
      testing::build_reward("reward_model", std::move(options));
      ADD_FAILURE() << "no error for " << key;
    } catch (const ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(key), std::string::npos) << error.what();
    }
  };
  expect_error({}, "path");
  expect_error({{"path", "x"}, {"span", "think"}}, "span");
  expect_error({{"path", "x"}, {"dtype", "float64"}}, "dtype");
  expect_error({{"path", "x"}, {"device", "tpu"}}, "device");
  expect_error({{"path", "x"}, {"batch_size", "0"}}, "batch_size");
  expect_error({{"path", "x"}, {"paht", "y"}}, "paht");
  expect_error({{"path", "x"}, {"normalize", "batch"}}, "normalize");
  // normalize: running is a flag the GRPO stage reads (reward_normalizer.h); none by default.
  EXPECT_FALSE(testing::build_reward("reward_model", {{"path", "x"}})->running_normalization());
  EXPECT_TRUE(testing::build_reward("reward_model", {{"path", "x"}, {"normalize", "running"}})
                  ->running_normalization());
  // Stages that read raw scores refuse it, naming the list and the reward's label.
  RewardSet set({RewardSpec{"format"},
                 RewardSpec{"reward_model", 1.0, {{"path", "x"}, {"normalize", "running"}}, "rm"}},
                "x.yaml: rewards");
  EXPECT_EQ(set.running_normalization(), (std::vector<bool>{false, true}));
  try {
    set.refuse_running_normalization("x.yaml: rewards", "rejection sampling accepts on");
    ADD_FAILURE() << "normalize: running was not refused";
  } catch (const ConfigError& error) {
    EXPECT_NE(
        std::string(error.what()).find("x.yaml: rewards (rm): normalize: running is for GRPO"),
        std::string::npos)
        << error.what();
  }
  RewardSet plain({RewardSpec{"format"}}, "x.yaml: rewards");
  EXPECT_NO_THROW(plain.refuse_running_normalization("x.yaml: rewards", "eval reads"));
  // The folder is read at the first score: a missing one fails there, naming the path.
  auto reward = testing::build_reward("reward_model", {{"path", "/no/such/folder"}});
  OwnedSample sample;
  sample.prompt = "p";
  sample.completion = "c";
  try {
    testing::score_one(*reward, sample);
    ADD_FAILURE() << "no error for a missing folder";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("/no/such/folder"), std::string::npos);
  }
}

}  // namespace
}  // namespace r1forge
