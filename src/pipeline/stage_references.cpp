// Stage-to-stage references; see pipeline/stage_references.h.
#include "r1forge/pipeline/stage_references.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <type_traits>

#include "r1forge/core/check.h"
#include "r1forge/data/dataset_reader.h"
#include "r1forge/data/make_data.h"
#include "r1forge/model/model_config.h"
#include "r1forge/pipeline/stage.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

// A config visitor that records every string field whose key marks a path.
struct PathCollector {
  std::vector<std::pair<std::string, std::string*>> found;
  std::string prefix;

  template <class T, class... Constraints>
  void field(const char* name, T& value, const char* /*help*/, Constraints&&...) {
    walk(prefix + name, value);
  }
  void walk(const std::string& key, std::string& value) {
    const std::string leaf = key.substr(key.rfind('.') + 1);
    const bool is_path = leaf == "path" || (leaf.size() > 5 && leaf.ends_with("_path"));
    if (is_path && !value.empty()) found.emplace_back(key, &value);
  }
  // A reward's options: `options.path` is a path (the reward_model reward's folder).
  void walk(const std::string& key, std::map<std::string, std::string>& values) {
    for (auto& [name, value] : values) walk(key + "." + name, value);
  }
  template <class T>
  void walk(const std::string& key, std::optional<T>& value) {
    if (value) walk(key, *value);
  }
  template <class T>
  void walk(const std::string& key, std::vector<T>& values) {
    for (size_t i = 0; i < values.size(); ++i) walk(key + "." + std::to_string(i), values[i]);
  }
  template <class T>
  void walk(const std::string& key, T& value) {
    if constexpr (requires(T & v, PathCollector & c) { v.visit(c); }) {
      const std::string saved = prefix;
      prefix = key + ".";
      value.visit(*this);
      prefix = saved;
    }
  }
};

}  // namespace

bool is_reward_model_path(const std::string& key) {
  return key.ends_with(".options.path");
}

fs::path stage_data_output(const Config& config, const StageConfig& stage) {
  if (stage.type == "rejection_sampling") return stage_directory(config, stage) / "data.jsonl";
  return {};
}

bool stage_produces_model(const std::string& type) {
  return type != "rejection_sampling" && type != "eval";
}

bool stage_produces_policy(const std::string& type) {
  return stage_produces_model(type) && type != "reward_model";
}

bool made_by_make_data(const Config& config, const std::filesystem::path& path) {
  return config.make_data && make_data_makes(*config.make_data, path);
}

std::vector<std::pair<std::string, std::string*>> stage_data_paths(StageConfig& stage) {
  PathCollector collector;
  stage.visit(collector);
  return collector.found;
}

