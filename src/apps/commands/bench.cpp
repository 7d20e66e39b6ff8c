// `r1forge bench train`: forward + backward tokens/s of a model on random tokens (the
// learner-side figure). `r1forge bench generate`: generated tokens/s of the sampling engine on
// random prompts, G samples each, EOS ignored (the rollout-side figure), with the `torch`
// (KV cache) or `recompute` (no cache) backend. Each prints a table, then one JSON line (the
// last line) that scripts/bench.sh reads to compute ratios against baselines of the same run.
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/threads.h"
#include "r1forge/core/timer.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/rl/logprobs.h"
#include "r1forge/sampling/backends.h"
#include "r1forge/sampling/engine.h"

namespace r1forge::app {
namespace {

struct BenchTrainOptions {
  std::string model;  // folder; empty = --preset
  std::string preset = "qwen2-10m";
  int64_t batch_size = 8;
  int64_t sequence_length = 256;
  int64_t steps = 10;
  int64_t warmup = 2;
  int64_t threads = 0;
  bool gradient_checkpointing = false;
  std::string profile;  // chrome-trace file of the timed steps; empty = no profiling
};

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

void run_bench_train(const BenchTrainOptions& options) {
  R1F_CHECK_USAGE(options.batch_size > 0 && options.sequence_length > 1 && options.steps > 0 &&
                      options.warmup >= 0,
                  "bench train: batch size, steps must be positive, sequence length > 1");
  int64_t threads = set_thread_count(options.threads);
  Transformer model =
      options.model.empty() ? Transformer(model_preset(options.preset)) : load_model(options.model);
  model->set_gradient_checkpointing(options.gradient_checkpointing);
  model->train();
  const ModelConfig& config = model->config();
  at::Generator generator = make_cpu_generator(0, "bench-train");
  at::Tensor ids = at::randint(0, config.vocab_size, {options.batch_size, options.sequence_length},
                               generator, at::kLong);
  at::Tensor inputs = ids.narrow(1, 0, options.sequence_length - 1);
  at::Tensor targets = ids.narrow(1, 1, options.sequence_length - 1);
  const int64_t tokens = inputs.numel();

  std::vector<double> step_seconds;
  double loss_value = 0;
  std::unique_ptr<torch::autograd::profiler::RecordProfile> profiler;
  for (int64_t step = 0; step < options.warmup + options.steps; ++step) {
    if (step == options.warmup && !options.profile.empty()) {
      profiler = std::make_unique<torch::autograd::profiler::RecordProfile>(options.profile);
    }
    Timer timer;
    model->zero_grad();
    at::Tensor hidden = model->hidden_states({inputs});
    at::Tensor loss = -token_logprobs(hidden, model->output_embedding(), targets).mean();
    loss.backward();
    loss_value = loss.item<double>();  // sync point; CPU work is already done here
    if (step >= options.warmup) step_seconds.push_back(timer.seconds());
  }
  profiler.reset();  // writes the trace
  const double seconds = median(step_seconds);
  const double tokens_per_second = static_cast<double>(tokens) / seconds;
  const double flops = training_flops_per_token(config, options.sequence_length - 1);
  std::printf(
      "| model | params | batch | seq | threads | ms/step (median of %lld) | tokens/s | GFLOP/s "
      "|\n",
      static_cast<long long>(options.steps));
  std::printf("|---|---|---|---|---|---|---|---|\n");
  std::printf("| %s | %lld | %lld | %lld | %lld | %.1f | %.0f | %.2f |\n",
              options.model.empty() ? options.preset.c_str() : options.model.c_str(),
              static_cast<long long>(parameter_count(config)),
              static_cast<long long>(options.batch_size),
              static_cast<long long>(options.sequence_length - 1), static_cast<long long>(threads),
              seconds * 1e3, tokens_per_second, tokens_per_second * flops / 1e9);
  nlohmann::json summary = {{"bench", "train"},
                            {"implementation", "r1forge"},
                            {"parameters", parameter_count(config)},
                            {"batch_size", options.batch_size},
                            {"sequence_length", options.sequence_length - 1},
                            {"threads", threads},
                            {"steps", options.steps},
                            {"gradient_checkpointing", options.gradient_checkpointing},
                            {"median_step_seconds", seconds},
                            {"tokens_per_second", tokens_per_second},
                            {"flops_per_token", flops},
                            {"final_loss", loss_value}};
  std::printf("%s\n", summary.dump().c_str());
  std::fflush(stdout);
}

struct BenchGenerateOptions {
  std::string model;  // folder; empty = --preset
  std::string preset = "qwen2-10m";
  std::string backend = "torch";
  int64_t prompts = 8;
  int64_t samples_per_prompt = 8;
  int64_t prompt_length = 32;
  int64_t max_new_tokens = 128;
  int64_t batch_size = 8;
  int64_t threads = 0;
  std::string profile;  // chrome-trace file of the run; empty = no profiling
};

void run_bench_generate(const BenchGenerateOptions& options) {
  R1F_CHECK_USAGE(options.prompts > 0 && options.samples_per_prompt > 0 &&
                      options.prompt_length > 0 && options.max_new_tokens > 0 &&
                      options.batch_size > 0,
                  "bench generate: counts and lengths must be positive");
  const int64_t threads = set_thread_count(options.threads);
  Transformer model =
      options.model.empty() ? Transformer(model_preset(options.preset)) : load_model(options.model);
  std::unique_ptr<ModelBackend> backend = make_model_backend(options.backend, model);
  at::Generator generator = make_cpu_generator(0, "bench-generate");
  at::Tensor prompt_ids =
      at::randint(0, model->config().vocab_size, {options.prompts, options.prompt_length},
                  generator, at::kLong);
  std::vector<GenerationRequest> requests;
  for (int64_t i = 0; i < options.prompts; ++i) {
    GenerationRequest request;
    request.prompt_ids.assign(prompt_ids[i].data_ptr<int64_t>(),
                              prompt_ids[i].data_ptr<int64_t>() + options.prompt_length);
    request.n = options.samples_per_prompt;
    request.params.max_new_tokens = options.max_new_tokens;
    request.params.ignore_eos = true;  // every sample runs to max_new_tokens
    requests.push_back(std::move(request));
  }
  EngineConfig config;
  config.max_batch_size = options.batch_size;
  Engine engine(*backend, nullptr, {}, config);
  at::InferenceMode inference;
  {
    std::unique_ptr<torch::autograd::profiler::RecordProfile> profiler;
    if (!options.profile.empty()) {
      profiler = std::make_unique<torch::autograd::profiler::RecordProfile>(options.profile);
    }
    engine.generate(requests);
  }
  const EngineStats& stats = engine.stats();
  const double tokens_per_second = stats.generated_tokens / stats.total_seconds;
  std::printf(
      "| backend | prompts x G | prompt | new | batch | threads | seconds | tokens/s | "
      "prefill s | decode s | sampling s |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf(
      "| %s | %lld x %lld | %lld | %lld | %lld | %lld | %.2f | %.1f | %.2f | %.2f | %.2f |\n",
      options.backend.c_str(), static_cast<long long>(options.prompts),
      static_cast<long long>(options.samples_per_prompt),
      static_cast<long long>(options.prompt_length), static_cast<long long>(options.max_new_tokens),
      static_cast<long long>(options.batch_size), static_cast<long long>(threads),
      stats.total_seconds, tokens_per_second, stats.prefill_seconds, stats.decode_seconds,
      stats.sampling_seconds);
  nlohmann::json summary = {{"bench", "generate"},
                            {"implementation", "r1forge-" + options.backend},
                            {"prompts", options.prompts},
                            {"samples_per_prompt", options.samples_per_prompt},
                            {"prompt_length", options.prompt_length},
                            {"max_new_tokens", options.max_new_tokens},
                            {"batch_size", options.batch_size},
                            {"threads", threads},
                            {"generated_tokens", stats.generated_tokens},
                            {"seconds", stats.total_seconds},
                            {"tokens_per_second", tokens_per_second},
                            {"prefill_seconds", stats.prefill_seconds},
                            {"decode_seconds", stats.decode_seconds},
                            {"sampling_seconds", stats.sampling_seconds},
                            {"decode_steps", stats.decode_steps}};
  std::printf("%s\n", summary.dump().c_str());
  std::fflush(stdout);
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<BenchTrainOptions>();
  CLI::App* bench = root.add_subcommand("bench", "Benchmarks (print a table and a JSON last line)");
  bench->require_subcommand(1);
  CLI::App* train = bench->add_subcommand("train", "Forward + backward tokens/s on random tokens");
  train->add_option("--model", options->model, "model folder (default: --preset)");
  train->add_option("--preset", options->preset, "model preset when no --model is given");
  train->add_option("--batch-size", options->batch_size, "sequences per step");
  train->add_option("--seq-len", options->sequence_length, "tokens per sequence (inputs + 1)");
  train->add_option("--steps", options->steps, "timed steps (median reported)");
  train->add_option("--warmup", options->warmup, "untimed steps first");
  train->add_option("--threads", options->threads, "CPU threads; 0 = all cores");
  train->add_flag("--gradient-checkpointing", options->gradient_checkpointing,
                  "recompute layer activations in backward");
  train->add_option("--profile", options->profile,
                    "write a chrome://tracing JSON of the timed steps (per-op CPU time; the "
                    "step times then include profiler overhead)");
  auto generate_options = std::make_shared<BenchGenerateOptions>();
  CLI::App* generate = bench->add_subcommand(
      "generate", "Generated tokens/s of the sampling engine (random prompts, EOS ignored)");
  generate->add_option("--model", generate_options->model, "model folder (default: --preset)");
  generate->add_option("--preset", generate_options->preset, "model preset when no --model");
  generate->add_option("--backend", generate_options->backend,
                       "torch (KV cache) or recompute (full forward every step)");
  generate->add_option("--prompts", generate_options->prompts, "distinct prompts");
  generate->add_option("--n", generate_options->samples_per_prompt, "samples per prompt (G)");
  generate->add_option("--prompt-len", generate_options->prompt_length, "tokens per prompt");
  generate->add_option("--max-new-tokens", generate_options->max_new_tokens,
                       "tokens generated per sample");
  generate->add_option("--batch-size", generate_options->batch_size, "sequences decoded together");
  generate->add_option("--threads", generate_options->threads, "CPU threads; 0 = all cores");
  generate->add_option("--profile", generate_options->profile,
                       "write a chrome://tracing JSON of the run (per-op CPU time)");
  return [options, generate_options, train, generate] {
    if (train->parsed()) run_bench_train(*options);
    if (generate->parsed()) run_bench_generate(*generate_options);
  };
}

CommandRegistration registration(100, setup);

}  // namespace
}  // namespace r1forge::app
