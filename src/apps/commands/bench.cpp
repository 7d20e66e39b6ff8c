// `r1forge bench train`: forward + backward tokens/s of a model on random tokens (the
// learner-side figure). `r1forge bench generate`: generated tokens/s of the sampling engine on
// random prompts, G samples each, EOS ignored (the rollout-side figure), with the `torch`
// (KV cache) or `recompute` (no cache) backend. `r1forge bench logprobs`: peak memory and
// time of forward + backward of the chunked log-probs (rl/logprobs.h) against the naive
// [N, T, V] path. Each prints a table, then one JSON line (the last line) that
// scripts/bench.sh reads to compute ratios against baselines of the same run.
//
// Memory in `bench logprobs` is measured per process: each variant runs in its own forked
// child (fresh heap, nothing freed-but-cached from the other), which allocates its inputs,
// reads its resident set from /proc/self/statm (the baseline), runs one forward + backward,
// and reads its peak resident set (getrusage ru_maxrss). Peak growth = peak − baseline: every
// byte the computation touched at its high point (activations, temporaries, gradients; glibc
// serves these large blocks with mmap, so freed ones leave the resident set at once).
#include <sys/resource.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "bench_distill.h"
#include "bench_memory.h"
#include "bench_sha256.h"
#include "bench_stats.h"
#include "r1forge/core/check.h"
#include "r1forge/core/gemm_peak.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/threads.h"
#include "r1forge/core/timer.h"
#include "r1forge/kernels/kernel_config.h"
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
  bool mixed_precision = false;   // bf16 autocast over fp32 weights (model.mixed_precision)
  std::string device = "cpu";     // cpu | cuda (model.device)
  std::string dtype = "float32";  // weights and compute (model.dtype)
  std::string profile;            // chrome-trace file of the timed steps; empty = no profiling
};

// The device and weight dtype a benchmark runs in, from its --device and --dtype flags.
struct BenchPlacement {
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;
};

BenchPlacement bench_placement(const std::string& device, const std::string& dtype) {
  BenchPlacement placement;
  if (device == "cuda") {
    R1F_CHECK_USAGE(at::hasCUDA(), "bench: --device cuda but no CUDA device is available");
    placement.device = at::Device(at::kCUDA, 0);
  }
  placement.dtype = dtype == "bfloat16" ? at::kBFloat16 : at::kFloat;
  return placement;
}

// The benchmark's model: a folder or a preset with seeded random weights, on its device.
Transformer bench_model(const std::string& folder,
                        const std::string& preset,
                        const BenchPlacement& placement) {
  if (!folder.empty()) return load_model(folder, {placement.dtype, placement.device});
  Transformer model(model_preset(preset));
  if (placement.dtype != at::kFloat || !placement.device.is_cpu()) {
    model->to(placement.device, placement.dtype);
    model->refresh_handles();
  }
  return model;
}

