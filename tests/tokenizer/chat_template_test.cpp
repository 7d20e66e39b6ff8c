// Chat templates against transformers: every golden case of
// tests/golden/chat_templates/renders.json (written by scripts/chat_template_golden.py with
// transformers' render_jinja_template) must render to the identical string; plus the model
// folder loader on the Qwen3 and DeepSeek-V3 testdata folders and the loader's errors.
#include "r1forge/tokenizer/chat_template.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

fs::path golden_dir() {
  return testing::source_dir() / "tests" / "golden" / "chat_templates";
}

ChatRenderOptions options_of(const ordered_json& golden_case) {
  ChatRenderOptions options;
  options.add_generation_prompt = golden_case.at("add_generation_prompt").get<bool>();
  if (!golden_case.at("enable_thinking").is_null()) {
    options.enable_thinking = golden_case.at("enable_thinking").get<bool>();
  }
  options.extra = golden_case.at("extra");
  return options;
}

TEST(ChatTemplateGolden, EveryCaseMatchesTransformers) {
  ordered_json golden = ordered_json::parse(read_file(golden_dir() / "renders.json"));
  std::map<std::string, int> cases_per_family;
  for (const ordered_json& golden_case : golden.at("cases")) {
    std::string family = golden_case.at("family").get<std::string>();
    fs::path path = golden_dir() / (family + ".jinja");
    ChatTemplate chat_template(read_file(path), path.string());
    for (auto it = golden_case.at("special_tokens").begin();
         it != golden_case.at("special_tokens").end(); ++it) {
      chat_template.set_special_token(it.key(), it.value().get<std::string>());
    }
    std::string rendered =
        chat_template.render(golden_case.at("messages"), options_of(golden_case));
    EXPECT_EQ(rendered, golden_case.at("expected").get<std::string>())
        << family << " / " << golden_case.at("conversation").get<std::string>()
        << " add_generation_prompt=" << golden_case.at("add_generation_prompt")
        << " enable_thinking=" << golden_case.at("enable_thinking");
    ++cases_per_family[family];
  }
  // Every family of the issue is covered, each with its full set of conversations.
  for (const char* family : {"qwen2_5", "qwen3", "deepseek_r1_distill", "deepseek_v3", "llama3",
                             "llama3_1", "llama3_2"}) {
    EXPECT_GE(cases_per_family[family], 14) << family;
  }
}

// formats.md §6's conversation, with the strings written out there by hand.
TEST(ChatTemplateGolden, FormatsSpecExamples) {
  ordered_json messages = ordered_json::parse(R"([
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "<think>\nadd\n</think>\n\n4"},
    {"role": "user", "content": "And 3+3?"}])");
  ChatRenderOptions options;
  options.add_generation_prompt = true;
  ChatTemplate r1(read_file(golden_dir() / "deepseek_r1_distill.jinja"), "r1");
  r1.set_special_tokens("<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>");
  EXPECT_EQ(r1.render(messages, options),
            "<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜>\n\n4<｜end▁of▁sentence｜>"
            "<｜User｜>And 3+3?<｜Assistant｜><think>\n");
  ChatTemplate qwen3(read_file(golden_dir() / "qwen3.jinja"), "qwen3");
  options.enable_thinking = false;
  EXPECT_EQ(qwen3.render(messages, options),
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n"
            "<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

TEST(LoadChatTemplate, ReadsQwen3AndDeepSeekV3TestdataFolders) {
  ordered_json messages = ordered_json::parse(
      R"([{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}])");
  ChatRenderOptions options;
  options.add_generation_prompt = true;

  std::optional<ChatTemplate> qwen3 =
      load_chat_template(testing::testdata_dir() / "tokenizers/qwen3");
  ASSERT_TRUE(qwen3.has_value());
  EXPECT_EQ(qwen3->source(), read_file(golden_dir() / "qwen3.jinja"));
  EXPECT_EQ(qwen3->render(messages, options),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n");

  // DeepSeek-V3's bos_token is an AddedToken object in tokenizer_config.json.
  std::optional<ChatTemplate> v3 =
      load_chat_template(testing::testdata_dir() / "tokenizers/deepseek_v3");
  ASSERT_TRUE(v3.has_value());
  EXPECT_EQ(v3->render(messages, options), "<｜begin▁of▁sentence｜>S<｜User｜>Hi<｜Assistant｜>");
}

TEST(LoadChatTemplate, JinjaFileWinsAndNamedListTakesDefault) {
  testing::TempDir dir;
  EXPECT_FALSE(load_chat_template(dir.path()).has_value());  // no files at all

  atomic_write_file(dir / "tokenizer_config.json", R"({"bos_token": "<s>", "chat_template": [
      {"name": "tool_use", "template": "tools"},
      {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}"}]})");
  ordered_json messages = ordered_json::parse(R"([{"role": "user", "content": "x"}])");
  std::optional<ChatTemplate> from_list = load_chat_template(dir.path());
  ASSERT_TRUE(from_list.has_value());
  EXPECT_EQ(from_list->render(messages, {}), "<s>x");

  atomic_write_file(dir / "chat_template.jinja", "jinja file: {{ messages | length }}\n");
  std::optional<ChatTemplate> from_file = load_chat_template(dir.path());
  ASSERT_TRUE(from_file.has_value());
  EXPECT_EQ(from_file->render(messages, {}), "jinja file: 1");
}

TEST(LoadChatTemplate, BadConfigNamesFileAndKey) {
  testing::TempDir dir;
  atomic_write_file(dir / "tokenizer_config.json",
                    R"({"chat_template": [{"name": "tool_use", "template": "t"}]})");
  try {
    load_chat_template(dir.path());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("tokenizer_config.json"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("no template named \"default\" (has: tool_use)"),
              std::string::npos)
        << error.what();
  }
  atomic_write_file(dir / "tokenizer_config.json", R"({"chat_template": 5})");
  EXPECT_THROW(load_chat_template(dir.path()), ConfigError);
  // A template error names the config file and the template's own line.
  atomic_write_file(dir / "tokenizer_config.json", "{\"chat_template\": \"a\\n{{ x | nope }}\"}");
  try {
    load_chat_template(dir.path());
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("tokenizer_config.json (chat_template):2: unknown "
                        "filter 'nope'"),
              std::string::npos)
        << error.what();
  }
}

TEST(ChatTemplate, MessagesMustBeANonEmptyArrayOfObjects) {
  ChatTemplate chat_template("{{ messages[0].content }}", "t.jinja");
  EXPECT_THROW(chat_template.render(ordered_json::array(), {}), DataError);
  EXPECT_THROW(chat_template.render(ordered_json::parse(R"(["hi"])"), {}), DataError);
  EXPECT_THROW(chat_template.render(ordered_json::parse(R"({"role": "user"})"), {}), DataError);
}

// transformers drops null-valued keys and aliases reasoning fields before rendering.
TEST(ChatTemplate, NormalizesMessagesAsTransformersDoes) {
  ChatTemplate chat_template(
      "{% for m in messages %}{{ m.keys() | list }}|{{ m.reasoning_content }}|{{ m.thinking }}"
      "{% endfor %}",
      "t.jinja");
  ordered_json messages = ordered_json::parse(
      R"([{"role": "assistant", "content": "4", "reasoning": "r", "name": null}])");
  EXPECT_EQ(chat_template.render(messages, {}),
            "['thinking', 'role', 'content', 'reasoning', 'reasoning_content']|r|r");
}

}  // namespace
}  // namespace r1forge
