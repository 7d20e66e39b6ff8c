// The real tokenizers and chat templates the data tests render prompts with: Qwen3's, and
// DeepSeek-V3's tokenizer with R1-Distill's template (formats.md §6.3) as chat_template.jinja,
// whose generation prompt opens <think>. Loaded once per test binary (Qwen3's tokenizer.json
// takes a second or two) and shared by the test suites that need them.
#pragma once

#include <filesystem>
#include <memory>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/chat_template.h"
#include "r1forge/tokenizer/tokenizer.h"
#include "test_util.h"

namespace r1forge::testing {

struct ChatTokenizers {
  std::unique_ptr<Tokenizer> qwen_tokenizer;
  std::unique_ptr<ChatTemplate> qwen_template;
  TempDir r1_folder;  // DeepSeek-V3's tokenizer files with R1-Distill's template
  std::unique_ptr<Tokenizer> r1_tokenizer;
  std::unique_ptr<ChatTemplate> r1_template;
};

// IoError naming the folder when the shared test data are missing.
inline const ChatTokenizers& chat_tokenizers() {
  namespace fs = std::filesystem;
  static ChatTokenizers shared;
  static const bool loaded = [] {
    const fs::path qwen = testdata_dir() / "tokenizers" / "qwen3";
    R1F_CHECK_IO(fs::exists(qwen / "tokenizer.json"), "missing shared test data ", qwen.string());
    shared.qwen_tokenizer = load_tokenizer(qwen);
    shared.qwen_template = std::make_unique<ChatTemplate>(*load_chat_template(qwen));
    const fs::path deepseek = testdata_dir() / "tokenizers" / "deepseek_v3";
    for (const char* name : {"tokenizer.json", "tokenizer_config.json"}) {
      fs::copy_file(deepseek / name, shared.r1_folder / name);
    }
    fs::copy_file(source_dir() / "tests/golden/chat_templates/deepseek_r1_distill.jinja",
                  shared.r1_folder / "chat_template.jinja");
    shared.r1_tokenizer = load_tokenizer(shared.r1_folder.path());
    shared.r1_template =
        std::make_unique<ChatTemplate>(*load_chat_template(shared.r1_folder.path()));
    return true;
  }();
  (void)loaded;
  return shared;
}

}  // namespace r1forge::testing
