// `r1forge eval`: evaluates a model folder on a JSONL file of problems the way a stage's
// `eval:` section does (pipeline/eval_stage.h): k samples per problem, pass@1 over them,
// cons@k, pass@k, format rate, lengths. --task names the correctness reward (accuracy for math
// with an "answer" field, countdown, or any registered reward); format is scored beside it.
// Prints a table and the eval.json content on stdout; --output also writes FILE.json and
// FILE_samples.jsonl (every sample). Defaults of the sampling flags are EvalConfig's.
#include <filesystem>
#include <iostream>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/threads.h"
#include "r1forge/pipeline/eval_stage.h"
#include "r1forge/rl/reward.h"

namespace r1forge::app {
namespace {
namespace fs = std::filesystem;

struct EvalOptions {
  std::string model;
  std::string data;
  std::string task = "accuracy";
  std::string output;
  std::string device = "cpu";
  std::string dtype = "float32";
  uint64_t seed = 0;
  int64_t threads = 0;
  int64_t batch_size = 64;
  EvalConfig eval;
};

void check_task(const std::string& task) {
  std::string names;
  for (const RewardInfo& info : registered_rewards()) {
    if (info.name == task) return;
    names += (names.empty() ? "" : ", ") + info.name;
  }
  R1F_THROW(UsageError, "eval: --task '", task,
            "' is not a registered reward; choose from: ", names);
}

void run_eval(EvalOptions& options) {
  R1F_CHECK_USAGE(fs::is_directory(options.model), "eval: --model ", options.model,
                  " is not a model folder (config.json, model.safetensors, tokenizer)");
  R1F_CHECK_USAGE(fs::is_regular_file(options.data), "eval: --data ", options.data,
                  ": no such file");
  check_task(options.task);
  set_thread_count(options.threads);

  EvalConfig& eval = options.eval;
  eval.data.path = options.data;
  eval.rewards = {RewardSpec{options.task, 1.0, {}, ""}};
  eval.correct_reward = options.task;
  eval.format_reward = "format";
  if (options.task != "format") eval.rewards.push_back(RewardSpec{"format", 1.0, {}, ""});
  eval.validate("eval");

  Config config;
  config.model.init = options.model;
  config.model.device = options.device;
  config.model.dtype = options.dtype;
  config.sampling.max_batch_size = options.batch_size;
  StageConfig stage;
  stage.name = "eval";
  stage.type = "eval";
  StageModel model = load_stage_model(config, stage);
  EvalResult result = evaluate_model(config, model, eval, derive_seed(options.seed, "eval"), {});
  if (!options.output.empty()) {
    const fs::path json_path = options.output;
    fs::path samples_path = json_path;
    samples_path.replace_filename(json_path.stem().string() + "_samples.jsonl");
    if (json_path.has_parent_path()) fs::create_directories(json_path.parent_path());
    write_eval_files(result, json_path, samples_path);
  }
  std::cout << format_eval_table(result) << result.report.dump(2) << "\n";
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<EvalOptions>();
  EvalConfig& e = options->eval;
  CLI::App* command =
      root.add_subcommand("eval", "Evaluate a model: pass@1 over k samples, cons@k, pass@k");
  command->description(
      "Sample k completions per problem of --data (R1's setting: temperature 0.6, top-p 0.95),\n"
      "score them with --task (the correctness reward) and format, and print pass@1 (mean of\n"
      "c/k), the unbiased pass@k, cons@k (majority vote), format rate and lengths; see\n"
      "docs/eval.md. --output FILE.json also writes FILE_samples.jsonl.");
  command->add_option("--model", options->model, "model folder (HF layout, with tokenizer)")
      ->required();
  command->add_option("--data", options->data, "JSONL problems (prompt + gold answer per line)")
      ->required();
  command->add_option("--k", e.num_samples, "samples per problem")->check(CLI::Range(1, 1 << 16));
  command->add_option("--task", options->task,
                      "correctness reward: accuracy (math, 'answer' field), countdown, ...");
  command->add_option("--prompt-field", e.data.prompt_field, "field holding the problem text");
  command->add_option("--prompt-template", e.data.prompt_template,
                      "r1_zero | plain | a text containing {prompt}");
  GenerationSettings& g = e.generation;
  command->add_option("--temperature", g.temperature, "0 = greedy")->check(CLI::Range(0.0, 100.0));
  command->add_option("--top-p", g.top_p, "nucleus mass")->check(CLI::Range(1e-9, 1.0));
  command->add_option("--max-new-tokens", g.max_completion_length, "max tokens per sample")
      ->check(CLI::Range(1, 1 << 24));
  command->add_option("--max-problems", e.max_problems, "first N problems; 0 = all")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--seed", options->seed, "sample j of problem i draws from (seed, i, j)")
      ->check(CLI::NonNegativeNumber);  // CLI11 would wrap "-3" into a uint64_t
  command->add_option("--threads", options->threads, "CPU threads; 0 = all cores");
  command->add_option("--batch-size", options->batch_size, "sequences decoded together")
      ->check(CLI::Range(1, 1 << 20));
  command->add_option("--device", options->device, "cpu | cuda | auto")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}));
  command->add_option("--dtype", options->dtype, "float32 | bfloat16 | float16")
      ->check(CLI::IsMember({"float32", "bfloat16", "float16"}));
  command->add_option("--output", options->output, "write eval.json here (and FILE_samples.jsonl)");
  return [options] { run_eval(*options); };
}

CommandRegistration registration(27, setup);

}  // namespace
}  // namespace r1forge::app
