// Preference pairs (data/preference_dataset.h) on real tokenizer folders (../shared/testdata):
// every layout TRL names (standard, implicit prompt, conversational, conversational implicit
// prompt) gives, per side, exactly the ids the SFT path gives the same prompt + completion
// (load_sft_dataset, the layout the policy's completions have), plus hand-written prompt
// strings for the chat cases; the aspect filter on the preferences task's own rows; margins;
// max_length under truncate/skip/error; and bad rows naming file:line and the field.
#include <gtest/gtest.h>

#include <fstream>

#include "data/chat_tokenizers.h"
#include "r1forge/core/check.h"
#include "r1forge/data/preference_dataset.h"
#include "r1forge/data/sft_dataset.h"
#include "r1forge/data/tasks/preferences.h"
#include "r1forge/tokenizer/chat_template.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_rows(const fs::path& path, const std::vector<json>& rows) {
  std::ofstream out(path);
  for (const auto& row : rows) out << row.dump() << "\n";
}

json user(const std::string& text) {
  return {{"role", "user"}, {"content", text}};
}
json assistant(const std::string& text) {
  return {{"role", "assistant"}, {"content", text}};
}

class PreferenceDatasetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const testing::ChatTokenizers& shared = testing::chat_tokenizers();
    qwen_tokenizer_ = shared.qwen_tokenizer.get();
    qwen_template_ = shared.qwen_template.get();
    r1_tokenizer_ = shared.r1_tokenizer.get();
    r1_template_ = shared.r1_template.get();
  }

  PreferenceDataset load(PreferenceDataConfig config,
                         const std::vector<json>& rows,
                         const Tokenizer& tokenizer,
                         const ChatTemplate* chat = nullptr) {
    config.path = (dir_ / "pairs.jsonl").string();
    write_rows(config.path, rows);
    return load_preference_dataset(config, tokenizer, chat);
  }
  // The SFT path's example for one row (the oracle of the layout).
  SftExample sft(const PreferenceDataConfig& pairs,
                 const json& row,
                 const Tokenizer& tokenizer,
                 const ChatTemplate* chat = nullptr) {
    SftDataConfig config;
    config.path = (dir_ / "sft.jsonl").string();
    config.prompt_template = pairs.prompt_template;
    config.format = pairs.format;
    config.add_eos = pairs.add_eos;
    if (row.contains("messages")) config.messages_field = "messages";
    write_rows(config.path, {row});
    return load_sft_dataset(config, tokenizer, false, chat).examples.at(0);
  }
  static PreferenceDataConfig chat_config() {
    PreferenceDataConfig config;
    config.prompt_template = "plain";
    config.format.prompt_format = "chat";
    return config;
  }
  // A good row, then `bad` as line 2; returns the DataError text (fails the test when none).
  std::string error_of(const PreferenceDataConfig& config,
                       const json& bad,
                       const json& good = {{"prompt", "p"}, {"chosen", "a"}, {"rejected", "b"}}) {
    try {
      load(config, {good, bad}, *qwen_tokenizer_, qwen_template_);
    } catch (const DataError& error) {
      EXPECT_NE(std::string(error.what()).find("pairs.jsonl:2"), std::string::npos) << error.what();
      return error.what();
    }
    ADD_FAILURE() << "no DataError for " << bad.dump();
    return "";
  }

  static inline Tokenizer* qwen_tokenizer_ = nullptr;
  static inline ChatTemplate* qwen_template_ = nullptr;
  static inline Tokenizer* r1_tokenizer_ = nullptr;
  static inline ChatTemplate* r1_template_ = nullptr;
  testing::TempDir dir_;
};

