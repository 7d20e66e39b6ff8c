// SFT examples, held-out split, packing and batches; see data/sft_dataset.h.
#include "r1forge/data/sft_dataset.h"

#include <algorithm>
#include <numeric>

#include "r1forge/core/check.h"
#include "r1forge/data/dataset_reader.h"
#include "r1forge/data/prompt_dataset.h"

namespace r1forge {

int64_t SftDataset::tokens() const {
  int64_t total = 0;
  for (const auto& example : examples) total += static_cast<int64_t>(example.ids.size());
  return total;
}

namespace {

const std::string& string_field(const DatasetRow& line, const std::string& field) {
  R1F_CHECK_DATA(line.value.is_object(), line.location, ": expected a JSON object");
  auto it = line.value.find(field);
  R1F_CHECK_DATA(it != line.value.end() && it->is_string(), line.location, ": no string field '",
                 field, "'");
  return it->get_ref<const std::string&>();
}

struct PromptCompletion {
  std::string prompt;      // the text before the completion
  std::string completion;  // the target text
};

// A chat row: [system?, user: the templated prompt] or the messages_field conversation up to
// its last assistant turn, rendered with the generation prompt; the completion is that last
// assistant turn (or completion_field). A completion that opens the think block the
// generation prompt already opened (R1's template) loses its own "<think>".
PromptCompletion chat_prompt_completion(const SftDataConfig& config,
                                        const DatasetRow& line,
                                        const ChatTemplate* chat_template) {
  nlohmann::json messages;
  std::string completion;
  if (config.messages_field.empty()) {
    const std::string& question = string_field(line, config.prompt_field);
    messages = chat_messages(question, apply_prompt_template(config.prompt_template, question),
                             config.format, line.location);
    completion = string_field(line, config.completion_field);
  } else {
    auto it = line.value.find(config.messages_field);
    R1F_CHECK_DATA(it != line.value.end() && it->is_array(), line.location, ": no message list '",
                   config.messages_field, "' (data.messages_field)");
    auto is_assistant = [](const nlohmann::json& turn) {
      return turn.is_object() && turn.value("role", "") == "assistant";
    };
    size_t last = it->size();
    while (last > 0 && !is_assistant((*it)[last - 1])) --last;
    const bool found = last > 1;  // an assistant turn with a prompt turn before it
    const nlohmann::json* content = found ? &(*it)[last - 1] : nullptr;
    R1F_CHECK_DATA(content && content->contains("content") && (*content)["content"].is_string(),
                   line.location, ": '", config.messages_field,
                   "' has no assistant turn with text content after a prompt turn");
    completion = (*content)["content"].get<std::string>();
    const nlohmann::json before(it->begin(), it->begin() + static_cast<int64_t>(last - 1));
    messages = chat_messages(before, "", config.format, line.location);
  }
  std::string prompt = render_chat_prompt(chat_template, messages, config.format, line.location);
  if (opens_think_block(prompt)) completion = std::string(without_repeated_think(completion));
  return {std::move(prompt), std::move(completion)};
}

}  // namespace

SftDataset load_sft_dataset(const SftDataConfig& config,
                            const Tokenizer& tokenizer,
                            bool text_rows,
                            const ChatTemplate* chat_template) {
  R1F_CHECK_CONFIG(!config.path.empty(),
                   "sft data.path is empty: name a JSONL or Parquet file, folder or glob");
  R1F_CHECK_CONFIG(config.messages_field.empty() || config.format.chat(),
                   "sft data.messages_field is set but prompt_format is text; a conversation is "
                   "rendered through the chat template: set prompt_format: chat");
  DatasetReader reader(config.path);
  SftDataset dataset;
  const std::optional<int64_t> eos = tokenizer.eos_id();
  R1F_CHECK_CONFIG(!config.add_eos || eos.has_value(), "sft data.add_eos is true but the tokenizer",
                   " has no EOS token; set add_eos: false");
  DatasetRow line;
  while (reader.next(line)) {
    if (config.max_examples > 0 &&
        static_cast<int64_t>(dataset.examples.size()) >= config.max_examples) {
      break;
    }
    SftExample example;
    example.line = line.number;
    if (text_rows) {
      example.ids = tokenizer.encode(string_field(line, config.text_field), true);
    } else {
      PromptCompletion pair =
          config.format.chat()
              ? chat_prompt_completion(config, line, chat_template)
              : PromptCompletion{apply_prompt_template(config.prompt_template,
                                                       string_field(line, config.prompt_field)),
                                 string_field(line, config.completion_field)};
      R1F_CHECK_DATA(!pair.completion.empty(), line.location, ": the completion is empty");
      // Prompt and completion are encoded apart, as GRPO sees them: the prompt's ids are the
      // rollout's prefix and the completion's are what the policy generates after it. A chat
      // prompt carries its own BOS (formats.md §4.6).
      example.ids = tokenizer.encode(pair.prompt, /*add_special_tokens=*/!config.format.chat());
      example.prompt_length = static_cast<int64_t>(example.ids.size());
      std::vector<int64_t> target = tokenizer.encode(pair.completion, /*add_special_tokens=*/false);
      example.ids.insert(example.ids.end(), target.begin(), target.end());
    }
    if (config.add_eos) example.ids.push_back(*eos);
    const int64_t length = static_cast<int64_t>(example.ids.size());
    R1F_CHECK_DATA(length >= 2, line.location, ": the example encodes to ", length,
                   " token(s); at least 2 are needed to predict anything");
    if (length > config.max_length) {
      R1F_CHECK_DATA(config.overflow != "error", line.location, ": the example has ", length,
                     " tokens, over max_length ", config.max_length,
                     " (set overflow: truncate or skip)");
      if (config.overflow == "skip" || example.prompt_length >= config.max_length - 1) {
        ++dataset.skipped;  // truncating would leave no completion token to learn from
        continue;
      }
      example.ids.resize(config.max_length);
      ++dataset.truncated;
    }
    dataset.examples.push_back(std::move(example));
  }
  R1F_CHECK_DATA(!dataset.examples.empty(), config.path, ": no usable examples (", dataset.skipped,
                 " skipped as longer than max_length ", config.max_length, ")");
  return dataset;
}

SftDataset split_held_out(SftDataset& dataset, double fraction) {
  SftDataset held_out;
  if (fraction <= 0.0) return held_out;
  const int64_t total = static_cast<int64_t>(dataset.examples.size());
  int64_t count = std::max<int64_t>(1, static_cast<int64_t>(fraction * static_cast<double>(total)));
  R1F_CHECK_CONFIG(count < total, "held-out fraction ", fraction, " of ", total,
                   " examples leaves nothing to train on");
  held_out.examples.assign(dataset.examples.end() - count, dataset.examples.end());
  dataset.examples.resize(total - count);
  return held_out;
}

std::vector<std::vector<int64_t>> pack_first_fit_decreasing(const std::vector<SftExample>& examples,
                                                            int64_t capacity) {
  std::vector<int64_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return examples[a].ids.size() > examples[b].ids.size();
  });
  std::vector<std::vector<int64_t>> bins;
  std::vector<int64_t> free_space;
  for (int64_t index : order) {
    const int64_t length = static_cast<int64_t>(examples[index].ids.size());
    R1F_CHECK(length <= capacity, "example of ", length, " tokens exceeds the packing capacity ",
              capacity);
    // First fit: bins are few (tokens / capacity), so a linear scan is cheaper than a tree.
    size_t bin = 0;
    while (bin < bins.size() && free_space[bin] < length) ++bin;
    if (bin == bins.size()) {
      bins.emplace_back();
      free_space.push_back(capacity);
    }
    bins[bin].push_back(index);
    free_space[bin] -= length;
  }
  return bins;
}