void run_bench_train(const BenchTrainOptions& options) {
  R1F_CHECK_USAGE(options.batch_size > 0 && options.sequence_length > 1 && options.steps > 0 &&
                      options.warmup >= 0,
                  "bench train: batch size, steps must be positive, sequence length > 1");
  int64_t threads = set_thread_count(options.threads);
  const BenchPlacement placement = bench_placement(options.device, options.dtype);
  Transformer model = bench_model(options.model, options.preset, placement);
  model->set_gradient_checkpointing(options.gradient_checkpointing);
  if (options.mixed_precision) model->set_mixed_precision(at::kBFloat16);
  model->train();
  const ModelConfig& config = model->config();
  at::Generator generator = make_cpu_generator(0, "bench-train");
  at::Tensor ids = at::randint(0, config.vocab_size, {options.batch_size, options.sequence_length},
                               generator, at::kLong)
                       .to(placement.device);
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
  const double achieved = tokens_per_second * flops;
  // The machine's GEMM peak in both precisions, measured here at the same thread count with a
  // large matmul (core/gemm_peak.h): the step's share of the peak of the precision it runs in.
  const double peak_fp32 = gemm_peak_flops_per_second(at::kFloat, placement.device);
  const double peak_bf16 = gemm_peak_flops_per_second(at::kBFloat16, placement.device);
  const bool bf16 = options.mixed_precision || placement.dtype == at::kBFloat16;
  const double peak = bf16 ? peak_bf16 : peak_fp32;
  std::printf(
      "| model | params | precision | batch | seq | threads | ms/step (median of %lld) | "
      "tokens/s | GFLOP/s | of GEMM peak |\n",
      static_cast<long long>(options.steps));
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %s | %lld | %s | %lld | %lld | %lld | %.1f | %.0f | %.2f | %.1f%% |\n",
              options.model.empty() ? options.preset.c_str() : options.model.c_str(),
              static_cast<long long>(parameter_count(config)),
              options.mixed_precision ? "bf16 autocast" : (bf16 ? "bf16" : "fp32"),
              static_cast<long long>(options.batch_size),
              static_cast<long long>(options.sequence_length - 1), static_cast<long long>(threads),
              seconds * 1e3, tokens_per_second, achieved / 1e9, 100.0 * achieved / peak);
  std::printf("GEMM peak at %lld threads: fp32 %.1f GFLOP/s, bf16 %.1f GFLOP/s\n",
              static_cast<long long>(threads), peak_fp32 / 1e9, peak_bf16 / 1e9);
  nlohmann::json summary = {{"bench", "train"},
                            {"implementation", "r1forge"},
                            {"parameters", parameter_count(config)},
                            {"batch_size", options.batch_size},
                            {"sequence_length", options.sequence_length - 1},
                            {"threads", threads},
                            {"steps", options.steps},
                            {"gradient_checkpointing", options.gradient_checkpointing},
                            {"mixed_precision", options.mixed_precision ? "bfloat16" : "none"},
                            {"device", placement.device.str()},
                            {"dtype", options.dtype},
                            {"median_step_seconds", seconds},
                            {"gemm_peak_fp32", peak_fp32},
                            {"gemm_peak_bf16", peak_bf16},
                            {"fraction_of_peak", achieved / peak},
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
  bool mixed_precision = false;              // bf16 autocast over fp32 weights, bf16 KV cache
  std::string shared_prompt_cache = "auto";  // torch: auto | always | never (sampling.*)
  int64_t prompts = 8;
  int64_t samples_per_prompt = 8;
  int64_t prompt_length = 32;
  int64_t max_new_tokens = 128;
  int64_t batch_size = 8;
  int64_t threads = 0;
  std::string device = "cpu";            // cpu | cuda (model.device)
  std::string dtype = "float32";         // weights, compute and KV cache (model.dtype)
  std::string sampling_kernel = "auto";  // kernels.sampling: the fused CUDA kernel or its twin
  bool cuda_graphs = false;              // sampling.cuda_graphs (paged backend on a GPU)
  std::string profile;                   // chrome-trace file of the run; empty = no profiling
};