Config resolve_stage_references(const Config& config,
                                const std::string& source,
                                bool check_inputs_exist) {
  Config resolved = config;
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < config.stages.size(); ++i) position[config.stages[i].name] = i;
  const std::vector<std::string> presets = model_preset_names();
  const std::set<std::string> preset_set(presets.begin(), presets.end());

  for (size_t i = 0; i < resolved.stages.size(); ++i) {
    StageConfig& stage = resolved.stages[i];
    const std::string where = source + ": stages." + std::to_string(i) + " (" + stage.name + ")";
    // ---- init: base | an earlier model stage | a folder | a preset
    if (auto it = position.find(stage.init); it != position.end()) {
      const StageConfig& from = config.stages[it->second];
      R1F_CHECK_CONFIG(it->second < i, where, ".init names stage '", stage.init, "', which runs ",
                       it->second == i ? "as this stage" : "later",
                       "; init may name only an earlier stage");
      R1F_CHECK_CONFIG(stage_produces_model(from.type), where, ".init names stage '", stage.init,
                       "' of type ", from.type, ", which produces no model");
      // A reward model scores text and cannot generate: only a reward_model stage continues
      // from one (a reward model may start from any causal LM).
      R1F_CHECK_CONFIG(from.type != "reward_model" || stage.type == "reward_model", where,
                       ".init names stage '", stage.init,
                       "' of type reward_model, whose final/ is a reward model (a scorer with no "
                       "LM head), which a ",
                       stage.type,
                       " stage cannot start from; only a reward_model stage "
                       "may continue training it");
      stage.init = (stage_directory(config, from) / "final").string();
    } else if (stage.init != "base" && preset_set.count(stage.init) == 0) {
      R1F_CHECK_CONFIG(!check_inputs_exist || fs::is_directory(stage.init), where, ".init '",
                       stage.init,
                       "' is not an earlier stage, a model folder or a preset; stages before "
                       "this one: ",
                       [&] {
                         std::string list;
                         for (size_t k = 0; k < i; ++k) list += " " + config.stages[k].name;
                         return list.empty() ? std::string(" (none)") : list;
                       }());
    }
    // ---- the distillation teacher: an earlier model stage or a folder
    if (stage.distill && !stage.distill->teacher.empty()) {
      std::string& teacher = stage.distill->teacher;
      if (auto it = position.find(teacher); it != position.end()) {
        R1F_CHECK_CONFIG(it->second < i && stage_produces_policy(config.stages[it->second].type),
                         where, ".distill.teacher names stage '", teacher,
                         "', which is not an earlier stage that produces a model (a causal LM: a ",
                         "reward_model stage's is not one)");
        teacher = (stage_directory(config, config.stages[it->second]) / "final").string();
      } else {
        R1F_CHECK_CONFIG(!check_inputs_exist || fs::is_directory(teacher), where,
                         ".distill.teacher '", teacher,
                         "' is neither an earlier stage nor a folder");
      }
    }
    // ---- data paths: @stage or a file; a reward's model folder: @stage or a folder
    for (auto& [key, value] : stage_data_paths(stage)) {
      const bool model_folder = is_reward_model_path(key);
      if (value->front() == '@') {
        const std::string name = value->substr(1);
        auto it = position.find(name);
        R1F_CHECK_CONFIG(it != position.end(), where, ".", key, " is '", *value,
                         "' but no stage is named '", name, "'");
        R1F_CHECK_CONFIG(it->second < i, where, ".", key, " is '", *value, "' but stage '", name,
                         "' does not run before this one");
        if (model_folder) {
          const StageConfig& from = config.stages[it->second];
          R1F_CHECK_CONFIG(from.type == "reward_model", where, ".", key, " is '", *value,
                           "' but stage '", name, "' is a ", from.type,
                           " stage; a reward's model must come from a reward_model stage");
          *value = (stage_directory(config, from) / "final").string();
          continue;
        }
        const fs::path output = stage_data_output(config, config.stages[it->second]);
        R1F_CHECK_CONFIG(!output.empty(), where, ".", key, " is '", *value, "' but stage '", name,
                         "' (", config.stages[it->second].type, ") writes no ",
                         config.stages[it->second].type == "reward_model"
                             ? "data (its reward model is named by a reward's options.path)"
                             : "data");
        *value = output.string();
      } else if (model_folder) {
        R1F_CHECK_CONFIG(!check_inputs_exist || fs::is_directory(*value), where, ".", key,
                         ": folder '", *value, "' does not exist");
      } else {
        R1F_CHECK_CONFIG(
            !check_inputs_exist || dataset_exists(*value) || made_by_make_data(config, *value),
            where, ".", key, ": file '", *value, "' does not exist",
            config.make_data ? " (and make_data does not make it)" : "");
      }
    }
  }
  return resolved;
}

std::vector<std::string> stage_input_names(const Config& config, const StageConfig& stage) {
  std::vector<std::string> names;
  auto add = [&](const std::string& name) {
    for (const auto& earlier : config.stages) {
      if (earlier.name == stage.name) break;  // only stages before this one are references
      if (earlier.name == name && std::find(names.begin(), names.end(), name) == names.end()) {
        names.push_back(name);
      }
    }
  };
  add(stage.init);
  if (stage.distill) add(stage.distill->teacher);
  StageConfig copy = stage;
  for (auto& [key, value] : stage_data_paths(copy)) {
    if (value->front() == '@') add(value->substr(1));
  }
  return names;
}

StageConfig portable_stage(const Config& resolved, StageConfig stage) {
  for (const auto& earlier : resolved.stages) {
    if (earlier.name == stage.name) break;
    const std::string final_model = (stage_directory(resolved, earlier) / "final").string();
    if (stage.init == final_model) stage.init = earlier.name;
    if (stage.distill && stage.distill->teacher == final_model) {
      stage.distill->teacher = earlier.name;
    }
    const fs::path data = stage_data_output(resolved, earlier);
    for (auto& [key, value] : stage_data_paths(stage)) {
      if (is_reward_model_path(key) ? *value == final_model
                                    : !data.empty() && *value == data.string()) {
        *value = "@" + earlier.name;
      }
    }
  }
  return stage;
}

std::string run_relative_path(const Config& config, const fs::path& path) {
  const fs::path relative =
      path.lexically_normal().lexically_relative(fs::path(config.run.dir).lexically_normal());
  if (relative.empty() || *relative.begin() == "..") return path.string();
  return relative.string();
}

}  // namespace r1forge