SftBatch make_sft_batch(const std::vector<SftExample>& examples,
                        const std::vector<std::vector<int64_t>>& rows,
                        int64_t pad_id,
                        bool completion_only,
                        bool packed) {
  const int64_t count = static_cast<int64_t>(rows.size());
  int64_t width = 0;
  for (const auto& row : rows) {
    int64_t length = 0;
    for (int64_t index : row) length += static_cast<int64_t>(examples[index].ids.size());
    width = std::max(width, length);
  }
  std::vector<int64_t> ids(count * width, pad_id), targets(count * width, pad_id);
  std::vector<int64_t> positions(count * width, 0), segments(count * width, 0);
  std::vector<uint8_t> mask(count * width, 0);
  int64_t target_tokens = 0;
  for (int64_t n = 0; n < count; ++n) {
    R1F_CHECK(packed || rows[n].size() == 1, "an unpacked row holds exactly one example");
    int64_t offset = n * width;
    for (size_t s = 0; s < rows[n].size(); ++s) {
      const SftExample& example = examples[rows[n][s]];
      const int64_t length = static_cast<int64_t>(example.ids.size());
      const int64_t first_target =
          completion_only ? std::max<int64_t>(example.prompt_length, 1) : 1;
      for (int64_t t = 0; t < length; ++t) {
        ids[offset + t] = example.ids[t];
        positions[offset + t] = t;
        segments[offset + t] = static_cast<int64_t>(s) + 1;
        // Position t predicts token t + 1 of the same example, never the next example's first.
        if (t + 1 < length) {
          targets[offset + t] = example.ids[t + 1];
          if (t + 1 >= first_target) {
            mask[offset + t] = 1;
            ++target_tokens;
          }
        }
      }
      offset += length;
    }
    for (int64_t t = offset - n * width; t < width; ++t) positions[n * width + t] = t;
  }
  auto make = [&](std::vector<int64_t>& values) {
    return at::tensor(values, at::kLong).view({count, width});
  };
  SftBatch batch;
  batch.input_ids = make(ids);
  batch.targets = make(targets);
  batch.positions = make(positions);
  batch.loss_mask = at::tensor(mask, at::kByte).view({count, width}).to(at::kBool);
  if (packed) batch.segment_ids = make(segments);
  batch.target_tokens = target_tokens;
  return batch;
}

}  // namespace r1forge