void run_bench_generate(const BenchGenerateOptions& options) {
  R1F_CHECK_USAGE(options.prompts > 0 && options.samples_per_prompt > 0 &&
                      options.prompt_length > 0 && options.max_new_tokens > 0 &&
                      options.batch_size > 0,
                  "bench generate: counts and lengths must be positive");
  const int64_t threads = set_thread_count(options.threads);
  const BenchPlacement placement = bench_placement(options.device, options.dtype);
  Transformer model = bench_model(options.model, options.preset, placement);
  if (options.mixed_precision) model->set_mixed_precision(at::kBFloat16);
  KernelConfig kernel_config;
  kernel_config.sampling = options.sampling_kernel;
  kernels::set_kernel_config(kernel_config);
  std::unique_ptr<ModelBackend> backend =
      make_model_backend(options.backend, model, options.shared_prompt_cache, options.cuda_graphs);
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
  config.synchronize_timers = true;  // decode vs sampling seconds, also on a GPU
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
                            {"mixed_precision", options.mixed_precision ? "bfloat16" : "none"},
                            {"shared_prompt_cache", options.shared_prompt_cache},
                            {"device", placement.device.str()},
                            {"dtype", options.dtype},
                            {"sampling_kernel", options.sampling_kernel},
                            {"cuda_graphs", options.cuda_graphs},
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

struct BenchLogprobsOptions {
  int64_t rows = 16;              // N
  int64_t sequence_length = 512;  // T
  int64_t vocab = 32768;          // V
  int64_t width = 256;            // E (qwen2-10m's width)
  int64_t chunk_rows = 1024;      // C
  double temperature = 1.0;
  bool entropy = false;  // also compute and backpropagate the entropy
  int64_t steps = 3;     // forward + backward passes per process; the first one is measured
                         // for memory, the median of all is the time
  int64_t repeats = 3;   // processes per variant, interleaved
  int64_t threads = 0;
  std::string profile;  // chrome-trace prefix: PREFIX.chunked.json, PREFIX.naive.json
};

// User + system CPU time of this process, all threads: steadier than wall time when other
// work shares the cores.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         1e-6 * (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// One variant in this (child) process: inputs, then `steps` forward + backward passes.
nlohmann::json logprobs_variant(const BenchLogprobsOptions& o, bool chunked) {
  const int64_t threads = set_thread_count(o.threads);
  at::Generator generator = make_cpu_generator(0, "bench-logprobs");
  at::Tensor hidden =
      at::randn({o.rows, o.sequence_length, o.width}, generator, at::kFloat).requires_grad_();
  at::Tensor weight = (at::randn({o.vocab, o.width}, generator, at::kFloat) /
                       std::sqrt(static_cast<double>(o.width)))
                          .requires_grad_();
  at::Tensor targets =
      at::randint(0, o.vocab, {o.rows, o.sequence_length}, generator, at::kLong);  // [N, T]
  const int64_t baseline = bench_resident_bytes();
  int64_t peak = 0;
  std::vector<double> seconds, cpu;
  double loss_value = 0;
  std::unique_ptr<torch::autograd::profiler::RecordProfile> profiler;
  for (int64_t step = 0; step < o.steps; ++step) {
    if (step == 1 && !o.profile.empty()) {  // after the memory-measured pass
      profiler = std::make_unique<torch::autograd::profiler::RecordProfile>(
          o.profile + (chunked ? ".chunked.json" : ".naive.json"));
    }
    hidden.mutable_grad().reset();
    weight.mutable_grad().reset();
    Timer timer;
    const double cpu_start = cpu_seconds();
    at::Tensor logprobs, entropy;  // [N, T] fp32
    if (chunked) {
      TokenLogprobOptions options;
      options.chunk_rows = o.chunk_rows;
      options.temperature = o.temperature;
      options.with_entropy = o.entropy;
      TokenLogprobs out = compute_token_logprobs(hidden, weight, targets, options);
      logprobs = out.logprobs, entropy = out.entropy;
    } else {
      at::Tensor logits = at::matmul(hidden, weight.t());  // [N, T, V]
      if (o.temperature != 1.0) logits = logits / o.temperature;
      at::Tensor logp = at::log_softmax(logits, /*dim=*/-1, at::kFloat);  // [N, T, V]
      logprobs = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
      if (o.entropy) entropy = -(logp.exp() * logp).sum(-1);
    }
    at::Tensor loss = -logprobs.mean();
    if (entropy.defined()) loss = loss - 0.01 * entropy.mean();
    loss.backward();
    loss_value = loss.item<double>();
    seconds.push_back(timer.seconds());
    cpu.push_back(cpu_seconds() - cpu_start);
    if (step == 0) peak = bench_peak_resident_bytes();
  }
  profiler.reset();  // writes the trace
  return {{"implementation", chunked ? "chunked" : "naive"},
          {"threads", threads},
          {"baseline_rss_bytes", baseline},
          {"peak_rss_bytes", peak},
          {"peak_growth_bytes", peak - baseline},
          {"median_seconds", median(seconds)},
          {"first_seconds", seconds.front()},
          {"median_cpu_seconds", median(cpu)},
          {"loss", loss_value}};
}

void run_bench_logprobs(const BenchLogprobsOptions& o) {
  R1F_CHECK_USAGE(o.rows > 0 && o.sequence_length > 0 && o.vocab > 0 && o.width > 0 &&
                      o.chunk_rows > 0 && o.steps > 0 && o.repeats > 0 && o.temperature > 0,
                  "bench logprobs: sizes, counts and temperature must be positive");
  std::vector<nlohmann::json> runs[2];  // [0] chunked, [1] naive
  for (int64_t r = 0; r < o.repeats; ++r) {
    runs[0].push_back(
        bench_run_in_child([&] { return logprobs_variant(o, true); }, "logprobs chunked"));
    runs[1].push_back(
        bench_run_in_child([&] { return logprobs_variant(o, false); }, "logprobs naive"));
  }
  nlohmann::json summary = {{"bench", "logprobs"},
                            {"rows", o.rows},
                            {"sequence_length", o.sequence_length},
                            {"vocab", o.vocab},
                            {"width", o.width},
                            {"chunk_rows", o.chunk_rows},
                            {"temperature", o.temperature},
                            {"entropy", o.entropy},
                            {"steps", o.steps},
                            {"repeats", o.repeats},
                            {"threads", runs[0][0]["threads"]}};
  std::printf(
      "| variant | N x T | V | E | C | threads | fwd+bwd ms (median) | CPU ms | peak RSS growth "
      "MiB | baseline RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|\n");
  double time[2], memory[2], cpu[2];
  for (int v = 0; v < 2; ++v) {
    time[v] = median_of(runs[v], "median_seconds");
    memory[v] = median_of(runs[v], "peak_growth_bytes");
    cpu[v] = median_of(runs[v], "median_cpu_seconds");
    const char* name = v == 0 ? "chunked" : "naive";
    std::printf("| %s | %lld x %lld | %lld | %lld | %s | %lld | %.1f | %.1f | %.1f | %.1f |\n",
                name, static_cast<long long>(o.rows), static_cast<long long>(o.sequence_length),
                static_cast<long long>(o.vocab), static_cast<long long>(o.width),
                v == 0 ? std::to_string(o.chunk_rows).c_str() : "-",
                static_cast<long long>(runs[v][0]["threads"].get<int64_t>()), time[v] * 1e3,
                cpu[v] * 1e3, memory[v] / (1 << 20),
                median_of(runs[v], "baseline_rss_bytes") / (1 << 20));
    summary[name] = {{"median_seconds", time[v]},
                     {"median_cpu_seconds", cpu[v]},
                     {"peak_growth_bytes", memory[v]},
                     {"runs", runs[v]}};
  }
  const double memory_ratio = memory[0] / memory[1], time_ratio = time[0] / time[1];
  const double cpu_ratio = cpu[0] / cpu[1];
  std::printf("chunked / naive: peak memory %.3f (goal <= 0.25), time %.3f, CPU time %.3f\n",
              memory_ratio, time_ratio, cpu_ratio);
  summary["memory_ratio"] = memory_ratio;
  summary["time_ratio"] = time_ratio;
  summary["cpu_time_ratio"] = cpu_ratio;
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
  train->add_flag("--mixed-precision", options->mixed_precision,
                  "bf16 autocast over fp32 weights (model.mixed_precision: bfloat16)");
  train->add_option("--device", options->device, "cpu or cuda (model.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  train->add_option("--dtype", options->dtype, "weights and compute: float32 or bfloat16")
      ->check(CLI::IsMember({"float32", "bfloat16"}));
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
  generate->add_flag("--mixed-precision", generate_options->mixed_precision,
                     "bf16 autocast over fp32 weights and a bf16 KV cache");
  generate
      ->add_option("--shared-prompt-cache", generate_options->shared_prompt_cache,
                   "auto | always | never: a prompt's keys/values stored once and read once "
                   "per step by its samples (sampling.shared_prompt_cache)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  generate->add_option("--prompts", generate_options->prompts, "distinct prompts");
  generate->add_option("--n", generate_options->samples_per_prompt, "samples per prompt (G)");
  generate->add_option("--prompt-len", generate_options->prompt_length, "tokens per prompt");
  generate->add_option("--max-new-tokens", generate_options->max_new_tokens,
                       "tokens generated per sample");
  generate->add_option("--batch-size", generate_options->batch_size, "sequences decoded together");
  generate->add_option("--threads", generate_options->threads, "CPU threads; 0 = all cores");
  generate->add_option("--device", generate_options->device, "cpu or cuda (model.device)")
      ->check(CLI::IsMember({"cpu", "cuda"}));
  generate
      ->add_option("--dtype", generate_options->dtype,
                   "weights, compute and KV cache: float32 or bfloat16")
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  generate
      ->add_option("--sampling-kernel", generate_options->sampling_kernel,
                   "auto = the fused CUDA sampling kernel on a GPU; aten = its ATen twin "
                   "(kernels.sampling)")
      ->check(CLI::IsMember({"auto", "aten"}));
  generate->add_flag("--cuda-graphs", generate_options->cuda_graphs,
                     "paged backend on a GPU: decode steps as CUDA graphs (sampling.cuda_graphs)");
  generate->add_option("--profile", generate_options->profile,
                       "write a chrome://tracing JSON of the run (per-op CPU time)");
  auto logprobs_options = std::make_shared<BenchLogprobsOptions>();
  CLI::App* logprobs = bench->add_subcommand(
      "logprobs",
      "Peak memory and time of forward + backward, chunked log-probs vs naive [N, T, V]");
  logprobs->add_option("--rows", logprobs_options->rows, "sequences (N)");
  logprobs->add_option("--seq-len", logprobs_options->sequence_length, "positions (T)");
  logprobs->add_option("--vocab", logprobs_options->vocab, "vocabulary (V)");
  logprobs->add_option("--width", logprobs_options->width, "hidden width (E)");
  logprobs->add_option("--chunk-rows", logprobs_options->chunk_rows, "rows per chunk (C)");
  logprobs->add_option("--temperature", logprobs_options->temperature, "logits / temperature");
  logprobs->add_flag("--entropy", logprobs_options->entropy, "also compute and train entropy");
  logprobs->add_option("--steps", logprobs_options->steps,
                       "passes per process (first measured for memory; median time)");
  logprobs->add_option("--repeats", logprobs_options->repeats,
                       "processes per variant, interleaved (medians reported)");
  logprobs->add_option("--threads", logprobs_options->threads, "CPU threads; 0 = all cores");
  logprobs->add_option("--profile", logprobs_options->profile,
                       "write chrome://tracing JSONs PREFIX.chunked.json and PREFIX.naive.json of "
                       "the passes after the first (per-op CPU time)");
  CommandAction distill_action = add_bench_distill(*bench);
  CommandAction sha256_action = add_bench_sha256(*bench);
  return [options, generate_options, logprobs_options, train, generate, logprobs, distill_action,
          sha256_action] {
    if (train->parsed()) run_bench_train(*options);
    distill_action();
    sha256_action();
    if (generate->parsed()) run_bench_generate(*generate_options);
    if (logprobs->parsed()) run_bench_logprobs(*logprobs_options);
  };
}

CommandRegistration registration(100, setup);

}  // namespace
}  // namespace r1forge::app
