// Chat templates: transformers' apply_chat_template inputs around the Jinja interpreter, and the
// model-folder loader; see include/r1forge/tokenizer/chat_template.h.
#include "r1forge/tokenizer/chat_template.h"

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/tokenizer/jinja_interpreter.h"
#include "r1forge/tokenizer/jinja_parser.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

namespace {

using nlohmann::ordered_json;

// The names a message's reasoning may come under; transformers fills the first and "thinking"
// from whichever is set (chat_template_utils._alias_reasoning_fields).
constexpr const char* kReasoningFields[] = {"reasoning_content", "thinking", "reasoning"};

// One message as transformers hands it to the template: keys with null values dropped
// (_normalize_chat_messages), reasoning aliased as {"thinking": r, **message,
// "reasoning_content": r}.
jinja::Value normalize_message(const ordered_json& message, const std::string& origin, size_t i) {
  R1F_CHECK_DATA(message.is_object(), origin, ": message ", i,
                 " must be a JSON object with role and content, got ", message.dump());
  jinja::ValueDict fields;
  for (auto it = message.begin(); it != message.end(); ++it) {
    if (!it.value().is_null()) fields.emplace_back(it.key(), jinja::Value::from_json(it.value()));
  }
  const jinja::Value* reasoning = nullptr;
  for (const char* name : kReasoningFields) {
    for (const auto& [key, value] : fields) {
      if (key == name && reasoning == nullptr) reasoning = &value;
    }
  }
  if (reasoning == nullptr) return jinja::Value::dict(std::move(fields));
  jinja::Value reasoning_value = *reasoning;
  auto set_field = [](jinja::ValueDict& dict, const std::string& key, const jinja::Value& value) {
    for (auto& item : dict) {
      if (item.first == key) {
        item.second = value;
        return;
      }
    }
    dict.emplace_back(key, value);
  };
  jinja::ValueDict aliased = {{"thinking", reasoning_value}};
  for (const auto& [key, value] : fields) set_field(aliased, key, value);
  set_field(aliased, "reasoning_content", reasoning_value);
  return jinja::Value::dict(std::move(aliased));
}

void set_variable(jinja::ValueDict& variables, const std::string& name, jinja::Value value) {
  for (auto& item : variables) {
    if (item.first == name) {
      item.second = std::move(value);
      return;
    }
  }
  variables.emplace_back(name, std::move(value));
}

}  // namespace

ChatTemplate::ChatTemplate(std::string source_text, std::string origin)
    : source_(std::move(source_text)), origin_(std::move(origin)) {
  parsed_ = std::make_shared<const jinja::Template>(jinja::parse_template(source_, origin_));
}

void ChatTemplate::set_special_tokens(std::string bos_token, std::string eos_token) {
  set_special_token("bos_token", std::move(bos_token));
  set_special_token("eos_token", std::move(eos_token));
}

void ChatTemplate::set_special_token(const std::string& name, std::string content) {
  for (auto it = special_tokens_.begin(); it != special_tokens_.end(); ++it) {
    if (it->first == name) {
      special_tokens_.erase(it);
      break;
    }
  }
  if (!content.empty()) special_tokens_.emplace_back(name, std::move(content));
}

std::string ChatTemplate::render(const nlohmann::json& messages,
                                 const ChatRenderOptions& options) const {
  return render(ordered_json(messages), options);
}

std::string ChatTemplate::render(const ordered_json& messages,
                                 const ChatRenderOptions& options) const {
  R1F_CHECK_DATA(messages.is_array() && !messages.empty(), origin_,
                 ": the conversation must be a non-empty JSON array of messages, got ",
                 messages.dump().substr(0, 200));
  R1F_CHECK_CONFIG(options.extra.is_object(), origin_,
                   ": extra template variables must be a JSON object, got ", options.extra.dump());
  jinja::ValueList normalized;
  for (size_t i = 0; i < messages.size(); ++i) {
    normalized.push_back(normalize_message(messages[i], origin_, i));
  }
  // The keyword arguments of transformers' compiled_template.render(...), in its order: later
  // ones win, so extra variables override special tokens as kwargs do there.
  jinja::ValueDict variables;
  set_variable(variables, "messages", jinja::Value::list(std::move(normalized)));
  set_variable(variables, "tools", jinja::Value::none());
  set_variable(variables, "documents", jinja::Value::none());
  set_variable(variables, "add_generation_prompt",
               jinja::Value::boolean(options.add_generation_prompt));
  for (const auto& [name, content] : special_tokens_) {
    set_variable(variables, name, jinja::Value::string(content));
  }
  if (options.enable_thinking.has_value()) {
    set_variable(variables, "enable_thinking", jinja::Value::boolean(*options.enable_thinking));
  }
  for (auto it = options.extra.begin(); it != options.extra.end(); ++it) {
    set_variable(variables, it.key(), jinja::Value::from_json(it.value()));
  }
  return jinja::render_template(*parsed_, variables);
}

std::optional<ChatTemplate> load_chat_template(const std::filesystem::path& model_folder) {
  const std::filesystem::path config_path = model_folder / "tokenizer_config.json";
  const std::filesystem::path jinja_path = model_folder / "chat_template.jinja";
  std::optional<std::string> source;
  std::string origin;
  if (std::filesystem::is_regular_file(jinja_path)) {
    source = read_file(jinja_path);
    origin = jinja_path.string();
  }
  std::optional<TokenizerConfigFile> config;
  if (std::filesystem::is_regular_file(config_path)) {
    config = read_tokenizer_config(config_path);
    if (!source.has_value()) {
      nlohmann::json root;
      try {
        root = nlohmann::json::parse(read_file(config_path));
      } catch (const nlohmann::json::parse_error& error) {
        R1F_THROW(ConfigError, config_path, ": malformed JSON: ", error.what());
      }
      auto entry = root.find("chat_template");
      if (entry != root.end() && !entry->is_null()) {
        origin = config_path.string() + " (chat_template)";
        if (entry->is_string()) {
          source = entry->get<std::string>();
        } else {
          R1F_CHECK_CONFIG(entry->is_array(), config_path,
                           ": key chat_template must be a string or a list of {name, template}");
          std::string names;
          for (const auto& named : *entry) {
            R1F_CHECK_CONFIG(named.is_object() && named.contains("name") &&
                                 named["name"].is_string() && named.contains("template") &&
                                 named["template"].is_string(),
                             config_path, ": key chat_template: each item must be ",
                             "{\"name\": string, \"template\": string}, got ", named.dump());
            names += (names.empty() ? "" : ", ") + named["name"].get<std::string>();
            if (named["name"] == "default") source = named["template"].get<std::string>();
          }
          R1F_CHECK_CONFIG(source.has_value(), config_path,
                           ": key chat_template has no template named \"default\" (has: ", names,
                           ")");
          origin = config_path.string() + " (chat_template \"default\")";
        }
      }
    }
  }
  if (!source.has_value()) return std::nullopt;
  ChatTemplate chat_template(std::move(*source), origin);
  if (config.has_value()) {
    const std::pair<const char*, const TokenSetting*> tokens[] = {
        {"bos_token", &config->bos_token},
        {"eos_token", &config->eos_token},
        {"unk_token", &config->unk_token},
        {"pad_token", &config->pad_token}};
    for (const auto& [name, setting] : tokens) {
      if (setting->content.has_value()) chat_template.set_special_token(name, *setting->content);
    }
  }
  return chat_template;
}

}  // namespace r1forge
