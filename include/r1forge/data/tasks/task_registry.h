// The synthetic task registry behind `r1forge make-data` and a config's `make_data:` section
// (data/make_data.h): each task has a name, a help line, its options (the keys of its config
// struct, for --set key=value and the docs), the names of the files it writes (train.jsonl +
// test.jsonl, or corpus.jsonl for the pretraining corpus) and a generator that turns (sizes,
// seed, options) into their rows.
//
// Options are parsed with the config machinery (yaml_io.h): values follow YAML rules
// (`languages=[en, zh]`, `zh_share=0.3`), nested keys use dots (`arithmetic.digits=2`), and an
// unknown key is a ConfigError naming it and listing the known ones.
// Not here: the generators (arithmetic.h, countdown.h, instructions.h, corpus.h,
// preferences.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/config_overrides.h"
#include "r1forge/core/yaml_io.h"

namespace r1forge::tasks {

// The version of what the generators write. Bump it whenever any task generator, the mix or
// the tokenizer training of data/make_data.h writes different bytes for the same settings:
// make_data's stamp records it, so a folder made by an older generator is made again rather
// than trusted (tests/data/test_make_data.cpp pins a digest of the output to this number).
inline constexpr int64_t kTaskGeneratorVersion = 1;

struct TaskRequest {
  int64_t train = 0;                  // rows of train.jsonl (the corpus: lines of corpus.jsonl)
  int64_t test = 0;                   // rows of test.jsonl (the corpus: must be 0)
  uint64_t seed = 0;                  // drives sampling and the train/test split hash
  std::vector<std::string> settings;  // `key=value` options of the task
};

struct TaskFile {
  std::string name;  // file name inside the output folder, e.g. train.jsonl
  std::vector<nlohmann::json> rows;
};

struct TaskInfo {
  std::string name;
  std::string help;                // one line for --help and docs/tasks.md
  std::vector<FieldDoc> options;   // the keys --set accepts, with defaults and help
  std::vector<std::string> files;  // the files generate() returns, by name, in order
  std::function<std::vector<TaskFile>(const TaskRequest&)> generate;
};

// Every task, sorted by name: arithmetic, corpus, countdown, instructions, preferences.
const std::vector<TaskInfo>& registered_tasks();
// UsageError listing the task names for an unknown one.
const TaskInfo& find_task(const std::string& name);
// Writes each file into `folder` (created if missing), each atomically (core/fs.h).
void write_task_files(const std::filesystem::path& folder, const std::vector<TaskFile>& files);

// Parses `settings` into a config struct holding the defaults, then calls its validate(where).
// `where` names the source in messages, e.g. "make-data --task arithmetic".
template <class Config>
Config parse_task_options(const std::vector<std::string>& settings, const std::string& where) {
  Config config;
  yaml_detail::KeyCollector collector;
  config.visit(collector);
  for (const std::string& setting : settings) {
    const size_t equals = setting.find('=');
    R1F_CHECK_CONFIG(equals != std::string::npos && equals > 0, where, ": --set '", setting,
                     "' is not of the form key=value");
    const std::string key = setting.substr(0, setting.find_first_of(".=", 0));
    bool known = false;
    std::string list;
    for (const std::string& name : collector.names) {
      known = known || name == key;
      list += (list.empty() ? "" : ", ") + name;
    }
    R1F_CHECK_CONFIG(known, where, ": unknown option '", key, "' (from --set ", setting,
                     "); known options: ", list);
  }
  YamlOrigin origin(where);
  YAML::Node root = parse_yaml_with_overrides("", origin, settings);
  from_yaml(root, config, origin);
  config.validate(where);
  return config;
}

}  // namespace r1forge::tasks
