// Chat templates as shipped with HF models: the template's Jinja text run by r1forge's own
// Jinja interpreter (jinja_*.h) exactly as transformers' apply_chat_template(tokenize=False)
// renders it: messages with null-valued keys dropped and reasoning_content/thinking/reasoning
// aliased, tools and documents none, add_generation_prompt, the tokenizer's special tokens
// (bos_token, eos_token, unk_token, pad_token), then enable_thinking and any extra variables.
// Tested against transformers' renders for Qwen2.5, Qwen3, DeepSeek-R1(-Distill), DeepSeek-V3
// and Llama-3/3.1/3.2 (tests/golden/chat_templates/).
// Not here: tokenizing the rendered text (encode it with add_special_tokens=false: the template
// already wrote the BOS, formats.md §4.6), wiring templates into datasets or configs.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace r1forge {

namespace jinja {
struct Template;
}

struct ChatRenderOptions {
  bool add_generation_prompt = false;   // end with the header that starts an assistant turn
  std::optional<bool> enable_thinking;  // the template variable when set (Qwen3); absent otherwise
  // More template variables (tools, date_string, ...). Ordered so `tools | tojson` keeps the
  // caller's key order, as Python's dicts do.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
};

class ChatTemplate {
 public:
  // Parses once; ConfigError "<origin>:<line>: ..." for a syntax error or an unknown
  // tag/filter/test.
  ChatTemplate(std::string source_text, std::string origin);

  // messages: a non-empty JSON array of {"role", "content", ...} objects. ConfigError naming
  // origin:line when the template fails on them (an unknown method, a type error); DataError
  // naming origin:line for the template's own raise_exception(msg), and for messages that are
  // not a non-empty array of objects. The ordered_json overload keeps key order for tojson.
  std::string render(const nlohmann::ordered_json& messages,
                     const ChatRenderOptions& options) const;
  std::string render(const nlohmann::json& messages, const ChatRenderOptions& options) const;

  // The bos_token/eos_token template variables; an empty string leaves the variable undefined
  // (as transformers leaves out a token the tokenizer does not have).
  void set_special_tokens(std::string bos_token, std::string eos_token);
  // Any special-token variable (bos_token, eos_token, unk_token, pad_token, ...).
  void set_special_token(const std::string& name, std::string content);

  const std::string& source() const { return source_; }
  const std::string& origin() const { return origin_; }

 private:
  std::string source_;
  std::string origin_;
  std::shared_ptr<const jinja::Template> parsed_;
  std::vector<std::pair<std::string, std::string>> special_tokens_;
};

// A model folder's template, as transformers finds it: chat_template.jinja in the folder (newer
// transformers; it takes priority), else tokenizer_config.json's "chat_template" (a string, or
// a list of {"name", "template"} from which "default" is taken). Special tokens come from
// tokenizer_config.json. nullopt when the folder has neither; ConfigError naming the file and
// key for a malformed one.
std::optional<ChatTemplate> load_chat_template(const std::filesystem::path& model_folder);

}  // namespace r1forge
