// Tests of rl/reward.h: typed options (types, unknown keys with suggestions), the registry
// (built-ins present without any registration call, unknown names listing what exists, user
// rewards replacing built-ins) and RewardSet (weights, labels, duplicate labels, output
// validation, timing, diagnostics). The rewards themselves: test_reward_*.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "reward_test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;

// The ConfigError message of `action`, or "" when it does not throw one.
template <class F>
std::string config_error(F action) {
  try {
    action();
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

// A reward returning fixed scores, to test RewardSet without a real reward.
class FixedReward : public RewardFunction {
 public:
  explicit FixedReward(std::vector<RewardScore> scores) : scores_(std::move(scores)) {}
  std::vector<RewardScore> score(const std::vector<RewardSample>&) override { return scores_; }
  std::map<std::string, double> diagnostics() const override { return {{"calls", 1.0}}; }

 private:
  std::vector<RewardScore> scores_;
};

TEST(RewardOptions, TypedGettersAndFallbacks) {
  RewardOptions options({{"a", "2.5"},
                         {"n", "-3"},
                         {"flag", "Yes"},
                         {"list", " x, y ,z"},
                         {"s", "text"},
                         {"empty", ""}},
                        "here");
  EXPECT_DOUBLE_EQ(options.get_double("a", 0), 2.5);
  EXPECT_EQ(options.get_int("n", 0), -3);
  EXPECT_TRUE(options.get_bool("flag", false));
  EXPECT_EQ(options.get_list("list", {}), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(options.get_string("s", ""), "text");
  EXPECT_TRUE(options.get_list("empty", {"fallback"}).empty());
  EXPECT_EQ(options.get_int("missing", 7), 7);
  EXPECT_TRUE(options.has("a"));
  EXPECT_FALSE(options.has("missing"));
  EXPECT_NO_THROW(options.finish());
}

TEST(RewardOptions, BadValueTypesNameWhereAndKey) {
  RewardOptions options({{"d", "abc"}, {"i", "1.5"}, {"b", "maybe"}, {"inf", "inf"}},
                        "cfg.yaml: r");
  std::string message = config_error([&] { options.get_double("d", 0); });
  EXPECT_NE(message.find("cfg.yaml: r"), std::string::npos) << message;
  EXPECT_NE(message.find("'d'"), std::string::npos) << message;
  EXPECT_NE(message.find("abc"), std::string::npos) << message;
  EXPECT_NE(config_error([&] { options.get_int("i", 0); }).find("integer"), std::string::npos);
  EXPECT_NE(config_error([&] { options.get_bool("b", false); }).find("true or false"),
            std::string::npos);
  EXPECT_NE(config_error([&] { options.get_double("inf", 0); }).find("finite"), std::string::npos);
}

TEST(RewardOptions, UnknownKeySuggestsTheClosestReadKey) {
  RewardOptions options({{"answer_feild", "x"}}, "cfg.yaml: rewards[0] (accuracy)");
  options.get_string("answer_field", "answer");
  options.get_bool("require_latex", false);
  std::string message = config_error([&] { options.finish(); });
  EXPECT_NE(message.find("unknown option 'answer_feild'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'answer_field'"), std::string::npos) << message;
  EXPECT_NE(message.find("accepted options: answer_field, require_latex"), std::string::npos)
      << message;
}

TEST(RewardRegistry, BuiltinsAreRegisteredOnFirstUse) {
  std::vector<std::string> names;
  for (const RewardInfo& info : registered_rewards()) {
    names.push_back(info.name);
    EXPECT_FALSE(info.help.empty()) << info.name;
  }
  for (const char* name : {"accuracy", "countdown", "external", "format", "language_consistency",
                           "length", "repetition", "soft_overlong", "tag_count", "instruction",
                           "reward_model"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(RewardRegistry, UnknownNameListsRegisteredNamesAndSuggests) {
  RewardSpec spec;
  spec.name = "acuracy";
  std::string message = config_error([&] { make_reward(spec, "cfg.yaml: rewards[2]"); });
  EXPECT_NE(message.find("cfg.yaml: rewards[2]: unknown reward 'acuracy'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("did you mean 'accuracy'"), std::string::npos) << message;
  EXPECT_NE(message.find("registered rewards: accuracy, countdown,"), std::string::npos) << message;
}

TEST(RewardRegistry, UnknownOptionOfABuiltinIsAnError) {
  RewardSpec spec;
  spec.name = "repetition";
  spec.options = {{"ngram", "2"}};
  std::string message = config_error([&] { make_reward(spec, "cfg.yaml: rewards[0]"); });
  EXPECT_NE(message.find("cfg.yaml: rewards[0] (repetition): unknown option 'ngram'"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("did you mean 'ngram_size'"), std::string::npos) << message;
  spec.options = {{"ngram_size", "two"}};
  EXPECT_NE(config_error([&] { make_reward(spec, "w"); }).find("expected an integer"),
            std::string::npos);
  spec.options = {{"max_penalty", "0.5"}};
  EXPECT_NE(config_error([&] { make_reward(spec, "w"); }).find("must not be positive"),
            std::string::npos);
}

TEST(RewardRegistry, UserRewardsRegisterAndReplace) {
  register_reward("test_constant", "always 0.5", [](RewardOptions& options) {
    double value = options.get_double("value", 0.5);
    return std::make_unique<FixedReward>(std::vector<RewardScore>{value});
  });
  auto reward = testing::build_reward("test_constant", {{"value", "0.25"}});
  EXPECT_EQ(testing::score_one(*reward, OwnedSample{}), 0.25);
  register_reward("test_constant", "replaced", [](RewardOptions&) {
    return std::make_unique<FixedReward>(std::vector<RewardScore>{std::nullopt});
  });
  EXPECT_EQ(testing::score_one(*testing::build_reward("test_constant"), OwnedSample{}),
            std::nullopt);
}

TEST(RewardSet, LabelsWeightsScoresAndDiagnostics) {
  RewardSpec accuracy{"accuracy", 1.0, {}, ""};
  RewardSpec format{"format", 0.5, {}, ""};
  RewardSpec strict{"accuracy", 2.0, {{"require_latex", "true"}}, "accuracy_latex"};
  RewardSet set({accuracy, format, strict}, "cfg.yaml: stages[0].grpo.rewards");
  EXPECT_EQ(set.size(), 3u);
  EXPECT_EQ(set.labels(), (std::vector<std::string>{"accuracy", "format", "accuracy_latex"}));
  EXPECT_EQ(set.weights(), (std::vector<double>{1.0, 0.5, 2.0}));
  OwnedSample right{"", "<think>ok</think><answer>42</answer>", {{"answer", "42"}}};
  OwnedSample no_gold{"", "<think>ok</think><answer>42</answer>", {}};
  std::vector<RewardSample> batch = {right.view(), no_gold.view()};
  std::vector<std::vector<RewardScore>> scores = set.score(batch);
  ASSERT_EQ(scores.size(), 3u);
  EXPECT_EQ(scores[0], (std::vector<RewardScore>{1.0, std::nullopt}));
  EXPECT_EQ(scores[1], (std::vector<RewardScore>{1.0, 1.0}));
  EXPECT_EQ(scores[2], (std::vector<RewardScore>{0.0, std::nullopt}));  // "42" is no LaTeX
  ASSERT_EQ(set.last_seconds().size(), 3u);
  for (double seconds : set.last_seconds()) EXPECT_GE(seconds, 0.0);
  std::map<std::string, double> diagnostics = set.diagnostics();
  EXPECT_EQ(diagnostics.at("accuracy/gold_missing"), 1.0);
  EXPECT_EQ(diagnostics.at("accuracy_latex/gold_missing"), 1.0);
}

TEST(RewardSet, RejectsEmptyListDuplicateLabelsAndBadEntries) {
  EXPECT_NE(config_error([] { RewardSet({}, "r"); }).find("empty"), std::string::npos);
  RewardSpec a{"format", 1.0, {}, ""};
  std::string message = config_error([&] { RewardSet({a, a}, "cfg.yaml: rewards"); });
  EXPECT_NE(message.find("cfg.yaml: rewards[1]: label 'format' is already used by "
                         "cfg.yaml: rewards[0]"),
            std::string::npos)
      << message;
  RewardSpec relabelled{"format", 1.0, {}, "format_again"};
  EXPECT_NO_THROW(RewardSet({a, relabelled}, "r"));
  RewardSpec unknown{"nope", 1.0, {}, ""};
  EXPECT_NE(config_error([&] {
              RewardSet({a, unknown}, "cfg");
            }).find("cfg[1]: unknown reward"),
            std::string::npos);
  RewardSpec bad_option{"tag_count", 1.0, {{"newlines", "true"}}, ""};
  EXPECT_NE(config_error([&] {
              RewardSet({bad_option}, "cfg");
            }).find("cfg[0] (tag_count): unknown option 'newlines'"),
            std::string::npos);
}

TEST(RewardSet, BrokenRewardOutputIsAnInternalError) {
  register_reward("test_wrong_count", "", [](RewardOptions&) {
    return std::make_unique<FixedReward>(std::vector<RewardScore>{1.0, 2.0});
  });
  register_reward("test_nan", "", [](RewardOptions&) {
    return std::make_unique<FixedReward>(std::vector<RewardScore>{std::nan("")});
  });
  OwnedSample sample;
  std::vector<RewardSample> batch = {sample.view()};
  RewardSet wrong_count({RewardSpec{"test_wrong_count", 1.0, {}, ""}}, "r");
  try {
    wrong_count.score(batch);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::INTERNAL);
    EXPECT_NE(std::string(error.what()).find("returned 2 scores for 1 samples"), std::string::npos);
  }
  RewardSet nan({RewardSpec{"test_nan", 1.0, {}, ""}}, "r");
  EXPECT_THROW(nan.score(batch), Error);
}

}  // namespace
}  // namespace r1forge