TEST_F(PreferenceDatasetTest, StandardRowsAreTheSftLayoutOfEachSide) {
  const std::string prompt = "Sort these letters alphabetically: b, a.";
  const std::string chosen = "<think>a < b</think><answer>a, b</answer>";
  const std::string rejected = "<think>a < b</think><answer>b, a</answer>";
  for (const char* prompt_template : {"r1_zero", "plain"}) {
    PreferenceDataConfig config;
    config.prompt_template = prompt_template;
    const PreferenceDataset data =
        load(config,
             {{{"prompt", prompt}, {"chosen", chosen}, {"rejected", rejected}, {"margin", 1.5}},
              {{"prompt", prompt}, {"chosen", rejected}, {"rejected", chosen}}},
             *qwen_tokenizer_);
    ASSERT_EQ(data.pairs.size(), 2u);
    const PreferencePair& pair = data.pairs[0];
    const SftExample chosen_sft =
        sft(config, {{"prompt", prompt}, {"completion", chosen}}, *qwen_tokenizer_);
    const SftExample rejected_sft =
        sft(config, {{"prompt", prompt}, {"completion", rejected}}, *qwen_tokenizer_);
    EXPECT_EQ(pair.chosen_ids, chosen_sft.ids) << prompt_template;
    EXPECT_EQ(pair.rejected_ids, rejected_sft.ids) << prompt_template;
    EXPECT_EQ(pair.prompt_length, chosen_sft.prompt_length);
    EXPECT_EQ(pair.chosen_ids.back(), *qwen_tokenizer_->eos_id());  // add_eos
    EXPECT_EQ(pair.margin, 1.5);
    EXPECT_EQ(pair.line, 1);
    EXPECT_EQ(data.pairs[1].margin, 0.0);  // no margin field
    EXPECT_EQ(data.pairs[1].chosen_ids, rejected_sft.ids);
  }
}

TEST_F(PreferenceDatasetTest, ImplicitPromptIsTheCommonStartAsTrlExtractsIt) {
  // TRL's example: the common start is "The sky is " and its last space goes with the
  // completions, so this is prompt "The sky is" + " blue." / " green.".
  PreferenceDataConfig config;
  config.prompt_template = "plain";
  const PreferenceDataset data =
      load(config, {{{"chosen", "The sky is blue."}, {"rejected", "The sky is green."}}},
           *qwen_tokenizer_);
  const PreferencePair& pair = data.pairs.at(0);
  EXPECT_EQ(
      pair.chosen_ids,
      sft(config, {{"prompt", "The sky is"}, {"completion", " blue."}}, *qwen_tokenizer_).ids);
  EXPECT_EQ(
      pair.rejected_ids,
      sft(config, {{"prompt", "The sky is"}, {"completion", " green."}}, *qwen_tokenizer_).ids);
  EXPECT_EQ(pair.prompt_length,
            static_cast<int64_t>(qwen_tokenizer_->encode("The sky is", true).size()));
}

TEST_F(PreferenceDatasetTest, ConversationalRowsExplicitAndImplicitAreTheSftMessagesLayout) {
  const PreferenceDataConfig config = chat_config();
  const json prompt = json::array({user("What is 2+2?")});
  const PreferenceDataset data =
      load(config,
           {{{"prompt", prompt},
             {"chosen", json::array({assistant("4")})},
             {"rejected", json::array({assistant("5")})}},
            {{"chosen", json::array({user("What is 2+2?"), assistant("4")})},
             {"rejected", json::array({user("What is 2+2?"), assistant("5")})}}},
           *qwen_tokenizer_, qwen_template_);
  ASSERT_EQ(data.pairs.size(), 2u);
  const SftExample four = sft(config, {{"messages", {user("What is 2+2?"), assistant("4")}}},
                              *qwen_tokenizer_, qwen_template_);
  const SftExample five = sft(config, {{"messages", {user("What is 2+2?"), assistant("5")}}},
                              *qwen_tokenizer_, qwen_template_);
  // The prompt by hand: Qwen3's generation prompt (formats.md §6).
  const std::vector<int64_t> prompt_ids = qwen_tokenizer_->encode(
      "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n", false);
  for (const PreferencePair& pair : data.pairs) {
    EXPECT_EQ(pair.chosen_ids, four.ids);
    EXPECT_EQ(pair.rejected_ids, five.ids);
    ASSERT_EQ(pair.prompt_length, static_cast<int64_t>(prompt_ids.size()));
    EXPECT_EQ(
        std::vector<int64_t>(pair.chosen_ids.begin(), pair.chosen_ids.begin() + pair.prompt_length),
        prompt_ids);
  }
}

