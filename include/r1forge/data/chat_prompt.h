// Prompts through the model's chat template (`prompt_format: chat` in a data section): the
// conversation a dataset row stands for, rendered with the generation prompt as transformers'
// apply_chat_template(add_generation_prompt=True) does, and the one R1 quirk datasets must
// handle: DeepSeek-R1(-Distill)'s generation prompt ends inside an opened <think> block, so a
// completion written with its own leading <think> would teach the model to open it twice.
// Not here: the template interpreter (tokenizer/chat_template.h), what a row means
// (prompt_dataset.h, sft_dataset.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/tokenizer/chat_template.h"

namespace r1forge {

// The keys every data section that renders prompts shares (YAML: flat beside prompt_template).
struct PromptFormat {
  // text: the prompt template's text is the model's input (R1-Zero's plain-text template) |
  // chat: that text is the user turn of the model folder's chat template
  std::string prompt_format = "text";
  std::string system_prompt;                // chat: a system turn first when non-empty
  std::string enable_thinking = "default";  // chat: default (not passed) | true | false (Qwen3)

  bool operator==(const PromptFormat&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("prompt_format", prompt_format,
            "text (the template's text as is) | chat (the model's chat template)",
            OneOf{"text", "chat"});
    v.field("system_prompt", system_prompt, "chat: a system turn first; empty = none");
    v.field("enable_thinking", enable_thinking,
            "chat: the template's enable_thinking: default (unset) | true | false",
            OneOf{"default", "true", "false"});
  }
  bool chat() const { return prompt_format == "chat"; }
};

// The messages a row's prompt stands for: [system?, user: user_text] for a string prompt, or
// the row's own list of {role, content} messages (verl's layout; a system turn is added in
// front when system_prompt is set and the list has none). DataError naming `where` for a list
// that is not messages.
nlohmann::json chat_messages(const nlohmann::json& prompt_value,
                             const std::string& user_text,
                             const PromptFormat& format,
                             const std::string& where);

// The generation prompt's text for those messages. ConfigError naming `where` when the model
// has no chat template.
std::string render_chat_prompt(const ChatTemplate* chat_template,
                               const nlohmann::json& messages,
                               const PromptFormat& format,
                               const std::string& where);

// Whether a rendered prompt ends inside an opened think block (R1's "<｜Assistant｜><think>\n").
bool opens_think_block(std::string_view prompt_text);
// `completion` without a leading "<think>" (and the newline after it) that the prompt already
// opened; unchanged otherwise.
std::string_view without_repeated_think(std::string_view completion);

// The content of the last user message of a message list ("" when none).
std::string last_user_content(const nlohmann::json& messages);

}  // namespace r1forge
