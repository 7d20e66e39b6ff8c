// `r1forge make-data`: writes a synthetic task's data set (data/tasks/) into a folder, or makes
// a config's whole `make_data:` folder (data/make_data.h) without running its stages.
//
//   r1forge make-data --task arithmetic|countdown|instructions|preferences|corpus --out DIR
//                     --train N [--test N] [--seed S] [--set key=value ...] [--options]
//   r1forge make-data --config CONFIG.yaml [a.b=c ...]
// Split tasks write DIR/train.jsonl and DIR/test.jsonl, the corpus DIR/corpus.jsonl, each
// atomically; nothing is written when an option is bad or the sizes cannot be met.
// Not here: the generators and the split rule (r1forge/data/tasks/), the folder and its stamp
// (r1forge/data/make_data.h).
#include "r1forge/data/make_data.h"

#include <iostream>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/data/tasks/task_registry.h"
#include "r1forge/pipeline/run_config.h"

namespace r1forge::app {
namespace {

struct MakeDataOptions {
  std::string task;
  std::string out;
  tasks::TaskRequest request;
  bool list_options = false;
  std::string config_path;             // --config: make that config's make_data: folder
  std::vector<std::string> overrides;  // with --config
};

void run_make_config_data(const MakeDataOptions& options) {
  R1F_CHECK_USAGE(options.task.empty() && options.out.empty(),
                  "make-data: --config makes the config's make_data: folder; --task and --out "
                  "do not apply");
  const Config config = load_config(options.config_path, options.overrides);
  R1F_CHECK_CONFIG(config.make_data.has_value(), options.config_path,
                   ": the config has no make_data: section");
  make_data(*config.make_data, options.config_path + ": make_data");
}

void print_options(const tasks::TaskInfo& task) {
  std::cout << "make-data --task " << task.name << ": " << task.help << "\noptions (--set "
            << "key=value):\n";
  for (const FieldDoc& option : task.options) {
    std::cout << "  " << option.path << " (" << option.type;
    if (!option.default_value.empty()) std::cout << ", default " << option.default_value;
    if (!option.allowed.empty()) std::cout << ", " << option.allowed;
    std::cout << "): " << option.help << "\n";
  }
}

void run_make_data(const MakeDataOptions& options) {
  if (!options.config_path.empty()) {
    run_make_config_data(options);
    return;
  }
  R1F_CHECK_USAGE(options.overrides.empty(), "make-data: overrides (a.b=c) need --config");
  R1F_CHECK_USAGE(!options.task.empty(), "make-data: give --task NAME (or --config CONFIG.yaml)");
  const tasks::TaskInfo& task = tasks::find_task(options.task);
  if (options.list_options) {
    print_options(task);
    return;
  }
  R1F_CHECK_USAGE(!options.out.empty(), "make-data: --out DIR is required");
  R1F_CHECK_USAGE(options.request.train >= 0 && options.request.test >= 0,
                  "make-data: --train and --test must not be negative");
  R1F_CHECK_USAGE(options.request.train + options.request.test > 0,
                  "make-data: ask for rows with --train N and/or --test N");
  std::vector<tasks::TaskFile> files = task.generate(options.request);
  tasks::write_task_files(options.out, files);
  for (const tasks::TaskFile& file : files) {
    R1F_LOG_INFO("make-data: wrote ", file.rows.size(), " ", task.name, " rows to ",
                 (std::filesystem::path(options.out) / file.name).string());
  }
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<MakeDataOptions>();
  std::string names;
  for (const tasks::TaskInfo& task : tasks::registered_tasks())
    names += (names.empty() ? "" : "|") + task.name;
  CLI::App* command = root.add_subcommand(
      "make-data",
      "Write a synthetic task's train.jsonl and test.jsonl (corpus: corpus.jsonl) with "
      "disjoint splits, or a config's make_data: folder; see docs/tasks.md");
  command->add_option("--task", options->task, names);
  command->add_option("--config", options->config_path,
                      "make this config's make_data: folder (skipped when current) and exit");
  command->add_option("overrides", options->overrides, "with --config: overrides a.b=v ...");
  command->add_option("--out", options->out, "output folder (created if missing)");
  command->add_option("--train", options->request.train,
                      "rows of train.jsonl (corpus: lines of corpus.jsonl)");
  command->add_option("--test", options->request.test, "rows of test.jsonl (corpus: 0)");
  command
      ->add_option("--seed", options->request.seed,
                   "seed of the sampling and of the train/test split hash")
      ->check(CLI::NonNegativeNumber);  // CLI11 would wrap "-3" into a uint64_t
  command->add_option("--set", options->request.settings,
                      "task option key=value (YAML value; nested keys with dots); repeatable; "
                      "--options lists them");
  command->add_flag("--options", options->list_options,
                    "print the task's options with defaults and exit");
  return [options] { run_make_data(*options); };
}

CommandRegistration registration(45, setup);

}  // namespace
}  // namespace r1forge::app
