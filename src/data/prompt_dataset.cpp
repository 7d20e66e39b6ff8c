// Prompt datasets and the epoch sampler; see data/prompt_dataset.h.
#include "r1forge/data/prompt_dataset.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/data/dataset_reader.h"

namespace r1forge {

const char* const kR1ZeroTemplate =
    "A conversation between User and Assistant. The user asks a question, and the Assistant "
    "solves it. The assistant first thinks about the reasoning process in the mind and then "
    "provides the user with the answer. The reasoning process and answer are enclosed within "
    "<think> </think> and <answer> </answer> tags, respectively, i.e., <think> reasoning "
    "process here </think> <answer> answer here </answer>. User: {prompt}. Assistant:";

std::string apply_prompt_template(const std::string& prompt_template, const std::string& prompt) {
  if (prompt_template == "plain") return prompt;
  const std::string text = prompt_template == "r1_zero" ? kR1ZeroTemplate : prompt_template;
  const std::string placeholder = "{prompt}";
  const size_t at = text.find(placeholder);
  R1F_CHECK_CONFIG(at != std::string::npos, "prompt_template must be r1_zero, plain or a text ",
                   "containing {prompt}; got '", prompt_template, "'");
  return text.substr(0, at) + prompt + text.substr(at + placeholder.size());
}

PromptDataset load_prompt_dataset(const PromptDataConfig& config,
                                  const Tokenizer& tokenizer,
                                  const ChatTemplate* chat_template) {
  R1F_CHECK_CONFIG(!config.path.empty(),
                   "data.path is empty: name a JSONL or Parquet file, folder or glob of prompts");
  apply_prompt_template(config.prompt_template, "");  // validates the template up front
  PromptDataset dataset;
  DatasetReader reader(config.path);
  DatasetRow line;
  while (reader.next(line)) {
    if (config.max_prompts > 0 && static_cast<int64_t>(dataset.rows.size()) >= config.max_prompts) {
      break;
    }
    const std::string& where = line.location;
    R1F_CHECK_DATA(line.value.is_object(), where, ": expected a JSON object");
    auto field = line.value.find(config.prompt_field);
    R1F_CHECK_DATA(field != line.value.end(), where, ": no field '", config.prompt_field,
                   "' (data.prompt_field)");
    const bool message_list = config.format.chat() && field->is_array();
    R1F_CHECK_DATA(field->is_string() || message_list, where, ": field '", config.prompt_field,
                   "' must be a string", config.format.chat() ? " or a message list" : "",
                   ", found ", field->type_name());
    PromptRow row;
    if (config.format.chat()) {
      const nlohmann::json messages = chat_messages(
          *field,
          message_list ? ""
                       : apply_prompt_template(config.prompt_template, field->get<std::string>()),
          config.format, where);
      row.question = message_list ? last_user_content(messages) : field->get<std::string>();
      row.text = render_chat_prompt(chat_template, messages, config.format, where);
      row.ids = tokenizer.encode(row.text, /*add_special_tokens=*/false);  // the template's BOS
    } else {
      row.question = field->get<std::string>();
      row.text = apply_prompt_template(config.prompt_template, row.question);
      row.ids = tokenizer.encode(row.text, /*add_special_tokens=*/true);
    }
    R1F_CHECK_DATA(!row.ids.empty(), where, ": the prompt encodes to no tokens");
    const int64_t length = static_cast<int64_t>(row.ids.size());
    if (length > config.max_prompt_length) {
      if (config.prompt_overflow == "skip") {
        ++dataset.skipped_too_long;
        continue;
      }
      R1F_CHECK_DATA(config.prompt_overflow == "truncate_left", where, ": the prompt has ", length,
                     " tokens, over max_prompt_length ", config.max_prompt_length,
                     " (set prompt_overflow to truncate_left or skip to allow it)");
      // Keep the end: the question and the template's cue ("Assistant:") sit there.
      row.ids.erase(row.ids.begin(), row.ids.end() - config.max_prompt_length);
      row.text = tokenizer.decode(row.ids, /*skip_special_tokens=*/true);
      ++dataset.truncated;
    }
    row.metadata = std::move(line.value);
    row.line = line.number;
    dataset.rows.push_back(std::move(row));
  }
  R1F_CHECK_DATA(!dataset.rows.empty(), config.path, ": no usable prompts (",
                 dataset.skipped_too_long, " skipped as longer than max_prompt_length)");
  if (dataset.skipped_too_long || dataset.truncated) {
    R1F_LOG_WARN(config.path, ": ", dataset.skipped_too_long, " prompts skipped and ",
                 dataset.truncated, " truncated (max_prompt_length ", config.max_prompt_length,
                 ")");
  }
  return dataset;
}

PromptSampler::PromptSampler(int64_t size, bool shuffle, uint64_t seed)
    : size_(size), shuffle_(shuffle), seed_(seed) {
  R1F_CHECK(size > 0, "PromptSampler needs at least one prompt");
  start_epoch();
}

void PromptSampler::start_epoch() {
  order_.resize(size_);
  std::iota(order_.begin(), order_.end(), 0);
  if (shuffle_) {
    // Fisher-Yates with SplitMix64 draws: the permutation depends only on (seed, epoch), not
    // on the standard library's distribution implementation.
    uint64_t state = derive_seed(seed_, "prompt-order", {static_cast<uint64_t>(epoch_)});
    for (int64_t i = size_ - 1; i > 0; --i) {
      state = splitmix64(state);
      std::swap(order_[i], order_[state % static_cast<uint64_t>(i + 1)]);
    }
  }
  position_ = 0;
}

void PromptSampler::restore(int64_t epoch, int64_t position) {
  R1F_CHECK_DATA(epoch >= 0 && position >= 0 && position <= size_, "sampler state (epoch ", epoch,
                 ", position ", position, ") does not fit a dataset of ", size_, " rows");
  epoch_ = epoch;
  start_epoch();
  position_ = position;
}

std::vector<int64_t> PromptSampler::next(int64_t count) {
  std::vector<int64_t> indices;
  indices.reserve(count);
  while (static_cast<int64_t>(indices.size()) < count) {
    if (position_ == size_) {
      ++epoch_;
      start_epoch();
    }
    indices.push_back(order_[position_++]);
  }
  return indices;
}

}  // namespace r1forge
