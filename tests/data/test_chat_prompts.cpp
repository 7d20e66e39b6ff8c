// prompt_format: chat on real tokenizer folders (../shared/testdata): prompt and SFT rows
// rendered through the folder's chat template with the generation prompt, encoded without
// special tokens; the system prompt and enable_thinking keys; message-list prompts (verl) and
// message-list SFT rows (OpenR1-Math's `messages`, from its Parquet layout); DeepSeek-R1's
// template, whose generation prompt opens <think>, with the SFT target and the format reward
// handling completions that start inside the think block. Expected strings are formats.md §6's.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "data/chat_tokenizers.h"
#include "r1forge/core/check.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/data/sft_dataset.h"
#include "r1forge/rl/rewards/format.h"
#include "r1forge/tokenizer/chat_template.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

void write_rows(const fs::path& path, const std::vector<nlohmann::json>& rows) {
  std::ofstream out(path);
  for (const auto& row : rows) out << row.dump() << "\n";
}

class ChatPromptTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const testing::ChatTokenizers& shared = testing::chat_tokenizers();
    qwen_tokenizer_ = shared.qwen_tokenizer.get();
    qwen_template_ = shared.qwen_template.get();
    r1_tokenizer_ = shared.r1_tokenizer.get();
    r1_template_ = shared.r1_template.get();
  }
  PromptDataset prompts(const PromptDataConfig& base,
                        const std::vector<nlohmann::json>& rows,
                        const Tokenizer& tokenizer,
                        const ChatTemplate* chat) {
    PromptDataConfig config = base;
    config.path = (dir_ / "prompts.jsonl").string();
    write_rows(config.path, rows);
    return load_prompt_dataset(config, tokenizer, chat);
  }
  static PromptDataConfig chat_config() {
    PromptDataConfig config;
    config.prompt_template = "plain";
    config.format.prompt_format = "chat";
    return config;
  }

  static inline Tokenizer* qwen_tokenizer_ = nullptr;
  static inline ChatTemplate* qwen_template_ = nullptr;
  static inline Tokenizer* r1_tokenizer_ = nullptr;
  static inline ChatTemplate* r1_template_ = nullptr;
  testing::TempDir dir_;
};