TEST_F(PreferenceDatasetTest, R1TemplateCompletionsLoseTheThinkTheTemplateOpened) {
  PreferenceDataConfig config = chat_config();
  config.add_eos = false;
  const std::string chosen = "<think>\nadd\n</think>\n\n<answer>4</answer>";
  const std::string rejected = "<think>\nguess\n</think>\n\n<answer>5</answer>";
  const PreferenceDataset data =
      load(config, {{{"prompt", "What is 2+2?"}, {"chosen", chosen}, {"rejected", rejected}}},
           *r1_tokenizer_, r1_template_);
  const PreferencePair& pair = data.pairs.at(0);
  const std::vector<int64_t> prompt = r1_tokenizer_->encode(
      "<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n", false);
  std::vector<int64_t> expected = prompt;
  const std::vector<int64_t> target =
      r1_tokenizer_->encode("add\n</think>\n\n<answer>4</answer>", false);
  expected.insert(expected.end(), target.begin(), target.end());
  EXPECT_EQ(pair.chosen_ids, expected);
  EXPECT_EQ(pair.rejected_ids, sft(config, {{"prompt", "What is 2+2?"}, {"completion", rejected}},
                                   *r1_tokenizer_, r1_template_)
                                   .ids);
}

TEST_F(PreferenceDatasetTest, AspectFilterSplitsThePreferencesTaskRows) {
  const tasks::TaskSplits splits = tasks::generate_preferences({}, 60, 0, /*seed=*/2);
  int64_t helpful = 0;
  for (const json& row : splits.train) helpful += row["aspect"] == "helpfulness";
  ASSERT_EQ(helpful, 30);  // harmlessness_share 0.5 of 60
  PreferenceDataConfig config;
  config.prompt_template = "plain";
  config.aspect = "helpfulness";
  const PreferenceDataset helpfulness = load(config, splits.train, *qwen_tokenizer_);
  EXPECT_EQ(static_cast<int64_t>(helpfulness.pairs.size()), helpful);
  EXPECT_EQ(helpfulness.filtered, 60 - helpful);
  config.aspect = "harmlessness";
  config.max_examples = 7;
  const PreferenceDataset harmlessness = load(config, splits.train, *qwen_tokenizer_);
  ASSERT_EQ(harmlessness.pairs.size(), 7u);
  // The first kept pair is the first harmlessness row, encoded as the SFT path encodes it.
  const json* first = nullptr;
  for (const json& row : splits.train) {
    if (row["aspect"] == "harmlessness" && !first) first = &row;
  }
  EXPECT_EQ(harmlessness.pairs[0].line, (first - splits.train.data()) + 1);
  EXPECT_EQ(harmlessness.pairs[0].chosen_ids,
            sft(config, {{"prompt", (*first)["prompt"]}, {"completion", (*first)["chosen"]}},
                *qwen_tokenizer_)
                .ids);
  config.aspect = "kindness";
  config.max_examples = 0;
  EXPECT_THROW(load(config, splits.train, *qwen_tokenizer_), DataError);  // nothing left
}

TEST_F(PreferenceDatasetTest, MaxLengthTruncatesTheEndSkipsOrFails) {
  PreferenceDataConfig config;
  config.prompt_template = "plain";
  config.add_eos = false;
  const json long_pair = {{"prompt", "Q:"},
                          {"chosen", " one two three four five six seven"},
                          {"rejected", " one two three four five six eight"}};
  const json early_pair = {
      {"prompt", "Q:"}, {"chosen", " yes and then more words"}, {"rejected", " no"}};
  const PreferenceDataset whole = load(config, {long_pair, early_pair}, *qwen_tokenizer_);
  const std::vector<int64_t> long_chosen = whole.pairs.at(0).chosen_ids;
  const std::vector<int64_t> early_chosen = whole.pairs.at(1).chosen_ids;
  ASSERT_GT(long_chosen.size(), 6u);
  // max_length 5: the long pair differs only in its last word, so the cut leaves the two sides
  // equal and it is skipped; the early pair keeps its first 5 tokens on the longer side.
  config.max_length = 5;
  const PreferenceDataset cut = load(config, {long_pair, early_pair}, *qwen_tokenizer_);
  ASSERT_EQ(cut.pairs.size(), 1u);
  EXPECT_EQ(cut.skipped, 1);
  EXPECT_EQ(cut.truncated, 1);
  EXPECT_EQ(cut.pairs[0].chosen_ids,
            std::vector<int64_t>(early_chosen.begin(), early_chosen.begin() + 5));
  EXPECT_EQ(cut.pairs[0].rejected_ids, whole.pairs.at(1).rejected_ids);  // short: kept whole
  config.overflow = "skip";
  EXPECT_THROW(load(config, {long_pair, early_pair}, *qwen_tokenizer_), DataError);  // none left
  config.overflow = "error";
  try {
    load(config, {long_pair}, *qwen_tokenizer_);
    FAIL() << "no error";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("pairs.jsonl:1: the pair has "), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("over max_length 5"), std::string::npos);
  }
}

