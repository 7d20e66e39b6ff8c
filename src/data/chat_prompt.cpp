// Chat-template prompts for datasets; see data/chat_prompt.h.
#include "r1forge/data/chat_prompt.h"

#include "r1forge/core/check.h"

namespace r1forge {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

nlohmann::json chat_messages(const nlohmann::json& prompt_value,
                             const std::string& user_text,
                             const PromptFormat& format,
                             const std::string& where) {
  nlohmann::json messages = nlohmann::json::array();
  const bool has_system = prompt_value.is_array() && !prompt_value.empty() &&
                          prompt_value[0].is_object() &&
                          prompt_value[0].value("role", "") == "system";
  if (!format.system_prompt.empty() && !has_system) {
    messages.push_back({{"role", "system"}, {"content", format.system_prompt}});
  }
  if (!prompt_value.is_array()) {
    messages.push_back({{"role", "user"}, {"content", user_text}});
    return messages;
  }
  R1F_CHECK_DATA(!prompt_value.empty(), where, ": the prompt is an empty message list");
  for (const auto& message : prompt_value) {
    R1F_CHECK_DATA(message.is_object() && message.contains("role") && message["role"].is_string() &&
                       message.contains("content"),
                   where, ": a prompt message list needs {\"role\", \"content\"} objects, got ",
                   message.dump());
    messages.push_back(message);
  }
  return messages;
}

std::string render_chat_prompt(const ChatTemplate* chat_template,
                               const nlohmann::json& messages,
                               const PromptFormat& format,
                               const std::string& where) {
  R1F_CHECK_CONFIG(chat_template != nullptr, where,
                   ": prompt_format is chat but the model's tokenizer folder has no chat template "
                   "(tokenizer_config.json chat_template or chat_template.jinja)");
  ChatRenderOptions options;
  options.add_generation_prompt = true;
  if (format.enable_thinking != "default") {
    options.enable_thinking = format.enable_thinking == "true";
  }
  return chat_template->render(messages, options);
}

bool opens_think_block(std::string_view prompt_text) {
  const std::string_view text = trim_right(prompt_text);
  constexpr std::string_view open = "<think>";
  return text.size() >= open.size() && text.substr(text.size() - open.size()) == open;
}

std::string_view without_repeated_think(std::string_view completion) {
  std::string_view rest = completion;
  while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);
  constexpr std::string_view open = "<think>";
  if (rest.substr(0, open.size()) != open) return completion;
  rest.remove_prefix(open.size());
  if (!rest.empty() && rest.front() == '\n') rest.remove_prefix(1);
  return rest;
}

std::string last_user_content(const nlohmann::json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->value("role", "") == "user" && (*it)["content"].is_string()) {
      return (*it)["content"].get<std::string>();
    }
  }
  return "";
}

}  // namespace r1forge