TEST_F(ChatPromptTest, PromptIsTheUserTurnWithTheGenerationPrompt) {
  const PromptDataset data =
      prompts(chat_config(), {{{"prompt", "What is 2+2?"}}}, *qwen_tokenizer_, qwen_template_);
  const PromptRow& row = data.rows.at(0);
  EXPECT_EQ(row.text, "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(row.question, "What is 2+2?");
  // Encoded without special tokens: the template's own markers are the added tokens.
  EXPECT_EQ(row.ids, qwen_tokenizer_->encode(row.text, /*add_special_tokens=*/false));
  EXPECT_EQ(row.ids.front(), 151644);  // <|im_start|>
}

TEST_F(ChatPromptTest, SystemPromptAndEnableThinking) {
  PromptDataConfig config = chat_config();
  config.format.system_prompt = "Be brief.";
  config.format.enable_thinking = "false";
  const PromptDataset data =
      prompts(config, {{{"prompt", "Hi"}}}, *qwen_tokenizer_, qwen_template_);
  EXPECT_EQ(data.rows.at(0).text,
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

TEST_F(ChatPromptTest, TheR1ZeroTemplateBecomesTheUserTurn) {
  PromptDataConfig config = chat_config();
  config.prompt_template = "{prompt} Think step by step.";
  const PromptDataset data =
      prompts(config, {{{"prompt", "Add 1 and 2."}}}, *qwen_tokenizer_, qwen_template_);
  EXPECT_EQ(data.rows.at(0).text,
            "<|im_start|>user\nAdd 1 and 2. Think step by step.<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(data.rows.at(0).question, "Add 1 and 2.");  // what language rewards judge
}

TEST_F(ChatPromptTest, AMessageListPromptIsRenderedAsItIs) {
  const nlohmann::json messages = {{{"role", "system"}, {"content", "S"}},
                                   {{"role", "user"}, {"content", "Q1"}},
                                   {{"role", "assistant"}, {"content", "A1"}},
                                   {{"role", "user"}, {"content", "Q2"}}};
  const PromptDataset data =
      prompts(chat_config(), {{{"prompt", messages}}}, *qwen_tokenizer_, qwen_template_);
  EXPECT_EQ(data.rows.at(0).text,
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n"
            "<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(data.rows.at(0).question, "Q2");
  // Under prompt_format: text a list is not a prompt.
  PromptDataConfig text = chat_config();
  text.format.prompt_format = "text";
  EXPECT_THROW(prompts(text, {{{"prompt", messages}}}, *qwen_tokenizer_, nullptr), DataError);
}

TEST_F(ChatPromptTest, R1TemplateOpensThinkAndTheFormatRewardFollows) {
  const PromptDataset data =
      prompts(chat_config(), {{{"prompt", "What is 2+2?"}}}, *r1_tokenizer_, r1_template_);
  const std::string& text = data.rows.at(0).text;
  EXPECT_EQ(text, "<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n");
  EXPECT_EQ(data.rows.at(0).ids.front(), 0);  // the template's BOS, once
  EXPECT_EQ(std::count(data.rows.at(0).ids.begin(), data.rows.at(0).ids.end(), 0), 1);
  EXPECT_TRUE(prompt_ends_inside_think(text));
  EXPECT_FALSE(prompt_ends_inside_think("Assistant:"));
  // The completion starts inside the think block; format scores it 1 with no option set.
  RewardOptions options({}, "test");
  auto reward = make_format_reward(options);
  RewardSample sample;
  const nlohmann::json metadata = nlohmann::json::object();
  sample.metadata = &metadata;
  sample.prompt = text;
  sample.completion = "2 plus 2 is 4\n</think>\n<answer>4</answer>";
  EXPECT_EQ(reward->score({sample}).at(0), 1.0);
  sample.prompt = "User: What is 2+2? Assistant:";  // R1-Zero's text: <think> is required
  EXPECT_EQ(reward->score({sample}).at(0), 0.0);
}

TEST_F(ChatPromptTest, SftTargetsStartInsideTheThinkBlockTheTemplateOpened) {
  SftDataConfig config;
  config.path = (dir_ / "sft.jsonl").string();
  config.prompt_template = "plain";
  config.format.prompt_format = "chat";
  config.add_eos = false;
  write_rows(config.path, {{{"prompt", "What is 2+2?"},
                            {"completion", "<think>\nadd\n</think>\n\n<answer>4</answer>"}}});
  const SftDataset data = load_sft_dataset(config, *r1_tokenizer_, false, r1_template_);
  const SftExample& example = data.examples.at(0);
  const std::vector<int64_t> prompt = r1_tokenizer_->encode(
      "<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\n", false);
  const std::vector<int64_t> target =
      r1_tokenizer_->encode("add\n</think>\n\n<answer>4</answer>", false);
  ASSERT_EQ(example.prompt_length, static_cast<int64_t>(prompt.size()));
  EXPECT_EQ(std::vector<int64_t>(example.ids.begin(), example.ids.begin() + example.prompt_length),
            prompt);
  EXPECT_EQ(std::vector<int64_t>(example.ids.begin() + example.prompt_length, example.ids.end()),
            target);
}

TEST_F(ChatPromptTest, SftFromOpenR1MessagesInParquet) {
  SftDataConfig config;
  config.path = (testing::source_dir() / "tests/golden/datasets/openr1_math/data").string();
  config.format.prompt_format = "chat";
  config.messages_field = "messages";
  config.max_length = 4096;
  const SftDataset data = load_sft_dataset(config, *qwen_tokenizer_, false, qwen_template_);
  ASSERT_EQ(data.examples.size(), 5u);
  const SftExample& example = data.examples[1];  // "What is $7 \times 8$?"
  const std::string prompt =
      "<|im_start|>user\nWhat is $7 \\times 8$?<|im_end|>\n<|im_start|>assistant\n";
  const std::vector<int64_t> prompt_ids = qwen_tokenizer_->encode(prompt, false);
  ASSERT_EQ(example.prompt_length, static_cast<int64_t>(prompt_ids.size()));
  std::vector<int64_t> target = qwen_tokenizer_->encode(
      "<think>\n7 times 8 is 56.\n</think>\n\nThe answer is $\\boxed{56}$.", false);
  target.push_back(*qwen_tokenizer_->eos_id());  // add_eos: the tokenizer's <|im_end|>
  EXPECT_EQ(std::vector<int64_t>(example.ids.begin() + example.prompt_length, example.ids.end()),
            target);
}

TEST_F(ChatPromptTest, ChatWithoutATemplateOrAConversationWithoutChatIsAConfigError) {
  EXPECT_THROW(prompts(chat_config(), {{{"prompt", "Hi"}}}, *qwen_tokenizer_, nullptr),
               ConfigError);
  SftDataConfig config;
  config.path = (dir_ / "sft.jsonl").string();
  write_rows(config.path, {{{"prompt", "a"}, {"completion", "b"}}});
  config.messages_field = "messages";
  try {
    load_sft_dataset(config, *qwen_tokenizer_, false, qwen_template_);
    ADD_FAILURE() << "messages_field under prompt_format: text was accepted";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("set prompt_format: chat"), std::string::npos);
  }
  config.format.prompt_format = "chat";  // a row without the conversation names the row
  try {
    load_sft_dataset(config, *qwen_tokenizer_, false, qwen_template_);
    ADD_FAILURE() << "a row without messages was accepted";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("sft.jsonl:1: no message list 'messages'"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace r1forge
