// `r1forge generate`: sample completions from a model folder with the generation engine.
// Input: --prompt TEXT, or --input JSONL with {"prompt": ".."} or {"prompt_ids": [..]} per
// line and an optional per-line "n". Output: one JSONL line per sample, in (prompt, sample)
// order: prompt_index, sample_index, ids, text, logprobs, finish_reason. A throughput summary
// goes to stderr. The sampling flags fill the same GenerationSettings a stage section embeds
// (defaults from generation_config.h, except 128 new tokens); the engine flags the `sampling:`
// section's SamplingConfig.
#include <filesystem>
#include <set>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/core/threads.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/sampling/backends.h"
#include "r1forge/sampling/engine.h"
#include "r1forge/sampling/generation_config.h"
#include "r1forge/sampling/sampling_config.h"

namespace r1forge::app {
namespace {

struct GenerateOptions {
  std::string model;
  std::string prompt;
  std::string input;
  std::string output = "-";
  int64_t n = 1;
  uint64_t seed = 0;
  bool ignore_eos = false;
  int64_t threads = 0;
  std::string dtype = "float32";
  SamplingConfig sampling;  // engine: backend, batch size, memory bound
  bool raw_logprobs = false;
  GenerationSettings generation{.max_completion_length = 128};
};

std::unique_ptr<Tokenizer> try_load_tokenizer(const std::filesystem::path& folder) {
  try {
    return load_tokenizer(folder);
  } catch (const Error& error) {
    R1F_LOG_DEBUG("no tokenizer in ", folder.string(), ": ", error.what());
    return nullptr;
  }
}

std::vector<GenerationRequest> read_requests(const GenerateOptions& options,
                                             const Tokenizer* tokenizer,
                                             const SamplingParams& params) {
  std::vector<GenerationRequest> requests;
  auto encode = [&](const std::string& text, const std::string& where) {
    R1F_CHECK_DATA(tokenizer, where, ": text prompts need a tokenizer in ", options.model,
                   "; pass prompt_ids instead");
    return tokenizer->encode(text, /*add_special_tokens=*/true);
  };
  if (!options.prompt.empty()) {
    requests.push_back({encode(options.prompt, "--prompt"), params, options.n});
    return requests;
  }
  JsonlReader reader(options.input);
  JsonlLine line;
  while (reader.next(line)) {
    const std::string where = reader.where(line);
    const auto& value = line.value;
    R1F_CHECK_DATA(value.is_object(), where, ": expected a JSON object");
    GenerationRequest request{{}, params, options.n};
    if (auto ids = value.find("prompt_ids"); ids != value.end()) {
      R1F_CHECK_DATA(ids->is_array(), where, ": 'prompt_ids' must be a list of token ids");
      for (const auto& id : *ids) {
        R1F_CHECK_DATA(id.is_number_integer(), where, ": 'prompt_ids' holds ", id.dump());
        request.prompt_ids.push_back(id.get<int64_t>());
      }
    } else if (auto text = value.find("prompt"); text != value.end()) {
      R1F_CHECK_DATA(text->is_string(), where, ": 'prompt' must be a string");
      request.prompt_ids = encode(text->get<std::string>(), where);
    } else {
      R1F_THROW(DataError, where, ": expected 'prompt' or 'prompt_ids'");
    }
    if (auto n = value.find("n"); n != value.end()) {
      R1F_CHECK_DATA(n->is_number_integer() && n->get<int64_t>() >= 1, where,
                     ": 'n' must be a positive integer, found ", n->dump());
      request.n = n->get<int64_t>();
    }
    R1F_CHECK_DATA(!request.prompt_ids.empty(), where, ": the prompt is empty");
    requests.push_back(std::move(request));
  }
  return requests;
}

void run_generate(const GenerateOptions& options) {
  R1F_CHECK_USAGE(options.prompt.empty() != options.input.empty(),
                  "generate: give exactly one of --prompt TEXT or --input FILE.jsonl");
  R1F_CHECK_USAGE(options.n >= 1, "generate: --n must be >= 1");
  const int64_t threads = set_thread_count(options.threads);
  ModelLoadOptions load_options;
  load_options.dtype = parse_dtype_name(options.dtype);
  std::unique_ptr<ModelBackend> backend =
      make_model_backend(options.sampling, load_model(options.model, load_options));
  std::unique_ptr<Tokenizer> tokenizer = try_load_tokenizer(options.model);

  SamplingParams params = options.generation.sampling_params(options.seed);
  params.ignore_eos = options.ignore_eos;
  std::vector<GenerationRequest> requests = read_requests(options, tokenizer.get(), params);

  // Stop ids: generation_config.json / config.json EOS, plus the tokenizer's EOS.
  const std::vector<int64_t> configured = load_generation_config(options.model).eos_token_ids;
  std::set<int64_t> eos(configured.begin(), configured.end());
  if (tokenizer && tokenizer->eos_id()) eos.insert(*tokenizer->eos_id());
  EngineConfig engine_config = options.sampling.engine();
  engine_config.raw_logprobs = options.raw_logprobs;
  Engine engine(*backend, tokenizer.get(), {eos.begin(), eos.end()}, engine_config);
  at::InferenceMode inference;
  std::vector<GeneratedSample> samples = engine.generate(requests);

  JsonlWriter writer(options.output);
  for (const auto& sample : samples) {
    nlohmann::json line = {{"prompt_index", sample.prompt_index},
                           {"sample_index", sample.sample_index},
                           {"ids", sample.token_ids},
                           {"logprobs", sample.logprobs},
                           {"finish_reason", finish_reason_name(sample.finish_reason)}};
    if (tokenizer) line["text"] = sample.text;
    if (!sample.raw_logprobs.empty()) line["raw_logprobs"] = sample.raw_logprobs;
    writer.write(line);
  }
  writer.close();
  const EngineStats& stats = engine.stats();
  R1F_LOG_INFO("generate: ", stats.prompts, " prompts, ", stats.samples, " samples, ",
               stats.generated_tokens, " tokens in ", stats.total_seconds, " s (",
               stats.generated_tokens / std::max(stats.total_seconds, 1e-9), " tokens/s; prefill ",
               stats.prefill_tokens, " tokens in ", stats.prefill_seconds, " s; ",
               stats.decode_steps, " decode steps, mean batch ",
               stats.active_row_steps / std::max<double>(stats.decode_steps, 1), " of ",
               stats.slots, " slots; ", threads, " threads)");
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<GenerateOptions>();
  SamplingConfig& s = options->sampling;
  GenerationSettings& g = options->generation;
  CLI::App* command = root.add_subcommand(
      "generate", "Sample completions (G per prompt) with the KV-cache engine; JSONL out");
  command->add_option("--model", options->model, "model folder (HF layout)")->required();
  command->add_option("--prompt", options->prompt, "one prompt text (needs a tokenizer)");
  command->add_option("--input", options->input,
                      "JSONL: {\"prompt\":\"..\"} or {\"prompt_ids\":[..]}, optional \"n\"; - = "
                      "stdin");
  command->add_option("--output", options->output, "JSONL, one line per sample; - = stdout");
  command->add_option("--n", options->n, "samples per prompt (GRPO's G)");
  command->add_option("--max-new-tokens", g.max_completion_length,
                      "finish 'length' after this many");
  command->add_option("--temperature", g.temperature, "0 = greedy");
  command->add_option("--top-p", g.top_p, "nucleus mass; 1 = off");
  command->add_option("--top-k", g.top_k, "keep the k most likely; 0 = off");
  command->add_option("--min-p", g.min_p, "drop below min_p x top probability; 0 = off");
  command->add_option("--repetition-penalty", g.repetition_penalty, "1 = off");
  command->add_option("--presence-penalty", g.presence_penalty, "0 = off");
  command->add_option("--stop", g.stop, "stop string (repeatable)");
  command->add_option("--include-stop-str-in-output", g.include_stop_str_in_output,
                      "true: the text keeps the stop string (= the decoded ids); false: ends "
                      "before it");
  command->add_option("--seed", options->seed, "sample j of prompt i uses seed (seed, i, j)")
      ->check(CLI::NonNegativeNumber);  // CLI11 would wrap "-3" into a uint64_t
  command->add_flag("--ignore-eos", options->ignore_eos, "do not stop at EOS (benchmarks)");
  command->add_option("--batch-size", s.max_batch_size, "sequences decoded together");
  command->add_option("--max-cached-tokens", s.max_cached_tokens, "KV positions bound; 0 = none");
  command->add_flag("--raw-logprobs", options->raw_logprobs, "also output temperature-1 log-probs");
  command->add_option("--backend", s.backend, "torch (KV cache) or recompute (no cache)");
  command->add_option("--threads", options->threads, "CPU threads; 0 = all cores");
  command->add_option("--dtype", options->dtype, "float32|bfloat16|float16");
  return [options] { run_generate(*options); };
}

CommandRegistration registration(25, setup);

}  // namespace
}  // namespace r1forge::app
