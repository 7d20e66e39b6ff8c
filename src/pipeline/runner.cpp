// The staged pipeline runner and its report; see pipeline/runner.h.
#include "r1forge/pipeline/runner.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/interrupt.h"
#include "r1forge/core/json_file.h"
#include "r1forge/core/log.h"
#include "r1forge/core/timer.h"
#include "r1forge/data/make_data.h"
#include "r1forge/pipeline/distill_stage.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_references.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

constexpr int kStateVersion = 1;

// An FNV-1a-style hash of the text: a stage's identity is its resolved section plus what shapes
// every stage (model, sampling, seed, the make_data section), so changing any of them reruns
// the stage. The offset basis is a digit short of FNV's (14695981039346656037, which
// core/rng.cpp uses), so this is not rng.cpp's hash; kept as it is, since pipeline_state.json
// files record these values.
std::string stage_fingerprint(const Config& resolved, const StageConfig& stage) {
  std::string text = to_yaml(stage) + to_yaml(resolved.model) + to_yaml(resolved.sampling) +
                     std::to_string(resolved.run.seed);
  // The data every stage trains on: other settings or another generator version rerun them.
  if (resolved.make_data) text += make_data_identity(*resolved.make_data);
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

fs::path state_path(const Config& config) {
  return fs::path(config.run.dir) / "pipeline_state.json";
}

nlohmann::ordered_json load_state(const Config& config) {
  const fs::path path = state_path(config);
  if (!fs::exists(path)) return {{"version", kStateVersion}, {"stages", nlohmann::json::array()}};
  nlohmann::json state = read_json_file(path);
  R1F_CHECK_DATA(state.is_object() && state.value("version", 0) == kStateVersion &&
                     state.contains("stages") && state["stages"].is_array(),
                 path.string(), ": not a pipeline state of version ", kStateVersion,
                 " (delete it to rerun every stage)");
  return state;
}

const nlohmann::ordered_json* find_entry(const nlohmann::ordered_json& state,
                                         const std::string& name) {
  for (const auto& entry : state["stages"]) {
    if (entry.value("name", "") == name) return &entry;
  }
  return nullptr;
}

// The outputs a later stage reads: final/ for model stages, the data file for data stages.
bool outputs_exist(const Config& config, const StageConfig& stage) {
  if (stage_produces_model(stage.type)) {
    return fs::exists(stage_directory(config, stage) / "final" / "config.json");
  }
  const fs::path data = stage_data_output(config, stage);
  return data.empty() || fs::exists(data);
}

std::string format_cell(const nlohmann::json& eval, const char* key, bool percent) {
  if (!eval.is_object() || !eval.contains(key) || !eval[key].is_number()) return "-";
  char cell[32];
  const double value = eval[key].get<double>();
  std::snprintf(cell, sizeof cell, percent ? "%.1f%%" : "%.0f", percent ? 100.0 * value : value);
  return cell;
}

}  // namespace

void write_report(const Config& config) {
  nlohmann::ordered_json state = load_state(config);
  nlohmann::ordered_json report = {{"stages", nlohmann::json::array()}};
  std::ostringstream markdown;
  markdown << "# r1forge run report\n\nRun folder: `" << config.run.dir << "`\n\n"
           << "| stage | type | seconds | pass@1 | cons@k | format | k | problems |\n"
           << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& stage : config.stages) {
    const nlohmann::ordered_json* entry = find_entry(state, stage.name);
    if (!entry) continue;
    nlohmann::ordered_json line = {
        {"name", stage.name}, {"type", stage.type}, {"seconds", (*entry)["seconds"]}};
    nlohmann::json eval;
    const fs::path eval_file = stage_directory(config, stage) / "eval.json";
    if (fs::exists(eval_file)) {
      eval = read_json_file(eval_file);
      line["eval"] = eval;
    }
    report["stages"].push_back(line);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", (*entry)["seconds"].get<double>());
    markdown << "| " << stage.name << " | " << stage.type << " | " << seconds << " | "
             << format_cell(eval, "pass_at_1", true) << " | "
             << format_cell(eval, "cons_at_k", true) << " | "
             << format_cell(eval, "format_rate", true) << " | " << format_cell(eval, "k", false)
             << " | " << format_cell(eval, "problems", false) << " |\n";
  }
  markdown << "\npass@1 is estimated from k samples per held-out problem, cons@k is the majority "
              "vote over those k samples, format is the share of samples in the required "
              "format (docs/eval.md).\n";
  atomic_write_file(fs::path(config.run.dir) / "report.json", report.dump(2) + "\n");
  atomic_write_file(fs::path(config.run.dir) / "report.md", markdown.str());
}

