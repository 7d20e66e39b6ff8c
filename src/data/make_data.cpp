// Making a `make_data:` folder with its stamp; see data/make_data.h.
#include "r1forge/data/make_data.h"

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/file_lock.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/sha256.h"
#include "r1forge/core/timer.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/data/tasks/task_registry.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// What scripts/make_tiny_data.sh (this section's retired predecessor) left as its stamp: a
// folder with it was made by r1forge and may be replaced.
constexpr const char* kLegacyStamp = "done";

Json yaml_to_json(const YAML::Node& node) {
  if (node.IsMap()) {
    Json object = Json::object();
    for (const auto& pair : node) object[pair.first.Scalar()] = yaml_to_json(pair.second);
    return object;
  }
  if (node.IsSequence()) {
    Json array = Json::array();
    for (const auto& item : node) array.push_back(yaml_to_json(item));
    return array;
  }
  if (node.IsScalar()) return node.Scalar();
  return nullptr;
}

// The settings that decide the bytes: every key but dir, through the resolved YAML (so a
// default written out and one left implicit are the same settings).
Json identity_json(const MakeDataConfig& config) {
  Json settings = yaml_to_json(YAML::Load(to_yaml(config)));
  settings.erase("dir");
  return Json{{"generator_version", tasks::kTaskGeneratorVersion}, {"settings", settings}};
}

Json file_entry(const fs::path& file) {
  return Json{{"bytes", static_cast<int64_t>(fs::file_size(file))}, {"sha256", sha256_file(file)}};
}

// The reason `dir` is not current, or empty when it is.
std::string stale_reason(const MakeDataConfig& config, const fs::path& dir) {
  const fs::path stamp_path = dir / kMakeDataStamp;
  if (!fs::exists(stamp_path)) return "no stamp " + stamp_path.string();
  Json stamp = Json::parse(read_file(stamp_path), nullptr, /*allow_exceptions=*/false);
  if (!stamp.is_object()) return "its stamp is not JSON";
  const Json identity = identity_json(config);
  if (stamp.value("generator_version", Json()) != identity["generator_version"]) {
    return "it was made by generator version " + stamp.value("generator_version", Json()).dump() +
           ", this is version " + std::to_string(tasks::kTaskGeneratorVersion);
  }
  if (stamp.value("settings", Json()) != identity["settings"]) {
    return "it was made with other settings";
  }
  const Json files = stamp.value("files", Json::object());
  const std::vector<std::string> outputs = config.output_files();
  if (!files.is_object() || files.size() != outputs.size()) return "its stamp lists other files";
  for (const auto& name : outputs) {
    const fs::path file = dir / name;
    if (!files.contains(name) || !fs::is_regular_file(file)) return name + " is missing";
    if (files[name] != file_entry(file)) return name + " differs from its stamp";
  }
  return "";
}

// A folder we may replace: absent, empty, or holding our stamp (or the old script's).
void check_replaceable(const fs::path& dir, const std::string& where) {
  if (!fs::exists(dir)) return;
  R1F_CHECK_CONFIG(fs::is_directory(dir), where, ".dir ", dir, " exists and is not a folder");
  const bool ours =
      fs::is_empty(dir) || fs::exists(dir / kMakeDataStamp) || fs::exists(dir / kLegacyStamp);
  R1F_CHECK_CONFIG(ours, where, ".dir ", dir, " exists but was not made by make_data (no ",
                   kMakeDataStamp, " in it); it is never replaced: move it away or choose another",
                   " dir");
}

// A task's options section as `make-data --set` settings: `key=<flow YAML>` per top-level key
// (`languages=[en, zh]`, `arithmetic={digits: 2, ...}`), so both paths parse them one way.
template <class Options>
std::vector<std::string> task_settings(const std::optional<Options>& options) {
  std::vector<std::string> settings;
  if (!options) return settings;
  for (const auto& pair : YAML::Load(to_yaml(*options))) {
    YAML::Emitter value;
    value << YAML::Flow << pair.second;
    settings.push_back(pair.first.Scalar() + "=" + value.c_str());
  }
  return settings;
}

void make_task(const MakeDataTaskConfig& task, const fs::path& staging, const std::string& key) {
  tasks::TaskRequest request;
  request.train = task.train;
  request.test = task.test;
  request.seed = static_cast<uint64_t>(task.seed);
  for (auto settings :
       {task_settings(task.arithmetic), task_settings(task.corpus), task_settings(task.countdown),
        task_settings(task.instructions), task_settings(task.preferences)}) {
    request.settings.insert(request.settings.end(), settings.begin(), settings.end());
  }
  std::vector<tasks::TaskFile> files;
  try {
    files = tasks::find_task(task.task).generate(request);
  } catch (const ConfigError& error) {  // e.g. sizes the problem space cannot meet
    R1F_THROW(ConfigError, key, " (", task.task, "): ", error.what());
  }
  tasks::write_task_files(staging / task.folder_name(), files);
  for (const auto& file : files) {
    R1F_LOG_INFO("make_data: ", file.rows.size(), " ", task.task, " rows -> ", task.folder_name(),
                 "/", file.name);
  }
}

