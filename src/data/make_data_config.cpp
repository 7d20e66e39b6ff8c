// Validation and output list of the `make_data:` section; see data/make_data_config.h.
#include "r1forge/data/make_data_config.h"

#include <algorithm>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/data/tasks/task_registry.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

const char* const kTokenizerFolderFiles[] = {"tokenizer.model", "tokenizer_config.json",
                                             "special_tokens_map.json"};

// A name inside dir: relative, with no `..` or `.` component and no empty one (so `a//b`
// and `a/./b` do not name one file twice), and not the stamp.
void check_inside_dir(const std::string& name, const std::string& key) {
  R1F_CHECK_CONFIG(!name.empty(), key, " is empty");
  const fs::path path(name);
  R1F_CHECK_CONFIG(path.is_relative(), key, " '", name, "' must be relative to make_data.dir");
  for (const auto& part : path) {
    R1F_CHECK_CONFIG(part != ".." && part != "." && !part.empty(), key, " '", name,
                     "' must stay inside make_data.dir (no '.', '..' or empty parts)");
  }
  R1F_CHECK_CONFIG(name.back() != '/' && name != "make_data.json", key, " '", name,
                   "' is not a file name this section may write");
}

std::string join(const std::vector<std::string>& items) {
  std::string list;
  for (const auto& item : items) list += (list.empty() ? "" : ", ") + item;
  return list.empty() ? "(none)" : list;
}

// Checks one task entry; `key` is `<where>.tasks.<i>`.
void validate_task(const MakeDataTaskConfig& task, const std::string& key) {
  R1F_CHECK_CONFIG(task.train + task.test > 0, key, " (", task.task,
                   "): ask for rows with train and/or test");
  R1F_CHECK_CONFIG(task.task != tasks::kCorpusTask || task.test == 0, key,
                   ".test: the corpus is one file of `train` lines; test must be 0, not ",
                   task.test);
  const std::pair<const char*, bool> sections[] = {
      {tasks::kArithmeticTask, task.arithmetic.has_value()},
      {tasks::kCorpusTask, task.corpus.has_value()},
      {tasks::kCountdownTask, task.countdown.has_value()},
      {tasks::kInstructionsTask, task.instructions.has_value()},
      {tasks::kPreferencesTask, task.preferences.has_value()}};
  for (const auto& [name, present] : sections) {
    R1F_CHECK_CONFIG(!present || task.task == name, key, ".", name, ": options of task ", name,
                     " on a task ", task.task, " would be ignored");
  }
  const std::string options = key + "." + task.task;
  if (task.arithmetic) task.arithmetic->validate(options);
  if (task.corpus) task.corpus->validate(options);
  if (task.countdown) task.countdown->validate(options);
  if (task.instructions) task.instructions->validate(options);
  if (task.preferences) task.preferences->validate(options);
  check_inside_dir(task.folder_name(), key + ".folder");
}

}  // namespace

void MakeDataConfig::validate(const std::string& where) const {
  R1F_CHECK_CONFIG(!dir.empty(), where, ".dir: name the output folder, e.g. runs/tiny-data");
  R1F_CHECK_CONFIG(!tasks.empty(), where,
                   ".tasks: list at least one data set, e.g. [{task: arithmetic, train: 1000}]");
  std::set<std::string> folders;
  std::set<std::string> made;  // files written so far, in the order output_files() makes them
  for (size_t i = 0; i < tasks.size(); ++i) {
    const std::string key = where + ".tasks." + std::to_string(i);
    validate_task(tasks[i], key);
    R1F_CHECK_CONFIG(folders.insert(tasks[i].folder_name()).second, key, ".folder '",
                     tasks[i].folder_name(),
                     "' is used by an earlier task; give each task its own folder");
    for (const auto& file : tasks::find_task(tasks[i].task).files) {
      made.insert(tasks[i].folder_name() + "/" + file);
    }
  }
  for (size_t i = 0; i < mixes.size(); ++i) {
    const MakeDataMix& mix = mixes[i];
    const std::string key = where + ".mixes." + std::to_string(i);
    check_inside_dir(mix.file, key + ".file");
    R1F_CHECK_CONFIG(mix.file.ends_with(".jsonl"), key, ".file '", mix.file,
                     "' must end in .jsonl");
    R1F_CHECK_CONFIG(!folders.count(mix.file.substr(0, mix.file.find('/'))), key, ".file '",
                     mix.file, "' lies in a task's folder; put mixes beside them");
    R1F_CHECK_CONFIG(!mix.parts.empty(), key, ".parts: list the files to concatenate");
    for (size_t p = 0; p < mix.parts.size(); ++p) {
      const std::string& part = mix.parts[p].file;
      R1F_CHECK_CONFIG(made.count(part), key, ".parts.", p, ".file '", part,
                       "' is not a file this section makes before it; those are: ",
                       join(std::vector<std::string>(made.begin(), made.end())));
    }
    R1F_CHECK_CONFIG(made.insert(mix.file).second, key, ".file '", mix.file,
                     "' is made twice (an earlier mix)");
  }
  if (tokenizer) {
    const std::string key = where + ".tokenizer";
    check_inside_dir(tokenizer->folder, key + ".folder");
    R1F_CHECK_CONFIG(!folders.count(tokenizer->folder) && !made.count(tokenizer->folder), key,
                     ".folder '", tokenizer->folder, "' is a task's folder or a mix");
    R1F_CHECK_CONFIG(!tokenizer->inputs.empty(), key,
                     ".inputs: list the files to train on, e.g. [corpus/corpus.jsonl]");
    for (size_t i = 0; i < tokenizer->inputs.size(); ++i) {
      R1F_CHECK_CONFIG(made.count(tokenizer->inputs[i]), key, ".inputs.", i, " '",
                       tokenizer->inputs[i], "' is not a file this section makes; those are: ",
                       join(std::vector<std::string>(made.begin(), made.end())));
    }
    R1F_CHECK_CONFIG(!tokenizer->fields.empty(), key,
                     ".fields: name the JSON string fields to train on, e.g. [text]");
    for (size_t i = 0; i < tokenizer->user_symbols.size(); ++i) {
      const std::string& symbol = tokenizer->user_symbols[i];
      R1F_CHECK_CONFIG(!symbol.empty() && symbol.find(',') == std::string::npos, key,
                       ".user_symbols.", i, " '", symbol, "' must be non-empty without ','");
    }
  }
}

std::vector<std::string> MakeDataConfig::output_files() const {
  std::vector<std::string> files;
  for (const auto& task : tasks) {
    for (const auto& file : tasks::find_task(task.task).files) {
      files.push_back(task.folder_name() + "/" + file);
    }
  }
  for (const auto& mix : mixes) files.push_back(mix.file);
  if (tokenizer) {
    for (const char* file : kTokenizerFolderFiles) files.push_back(tokenizer->folder + "/" + file);
  }
  return files;
}

}  // namespace r1forge
