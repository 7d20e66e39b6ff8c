// The synthetic task registry; see include/r1forge/data/tasks/task_registry.h.
#include "r1forge/data/tasks/task_registry.h"

#include "r1forge/data/jsonl.h"
#include "r1forge/data/tasks/arithmetic.h"
#include "r1forge/data/tasks/corpus.h"
#include "r1forge/data/tasks/countdown.h"
#include "r1forge/data/tasks/instructions.h"
#include "r1forge/data/tasks/preferences.h"

namespace r1forge::tasks {
namespace {

std::string where_of(const char* task) {
  return std::string("make-data --task ") + task;
}

std::vector<TaskFile> split_files(TaskSplits splits) {
  return {{"train.jsonl", std::move(splits.train)}, {"test.jsonl", std::move(splits.test)}};
}

// A task with train/test files whose config type is Config.
template <class Config, class Generate>
TaskInfo split_task(const char* name, std::string help, Generate generate) {
  return {name,
          std::move(help),
          describe_fields<Config>(),
          {"train.jsonl", "test.jsonl"},
          [name, generate](const TaskRequest& request) {
            Config config = parse_task_options<Config>(request.settings, where_of(name));
            return split_files(generate(config, request.train, request.test, request.seed));
          }};
}

std::vector<TaskInfo> make_registry() {
  std::vector<TaskInfo> tasks;
  tasks.push_back(split_task<ArithmeticConfig>(
      kArithmeticTask,
      "sums (and differences) of min_terms..max_terms operands, worked as a running-sum trace",
      generate_arithmetic));
  tasks.push_back(
      {kCorpusTask,
       "plain pretraining lines {\"text\"} from train-split arithmetic problems (corpus.jsonl; "
       "--train is the line count)",
       describe_fields<CorpusConfig>(),
       {"corpus.jsonl"},
       [](const TaskRequest& request) {
         const std::string where = where_of(kCorpusTask);
         R1F_CHECK_USAGE(request.test == 0, where,
                         ": the corpus is one file (corpus.jsonl) of "
                         "--train lines; --test must be 0, not ",
                         request.test);
         CorpusConfig config = parse_task_options<CorpusConfig>(request.settings, where);
         return std::vector<TaskFile>{
             {"corpus.jsonl", generate_corpus(config, request.train, request.seed)}};
       }});
  tasks.push_back(split_task<CountdownConfig>(
      kCountdownTask,
      "TinyZero Countdown: reach the target with + - * / using every number exactly once",
      generate_countdown));
  tasks.push_back(split_task<InstructionsConfig>(
      kInstructionsTask,
      "rule-checkable instructions (reverse, sort, count, format) with one exact answer",
      generate_instructions));
  tasks.push_back(split_task<PreferencesConfig>(
      kPreferencesTask,
      "preference pairs {prompt, chosen, rejected, aspect} for helpfulness and harmlessness "
      "reward models",
      generate_preferences));
  return tasks;
}

}  // namespace

const std::vector<TaskInfo>& registered_tasks() {
  static const std::vector<TaskInfo> tasks = make_registry();
  return tasks;
}

const TaskInfo& find_task(const std::string& name) {
  std::string names;
  for (const TaskInfo& task : registered_tasks()) {
    if (task.name == name) return task;
    names += (names.empty() ? "" : ", ") + task.name;
  }
  R1F_THROW(UsageError, "make-data: unknown task '", name, "'; tasks: ", names);
}

void write_task_files(const std::filesystem::path& folder, const std::vector<TaskFile>& files) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  R1F_CHECK_IO(!error, "make-data: cannot create the output folder ", folder, ": ",
               error.message());
  for (const TaskFile& file : files) {
    JsonlWriter writer(folder / file.name);
    for (const nlohmann::json& row : file.rows) writer.write(row);
    writer.close();
  }
}

}  // namespace r1forge::tasks
