// `r1forge logprobs`: log p of each completion token given its prompt, per JSONL line — the
// trainer's view of a sequence (the sampler's log-probs must equal it; see sampling/).
//
// Input lines: {"prompt_ids":[..],"completion_ids":[..]} or {"prompt":"..","completion":".."}
// (text needs tokenizer files in the model folder; the prompt is encoded with the tokenizer's
// special tokens, e.g. a BOS, the completion without). Output lines, in input order:
// {"completion_logprobs":[..]} in nats. Rows are batched right-padded, where causal attention
// alone keeps real tokens from seeing padding.
#include "r1forge/rl/logprobs.h"

#include <filesystem>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/core/threads.h"
#include "r1forge/core/timer.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge::app {
namespace {

struct LogprobsOptions {
  std::string model;
  std::string input = "-";
  std::string output = "-";
  int64_t batch_size = 8;
  int64_t threads = 0;
  std::string dtype = "float32";
};

struct Request {
  std::vector<int64_t> prompt;
  std::vector<int64_t> completion;
};

class RequestParser {
 public:
  RequestParser(std::filesystem::path model_folder, int64_t vocab_size)
      : model_folder_(std::move(model_folder)), vocab_size_(vocab_size) {}

  Request parse(const JsonlLine& line, const std::string& where) {
    const auto& value = line.value;
    R1F_CHECK_DATA(value.is_object(), where, ": expected a JSON object");
    Request request;
    if (value.contains("prompt_ids") || value.contains("completion_ids")) {
      request.prompt = ids(value, "prompt_ids", where);
      request.completion = ids(value, "completion_ids", where);
    } else if (value.contains("prompt") || value.contains("completion")) {
      const Tokenizer& tokenizer = get_tokenizer(where);
      request.prompt = tokenizer.encode(text(value, "prompt", where), /*add_special_tokens=*/true);
      request.completion =
          tokenizer.encode(text(value, "completion", where), /*add_special_tokens=*/false);
    } else {
      R1F_THROW(DataError, where,
                ": expected prompt_ids and completion_ids, or prompt and completion");
    }
    R1F_CHECK_DATA(!request.prompt.empty() || request.completion.empty(), where,
                   ": the prompt is empty; the first completion token needs at least one "
                   "prompt token (e.g. a BOS) to be conditioned on");
    return request;
  }

 private:
  std::vector<int64_t> ids(const nlohmann::json& value,
                           const char* key,
                           const std::string& where) const {
    auto it = value.find(key);
    R1F_CHECK_DATA(it != value.end(), where, ": key '", key, "' is missing");
    R1F_CHECK_DATA(it->is_array(), where, ": '", key, "' must be a list of token ids");
    std::vector<int64_t> result;
    for (const auto& id : *it) {
      R1F_CHECK_DATA(id.is_number_integer(), where, ": '", key, "' holds ", id.dump(),
                     ", not an integer token id");
      int64_t token = id.get<int64_t>();
      R1F_CHECK_DATA(token >= 0 && token < vocab_size_, where, ": token id ", token, " in '", key,
                     "' is outside the model's vocabulary [0, ", vocab_size_, ")");
      result.push_back(token);
    }
    return result;
  }

  static std::string text(const nlohmann::json& value, const char* key, const std::string& where) {
    auto it = value.find(key);
    R1F_CHECK_DATA(it != value.end() && it->is_string(), where, ": key '", key,
                   "' must be a string");
    return it->get<std::string>();
  }

  const Tokenizer& get_tokenizer(const std::string& where) {
    if (!tokenizer_) {
      try {
        tokenizer_ = load_tokenizer(model_folder_);
      } catch (const Error& error) {
        R1F_THROW(DataError, where, ": text input needs a tokenizer in ", model_folder_.string(),
                  " (", error.what(), "); pass prompt_ids/completion_ids instead");
      }
    }
    return *tokenizer_;
  }