TEST_F(PreferenceDatasetTest, BadRowsNameFileLineAndField) {
  const PreferenceDataConfig text;
  const json conversation = json::array({assistant("a")});
  EXPECT_NE(error_of(text, {{"prompt", "p"}, {"chosen", "a"}}).find("no field 'rejected'"),
            std::string::npos);
  EXPECT_NE(error_of(text, {{"prompt", "p"}, {"chosen", "a"}, {"rejected", "b"}, {"margin", "x"}})
                .find("field 'margin' must be a number"),
            std::string::npos);
  EXPECT_NE(error_of(text, {{"prompt", "p"}, {"chosen", "a"}, {"rejected", "a"}})
                .find("'chosen' and 'rejected' are the same completion"),
            std::string::npos);
  EXPECT_NE(error_of(text, {{"prompt", "p"}, {"chosen", "a"}, {"rejected", conversation}})
                .find("'chosen' is a string but 'rejected' is a list"),
            std::string::npos);
  EXPECT_NE(error_of(text, {{"prompt", 3}, {"chosen", "a"}, {"rejected", "b"}})
                .find("'prompt' is number but 'chosen' is a string"),
            std::string::npos);
  EXPECT_NE(error_of(text, {{"chosen", conversation}, {"rejected", json::array({assistant("b")})}})
                .find("'chosen' is a list of messages, which only the chat template renders"),
            std::string::npos);
  EXPECT_NE(error_of(text, json::array({1, 2})).find("expected a JSON object"), std::string::npos);
  const PreferenceDataConfig chat = chat_config();
  EXPECT_NE(error_of(chat, {{"prompt", json::array({user("q")})},
                            {"chosen", json::array({assistant("a"), assistant("b")})},
                            {"rejected", conversation}})
                .find("'chosen' must be one assistant message"),
            std::string::npos);
  EXPECT_NE(error_of(chat, {{"chosen", json::array({user("q"), assistant("a")})},
                            {"rejected", json::array({user("other"), assistant("b")})}})
                .find("share no leading message"),
            std::string::npos);
  PreferenceDataConfig filtered = text;
  filtered.aspect = "helpfulness";
  EXPECT_NE(error_of(filtered, {{"prompt", "p"}, {"chosen", "a"}, {"rejected", "b"}},
                     {{"prompt", "p"}, {"chosen", "a"}, {"rejected", "b"}, {"aspect", "x"}})
                .find("no string field 'aspect' for the aspect filter"),
            std::string::npos);
}

TEST_F(PreferenceDatasetTest, ConfigProblemsAreConfigErrors) {
  PreferenceDataConfig config = chat_config();
  EXPECT_THROW(load(config, {{{"prompt", "p"}, {"chosen", "a"}, {"rejected", "b"}}},
                    *qwen_tokenizer_, nullptr),
               ConfigError);  // chat without a template
  config = PreferenceDataConfig{};
  config.prompt_template = "no placeholder";
  EXPECT_THROW(
      load(config, {{{"prompt", "p"}, {"chosen", "a"}, {"rejected", "b"}}}, *qwen_tokenizer_),
      ConfigError);
}

}  // namespace
}  // namespace r1forge
