// Preference pairs for reward models; see data/preference_dataset.h.
#include "r1forge/data/preference_dataset.h"

#include <algorithm>
#include <cstddef>

#include "r1forge/core/check.h"
#include "r1forge/data/dataset_reader.h"
#include "r1forge/data/prompt_dataset.h"

namespace r1forge {
namespace {

// A row's prompt as the model sees it (templated or rendered) and its two completions.
struct PreferenceTexts {
  std::string prompt;
  std::string chosen;
  std::string rejected;
};

const char* kind_of(const nlohmann::json& value) {
  return value.is_string() ? "a string" : value.is_array() ? "a list" : value.type_name();
}

// TRL's implicit prompt (trl.data_utils.extract_prompt): the longest common start of the two
// texts; when it ends just after a space, that space stays with the completions.
size_t implicit_prompt_length(const std::string& chosen, const std::string& rejected) {
  const size_t shorter = std::min(chosen.size(), rejected.size());
  size_t length = 0;
  while (length < shorter && chosen[length] == rejected[length]) ++length;
  if (length > 0 && length < shorter && chosen[length - 1] == ' ') --length;
  return length;
}

// The text of `turns`, which must be exactly one assistant message.
std::string assistant_content(const nlohmann::json& turns,
                              const std::string& field,
                              const std::string& where) {
  const bool one_assistant = turns.is_array() && turns.size() == 1 && turns[0].is_object() &&
                             turns[0].value("role", "") == "assistant" &&
                             turns[0].contains("content") && turns[0]["content"].is_string();
  R1F_CHECK_DATA(one_assistant, where, ": '", field,
                 "' must be one assistant message {\"role\": \"assistant\", \"content\": text} ",
                 "after the prompt turns; got ", turns.dump());
  return turns[0]["content"].get<std::string>();
}

// Standard rows: string prompt (or an implicit one) and string completions.
PreferenceTexts standard_texts(const PreferenceDataConfig& config,
                               const nlohmann::json* prompt,
                               const nlohmann::json& chosen,
                               const nlohmann::json& rejected,
                               const DatasetRow& row,
                               const ChatTemplate* chat_template) {
  PreferenceTexts texts{"", chosen.get<std::string>(), rejected.get<std::string>()};
  if (prompt) {
    R1F_CHECK_DATA(prompt->is_string(), row.location, ": '", config.prompt_field, "' is ",
                   kind_of(*prompt), " but '", config.chosen_field,
                   "' is a string; give the prompt as text (or messages with message completions)");
    texts.prompt = prompt->get<std::string>();
  } else {
    const size_t length = implicit_prompt_length(texts.chosen, texts.rejected);
    texts.prompt = texts.chosen.substr(0, length);
    texts.chosen.erase(0, length);
    texts.rejected.erase(0, length);
  }
  const std::string templated = apply_prompt_template(config.prompt_template, texts.prompt);
  if (config.format.chat()) {
    const nlohmann::json messages =
        chat_messages(texts.prompt, templated, config.format, row.location);
    texts.prompt = render_chat_prompt(chat_template, messages, config.format, row.location);
  } else {
    texts.prompt = templated;
  }
  return texts;
}

// Conversational rows: message-list prompt and one assistant message per side, or two whole
// conversations whose shared leading messages are the prompt.
PreferenceTexts conversational_texts(const PreferenceDataConfig& config,
                                     const nlohmann::json* prompt,
                                     const nlohmann::json& chosen,
                                     const nlohmann::json& rejected,
                                     const DatasetRow& row,
                                     const ChatTemplate* chat_template) {
  const std::string& where = row.location;
  R1F_CHECK_DATA(config.format.chat(), where, ": '", config.chosen_field,
                 "' is a list of messages, which only the chat template renders; set "
                 "prompt_format: chat");
  nlohmann::json prompt_messages, chosen_turns = chosen, rejected_turns = rejected;
  if (prompt) {
    R1F_CHECK_DATA(prompt->is_array(), where, ": '", config.prompt_field, "' is ", kind_of(*prompt),
                   " but '", config.chosen_field,
                   "' is a list of messages; give the prompt as messages too, or leave it out");
    prompt_messages = *prompt;
  } else {
    size_t shared = 0;
    while (shared < chosen.size() && shared < rejected.size() &&
           chosen[shared] == rejected[shared]) {
      ++shared;
    }
    R1F_CHECK_DATA(shared > 0, where, ": '", config.chosen_field, "' and '", config.rejected_field,
                   "' share no leading message, so there is no implicit prompt");
    const auto offset = static_cast<std::ptrdiff_t>(shared);
    prompt_messages = nlohmann::json(chosen.begin(), chosen.begin() + offset);
    chosen_turns = nlohmann::json(chosen.begin() + offset, chosen.end());
    rejected_turns = nlohmann::json(rejected.begin() + offset, rejected.end());
  }
  PreferenceTexts texts;
  texts.chosen = assistant_content(chosen_turns, config.chosen_field, where);
  texts.rejected = assistant_content(rejected_turns, config.rejected_field, where);
  texts.prompt =
      render_chat_prompt(chat_template, chat_messages(prompt_messages, "", config.format, where),
                         config.format, where);
  return texts;
}

PreferenceTexts row_texts(const PreferenceDataConfig& config,
                          const DatasetRow& row,
                          const ChatTemplate* chat_template) {
  const std::string& where = row.location;
  R1F_CHECK_DATA(row.value.is_object(), where, ": expected a JSON object");
  auto field = [&](const std::string& name) -> const nlohmann::json& {
    auto it = row.value.find(name);
    R1F_CHECK_DATA(it != row.value.end() && (it->is_string() || it->is_array()), where,
                   ": no field '", name, "' holding text or a list of messages");
    return *it;
  };
  const nlohmann::json& chosen = field(config.chosen_field);
  const nlohmann::json& rejected = field(config.rejected_field);
  R1F_CHECK_DATA(chosen.type() == rejected.type(), where, ": '", config.chosen_field, "' is ",
                 kind_of(chosen), " but '", config.rejected_field, "' is ", kind_of(rejected),
                 "; give both as text or both as messages");
  auto prompt_it = row.value.find(config.prompt_field);
  const nlohmann::json* prompt =
      prompt_it == row.value.end() || prompt_it->is_null() ? nullptr : &*prompt_it;
  PreferenceTexts texts =
      chosen.is_string()
          ? standard_texts(config, prompt, chosen, rejected, row, chat_template)
          : conversational_texts(config, prompt, chosen, rejected, row, chat_template);
  // As the SFT path: R1's generation prompt already opened the think block.
  if (config.format.chat() && opens_think_block(texts.prompt)) {
    texts.chosen = std::string(without_repeated_think(texts.chosen));
    texts.rejected = std::string(without_repeated_think(texts.rejected));
  }
  R1F_CHECK_DATA(!texts.chosen.empty() && !texts.rejected.empty(), where, ": the '",
                 texts.chosen.empty() ? config.chosen_field : config.rejected_field,
                 "' completion is empty after the prompt");
  R1F_CHECK_DATA(texts.chosen != texts.rejected, where, ": '", config.chosen_field, "' and '",
                 config.rejected_field,
                 "' are the same completion; a pair needs two different ones");
  return texts;
}

double row_margin(const PreferenceDataConfig& config, const DatasetRow& row) {
  auto it = row.value.find(config.margin_field);
  if (it == row.value.end() || it->is_null()) return 0.0;
  R1F_CHECK_DATA(it->is_number(), row.location, ": field '", config.margin_field,
                 "' must be a number, got ", it->dump());
  return it->get<double>();
}

// Whether the row belongs to config.aspect (always, when no aspect is asked for).
bool in_aspect(const PreferenceDataConfig& config, const DatasetRow& row) {
  if (config.aspect.empty()) return true;
  R1F_CHECK_DATA(row.value.is_object(), row.location, ": expected a JSON object");
  auto it = row.value.find(config.aspect_field);
  R1F_CHECK_DATA(it != row.value.end() && it->is_string(), row.location, ": no string field '",
                 config.aspect_field, "' for the aspect filter (aspect: ", config.aspect, ")");
  return it->get<std::string>() == config.aspect;
}

}  // namespace

PreferenceDataset load_preference_dataset(const PreferenceDataConfig& config,
                                          const Tokenizer& tokenizer,
                                          const ChatTemplate* chat_template) {
  R1F_CHECK_CONFIG(!config.path.empty(),
                   "preference data.path is empty: name a JSONL or Parquet file, folder or glob");
  apply_prompt_template(config.prompt_template, "");  // validates the template up front
  const std::optional<int64_t> eos = tokenizer.eos_id();
  R1F_CHECK_CONFIG(!config.add_eos || eos.has_value(), "preference data.add_eos is true but the ",
                   "tokenizer has no EOS token; set add_eos: false");
  DatasetReader reader(config.path);
  PreferenceDataset dataset;
  DatasetRow row;
  while (reader.next(row)) {
    if (config.max_examples > 0 &&
        static_cast<int64_t>(dataset.pairs.size()) >= config.max_examples) {
      break;
    }
    if (!in_aspect(config, row)) {
      ++dataset.filtered;
      continue;
    }
    const PreferenceTexts texts = row_texts(config, row, chat_template);
    PreferencePair pair;
    pair.line = row.number;
    pair.margin = row_margin(config, row);
    // Prompt and completion encoded apart, as load_sft_dataset does (and as a rollout is the
    // prompt's ids followed by what the policy generated); a chat prompt carries its own BOS.
    const std::vector<int64_t> prompt_ids =
        tokenizer.encode(texts.prompt, /*add_special_tokens=*/!config.format.chat());
    pair.prompt_length = static_cast<int64_t>(prompt_ids.size());
    for (auto [completion, ids] : {std::pair{&texts.chosen, &pair.chosen_ids},
                                   std::pair{&texts.rejected, &pair.rejected_ids}}) {
      *ids = prompt_ids;
      const std::vector<int64_t> target = tokenizer.encode(*completion, false);
      ids->insert(ids->end(), target.begin(), target.end());
      if (config.add_eos) ids->push_back(*eos);
    }
    const int64_t longest =
        static_cast<int64_t>(std::max(pair.chosen_ids.size(), pair.rejected_ids.size()));
    if (longest > config.max_length) {
      R1F_CHECK_DATA(config.overflow != "error", row.location, ": the pair has ", longest,
                     " tokens on its longer side, over max_length ", config.max_length,
                     " (set overflow: truncate or skip)");
      if (config.overflow == "skip" || pair.prompt_length >= config.max_length) {
        ++dataset.skipped;  // truncating would leave no completion token to score
        continue;
      }
      for (auto* ids : {&pair.chosen_ids, &pair.rejected_ids}) {
        if (static_cast<int64_t>(ids->size()) > config.max_length) ids->resize(config.max_length);
      }
      if (pair.chosen_ids == pair.rejected_ids) {
        ++dataset.skipped;  // the two sides differed only after the cut
        continue;
      }
      ++dataset.truncated;
    }
    dataset.pairs.push_back(std::move(pair));
  }
  R1F_CHECK_DATA(!dataset.pairs.empty(), config.path, ": no usable preference pairs (",
                 dataset.filtered, " rows with an aspect other than '", config.aspect, "' (",
                 config.aspect_field, "), ", dataset.skipped, " skipped as longer than max_length ",
                 config.max_length, ")");
  return dataset;
}

}  // namespace r1forge