  std::filesystem::path model_folder_;
  int64_t vocab_size_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

// Scores a batch: right-padded ids [N, T]; hidden states at the positions that predict each
// completion token are gathered into [1, K, E] so only K rows meet the vocabulary matmul.
std::vector<std::vector<double>> score_batch(Transformer& model,
                                             const std::vector<Request>& batch) {
  int64_t longest = 0;
  for (const auto& request : batch) {
    longest = std::max<int64_t>(longest, request.prompt.size() + request.completion.size());
  }
  const int64_t rows = static_cast<int64_t>(batch.size());
  at::Tensor ids = at::zeros({rows, std::max<int64_t>(longest, 1)}, at::kLong);
  std::vector<int64_t> flat_positions, targets;
  auto ids_access = ids.accessor<int64_t, 2>();
  for (int64_t row = 0; row < rows; ++row) {
    const auto& request = batch[row];
    int64_t position = 0;
    for (int64_t token : request.prompt) ids_access[row][position++] = token;
    for (int64_t token : request.completion) {
      flat_positions.push_back(row * ids.size(1) + position - 1);
      targets.push_back(token);
      ids_access[row][position++] = token;
    }
  }
  std::vector<std::vector<double>> result(batch.size());
  if (targets.empty()) return result;
  at::Tensor hidden = model->hidden_states({ids.to(model->device())});  // [N, T, E]
  at::Tensor index = at::tensor(flat_positions, at::kLong).to(model->device());
  at::Tensor selected = hidden.reshape({-1, hidden.size(2)}).index_select(0, index).unsqueeze(0);
  at::Tensor target_ids = at::tensor(targets, at::kLong).to(model->device()).unsqueeze(0);
  at::Tensor logprobs = token_logprobs(selected, model->output_embedding(), target_ids)
                            .squeeze(0)
                            .to(at::kDouble)
                            .cpu()
                            .contiguous();
  const double* values = logprobs.data_ptr<double>();
  size_t offset = 0;
  for (size_t row = 0; row < batch.size(); ++row) {
    size_t count = batch[row].completion.size();
    result[row].assign(values + offset, values + offset + count);
    offset += count;
  }
  return result;
}

void run_logprobs(const LogprobsOptions& options) {
  R1F_CHECK_USAGE(options.batch_size > 0, "logprobs: --batch-size must be positive");
  int64_t threads = set_thread_count(options.threads);
  Timer timer;
  ModelLoadOptions load_options;
  load_options.dtype = parse_dtype_name(options.dtype);
  Transformer model = load_model(options.model, load_options);
  model->eval();
  at::InferenceMode inference;

  RequestParser parser(options.model, model->config().vocab_size);
  JsonlReader reader(options.input);
  JsonlWriter writer(options.output);
  std::vector<Request> batch;
  int64_t lines = 0, tokens = 0;
  auto flush = [&] {
    for (const auto& values : score_batch(model, batch)) {
      writer.write({{"completion_logprobs", values}});
      tokens += static_cast<int64_t>(values.size());
    }
    batch.clear();
  };
  JsonlLine line;
  while (reader.next(line)) {
    batch.push_back(parser.parse(line, reader.where(line)));
    ++lines;
    if (static_cast<int64_t>(batch.size()) == options.batch_size) flush();
  }
  if (!batch.empty()) flush();
  writer.close();
  R1F_LOG_INFO("logprobs: ", lines, " lines, ", tokens, " completion tokens in ", timer.seconds(),
               " s (", threads, " threads)");
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<LogprobsOptions>();
  CLI::App* command = root.add_subcommand(
      "logprobs", "Score completions: log p of each completion token given its prompt (nats)");
  command->add_option("--model", options->model, "model folder (HF layout)")->required();
  command->add_option("--input", options->input,
                      "JSONL: {\"prompt_ids\":[..],\"completion_ids\":[..]} or "
                      "{\"prompt\":\"..\",\"completion\":\"..\"} per line; - = stdin");
  command->add_option("--output", options->output,
                      "JSONL {\"completion_logprobs\":[..]} per input line; - = stdout");
  command->add_option("--batch-size", options->batch_size, "lines per forward pass");
  command->add_option("--threads", options->threads, "CPU threads; 0 = all cores");
  command->add_option("--dtype", options->dtype, "compute dtype: float32|bfloat16|float16");
  return [options] { run_logprobs(*options); };
}

CommandRegistration registration(20, setup);

}  // namespace
}  // namespace r1forge::app