// Copies the first max_rows lines of each part, byte for byte.
void make_mix(const MakeDataMix& mix, const fs::path& staging) {
  std::string out;
  int64_t rows = 0;
  for (const auto& part : mix.parts) {
    std::istringstream in(read_file(staging / part.file));
    int64_t taken = 0;
    for (std::string line; std::getline(in, line);) {
      if (part.max_rows > 0 && taken == part.max_rows) break;
      if (line.empty()) continue;
      out += line + "\n";
      ++taken;
    }
    rows += taken;
  }
  fs::create_directories((staging / mix.file).parent_path());
  atomic_write_file(staging / mix.file, out);
  R1F_LOG_INFO("make_data: ", rows, " rows -> ", mix.file);
}

void make_tokenizer(const MakeDataTokenizerConfig& config, const fs::path& staging) {
  SentencePieceTrainConfig train;
  train.vocab_size = config.vocab_size;
  train.model_type = config.model_type;
  train.split_digits = config.split_digits;
  train.user_defined_symbols = config.user_symbols;
  train.byte_fallback = config.byte_fallback;
  train.character_coverage = config.character_coverage;
  // No seed: every input line is used (input_sentence_size 0), so SentencePiece samples
  // nothing and its seed changes no byte of the model.
  train.num_threads = 1;  // byte-identical models run to run
  std::vector<fs::path> inputs;
  for (const auto& input : config.inputs) inputs.push_back(staging / input);
  const fs::path folder = staging / config.folder;
  fs::create_directories(folder);
  train_sentencepiece(jsonl_string_fields(inputs, config.fields), train,
                      folder / "tokenizer.model");
  TokenizerFolderOptions options;
  options.model_max_length = config.model_max_length;
  write_tokenizer_folder_files(folder, folder / "tokenizer.model", options);
  R1F_LOG_INFO("make_data: tokenizer (", config.vocab_size, " pieces) -> ", config.folder, "/");
}

// Everything into `staging`, the stamp last.
void make_all(const MakeDataConfig& config, const fs::path& staging, const std::string& where) {
  for (size_t i = 0; i < config.tasks.size(); ++i) {
    make_task(config.tasks[i], staging, where + ".tasks." + std::to_string(i));
  }
  for (const auto& mix : config.mixes) make_mix(mix, staging);
  if (config.tokenizer) make_tokenizer(*config.tokenizer, staging);
  Json stamp = identity_json(config);
  Json files = Json::object();
  for (const auto& name : config.output_files()) files[name] = file_entry(staging / name);
  stamp["files"] = files;
  atomic_write_file(staging / kMakeDataStamp, stamp.dump(2) + "\n");
  fsync_directory(staging);
}

// `<dir>` + suffix, beside it.
fs::path sibling(const fs::path& dir, const char* suffix) {
  return dir.string() + suffix;
}

// config.dir without a trailing separator ("runs/data/" names runs/data).
fs::path data_dir(const MakeDataConfig& config) {
  fs::path dir = fs::path(config.dir).lexically_normal();
  return dir.has_filename() ? dir : dir.parent_path();
}

fs::path parent_of(const fs::path& dir) {
  return dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
}

}  // namespace

std::string make_data_identity(const MakeDataConfig& config) {
  return identity_json(config).dump();
}

bool make_data_current(const MakeDataConfig& config) {
  return stale_reason(config, data_dir(config)).empty();
}

bool make_data_makes(const MakeDataConfig& config, const fs::path& path) {
  const fs::path wanted = fs::absolute(path).lexically_normal();
  const fs::path dir = fs::absolute(config.dir).lexically_normal();
  if (config.tokenizer && wanted == (dir / config.tokenizer->folder).lexically_normal()) {
    return true;
  }
  for (const auto& name : config.output_files()) {
    if (wanted == (dir / name).lexically_normal()) return true;
  }
  return false;
}

MakeDataResult make_data(const MakeDataConfig& config, const std::string& where) {
  Timer timer;
  const fs::path dir = data_dir(config);
  std::error_code error;
  fs::create_directories(parent_of(dir), error);
  R1F_CHECK_IO(!error, where, ".dir: cannot create the parent of ", dir, ": ", error.message());
  FileLock lock;  // a second maker waits for this one, then finds the folder current
  lock.lock(dir.string() + ".lock");
  const std::string reason = stale_reason(config, dir);
  if (reason.empty()) {
    R1F_LOG_INFO("make_data: ", dir.string(), " is current (generator version ",
                 tasks::kTaskGeneratorVersion, ", same settings); skipped");
    return {false, timer.seconds()};
  }
  check_replaceable(dir, where);
  R1F_LOG_INFO("make_data: making ", dir.string(), " (", reason, ")");
  const fs::path staging = sibling(dir, ".staging");
  const fs::path old = sibling(dir, ".old");
  fs::remove_all(staging);  // a killed attempt's leftovers
  fs::remove_all(old);
  fs::create_directories(staging);
  try {
    make_all(config, staging, where);
  } catch (...) {
    fs::remove_all(staging, error);
    throw;
  }
  test_stall_point("make_data_commit", 1);
  // rename() cannot replace a non-empty folder: the old one moves aside first. A kill between
  // the two renames leaves no dir (and a complete .old), so the next call makes it again.
  if (fs::exists(dir)) fs::rename(dir, old);
  fs::rename(staging, dir);
  fsync_directory(parent_of(dir));
  fs::remove_all(old, error);
  R1F_LOG_INFO("make_data: ", dir.string(), " made in ", timer.seconds(), " s");
  return {true, timer.seconds()};
}

}  // namespace r1forge
