// `r1forge chat-template`: renders a conversation with a model folder's own chat template, as
// transformers' apply_chat_template(tokenize=False) does, and prints the text.
//
//   r1forge chat-template MODEL_FOLDER --messages FILE.json [--add-generation-prompt]
//                         [--enable-thinking true|false] [--var NAME=JSON ...]
// FILE.json holds a JSON array of {"role", "content", ...} messages (- reads standard input).
// Not here: the interpreter (r1forge/tokenizer/chat_template.h).
#include "r1forge/tokenizer/chat_template.h"

#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"

namespace r1forge::app {
namespace {

struct ChatTemplateOptions {
  std::string model_folder;
  std::string messages;
  bool add_generation_prompt = false;
  std::string enable_thinking;         // "" = not passed to the template
  std::vector<std::string> variables;  // NAME=JSON
};

void run_chat_template(const ChatTemplateOptions& options) {
  std::optional<ChatTemplate> chat_template = load_chat_template(options.model_folder);
  R1F_CHECK_CONFIG(chat_template.has_value(), options.model_folder,
                   ": no chat template (looked for chat_template.jinja and the chat_template key "
                   "of tokenizer_config.json)");
  std::string text;
  if (options.messages == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    text = read_file(options.messages);
  }
  nlohmann::ordered_json messages;
  try {
    messages = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    R1F_THROW(DataError, options.messages, ": malformed JSON: ", error.what());
  }
  ChatRenderOptions render_options;
  render_options.add_generation_prompt = options.add_generation_prompt;
  if (!options.enable_thinking.empty()) {
    R1F_CHECK_USAGE(options.enable_thinking == "true" || options.enable_thinking == "false",
                    "--enable-thinking must be true or false, got '", options.enable_thinking, "'");
    render_options.enable_thinking = options.enable_thinking == "true";
  }
  for (const std::string& variable : options.variables) {
    size_t equals = variable.find('=');
    R1F_CHECK_USAGE(equals != std::string::npos && equals > 0, "--var expects NAME=JSON, got '",
                    variable, "'");
    std::string value = variable.substr(equals + 1);
    try {
      render_options.extra[variable.substr(0, equals)] = nlohmann::ordered_json::parse(value);
    } catch (const nlohmann::json::parse_error&) {
      R1F_THROW(UsageError, "--var ", variable.substr(0, equals), ": '", value,
                "' is not JSON (quote strings: NAME='\"text\"')");
    }
  }
  std::cout << chat_template->render(messages, render_options);
  std::cout.flush();
}

CommandRegistration registration(32, [](CLI::App& root) -> CommandAction {
  auto options = std::make_shared<ChatTemplateOptions>();
  CLI::App* command = root.add_subcommand(
      "chat-template",
      "Render a JSON conversation with a model folder's chat template (as transformers' "
      "apply_chat_template(tokenize=False)) and print it");
  command
      ->add_option("model_folder", options->model_folder,
                   "model folder with chat_template.jinja or tokenizer_config.json's "
                   "chat_template")
      ->required();
  command
      ->add_option("--messages", options->messages,
                   "JSON file with an array of {\"role\", \"content\"} messages; - reads "
                   "standard input")
      ->required();
  command->add_flag("--add-generation-prompt", options->add_generation_prompt,
                    "end with the header that starts the assistant's reply");
  command->add_option("--enable-thinking", options->enable_thinking,
                      "true|false: the enable_thinking template variable (Qwen3); left "
                      "undefined when not given");
  command->add_option("--var", options->variables,
                      "NAME=JSON: another template variable, e.g. date_string='\"05 Dec 2026\"' "
                      "or tools='[...]'");
  return [options] { run_chat_template(*options); };
});

}  // namespace
}  // namespace r1forge::app