void run_pipeline(const Config& config, const std::string& source) {
  R1F_CHECK_CONFIG(!config.stages.empty(), source, ": the config has no stages: list to run");
  // Everything that can be checked before training is: references, input files, tokenizer.
  const Config resolved = resolve_stage_references(config, source, /*check_inputs_exist=*/true);
  R1F_CHECK_CONFIG(config.model.tokenizer.empty() || fs::exists(config.model.tokenizer) ||
                       made_by_make_data(config, config.model.tokenizer),
                   source, ": model.tokenizer '", config.model.tokenizer, "' does not exist",
                   config.make_data ? " (and make_data does not make it)" : "");
  // Distillation needs one tokenizer: with model.tokenizer set every stage shares it; else
  // the student's and teacher's folders must agree, checked here when both exist already.
  for (const auto& stage : resolved.stages) {
    if (!stage.distill || stage.distill->logit_weight == 0.0 || !config.model.tokenizer.empty()) {
      continue;
    }
    const fs::path teacher = stage.distill->teacher;
    const fs::path student =
        stage.init == "base" ? fs::path(config.model.init) : fs::path(stage.init);
    if (fs::exists(teacher / "config.json") && fs::exists(student / "config.json")) {
      check_same_tokenizer(
          *load_tokenizer(student), *load_tokenizer(teacher),
          source + ": stage '" + stage.name + "' distill.teacher " + teacher.string());
    }
  }
  apply_runtime(config.run);
  fs::create_directories(config.run.dir);
  write_resolved_config(config, config.run.dir);
  if (config.make_data) make_data(*config.make_data, source + ": make_data");

  nlohmann::ordered_json state = load_state(config);
  bool upstream_ran = false;  // once a stage runs, every later stage's inputs are new
  Timer pipeline_timer;
  InterruptScope interrupts;  // a signal between two stages stops before the next one starts
  for (size_t stage_index = 0; stage_index < config.stages.size(); ++stage_index) {
    const StageConfig& stage = config.stages[stage_index];
    if (interrupt_requested()) {
      R1F_THROW(InterruptedError, "stopped by ", interrupt_signal_name(), " before stage '",
                stage.name, "'; the stages before it are recorded in ", state_path(config).string(),
                ". Run the same command again to continue");
    }
    const std::string fingerprint = stage_fingerprint(resolved, find_stage(resolved, stage.name));
    const nlohmann::ordered_json* entry = find_entry(state, stage.name);
    if (entry && !upstream_ran) {
      if (entry->value("fingerprint", "") == fingerprint && outputs_exist(config, stage)) {
        R1F_LOG_INFO("stage '", stage.name, "' finished earlier (", entry->value("finished_at", ""),
                     "); skipped");
        continue;
      }
      R1F_LOG_WARN("stage '", stage.name, "': its config or outputs changed since it finished; ",
                   "rerunning it and every stage after it");
    }
    upstream_ran = true;
    // Snapshots continue an interrupted attempt of this very config; any other attempt's
    // (a finished stage rerun, a changed config) must not be continued from.
    const fs::path directory = stage_directory(config, stage);
    const fs::path attempt = directory / "attempt.json";
    const bool same_attempt = !entry && fs::exists(attempt) &&
                              read_json_file(attempt).value("fingerprint", "") == fingerprint;
    if (!same_attempt) fs::remove_all(directory / "checkpoints");
    fs::create_directories(directory);
    atomic_write_file(attempt, nlohmann::json{{"fingerprint", fingerprint}}.dump() + "\n");
    Timer timer;
    run_stage(config, stage.name, source);
    test_stall_point("stage_done", static_cast<int64_t>(stage_index) + 1);
    nlohmann::ordered_json done = {{"name", stage.name},
                                   {"type", stage.type},
                                   {"fingerprint", fingerprint},
                                   {"seconds", timer.seconds()},
                                   {"finished_at", utc_now()}};
    if (stage_produces_model(stage.type)) {
      done["output"] = (stage_directory(config, stage) / "final").string();
    } else if (!stage_data_output(config, stage).empty()) {
      done["output"] = stage_data_output(config, stage).string();
    }
    nlohmann::ordered_json stages = nlohmann::json::array();
    for (const auto& previous : state["stages"]) {
      if (previous.value("name", "") != stage.name) stages.push_back(previous);
    }
    stages.push_back(done);
    state["stages"] = stages;
    atomic_write_file(state_path(config), state.dump(2) + "\n");
    write_report(config);
  }
  write_report(config);
  R1F_LOG_INFO("pipeline finished in ", pipeline_timer.seconds(), " s; report in ",
               (fs::path(config.run.dir) / "report.md").string());
}

}  // namespace r1forge
