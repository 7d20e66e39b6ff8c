// The staged pipeline runner; see pipeline/runner.h.
#include "r1forge/pipeline/runner.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/interrupt.h"
#include "r1forge/core/json_file.h"
#include "r1forge/core/log.h"
#include "r1forge/core/timer.h"
#include "r1forge/core/utc_time.h"
#include "r1forge/data/make_data.h"
#include "r1forge/pipeline/config_diff.h"
#include "r1forge/pipeline/distill_stage.h"
#include "r1forge/pipeline/run_report.h"
#include "r1forge/pipeline/run_session.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_attempt.h"
#include "r1forge/pipeline/stage_references.h"
#include "r1forge/rl/reward.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

// Version 2: stage outputs relative to run.dir, fingerprints from stage_attempt.h. Version 1
// files (absolute outputs, older fingerprints) are still read: their stages never match a
// fingerprint, so attempt.json decides (stage_attempt.h).
constexpr int kStateVersion = 2;

fs::path state_path(const Config& config) {
  return fs::path(config.run.dir) / "pipeline_state.json";
}

nlohmann::ordered_json load_state(const Config& config) {
  const fs::path path = state_path(config);
  if (!fs::exists(path)) return {{"version", kStateVersion}, {"stages", nlohmann::json::array()}};
  nlohmann::ordered_json state = read_json_file(path);
  const int version = state.is_object() ? state.value("version", 0) : 0;
  R1F_CHECK_DATA((version == 1 || version == kStateVersion) && state.contains("stages") &&
                     state["stages"].is_array(),
                 path.string(), ": not a pipeline state of version ", kStateVersion,
                 " (delete it to rerun every stage)");
  state["version"] = kStateVersion;
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

// Runs `work` with the attempt's errors also written to its log file (the binary prints
// them to the console).
template <class Work>
void logging_errors(const Work& work) {
  try {
    work();
  } catch (const std::exception& error) {
    log::write_file_only(log::Level::ERROR, std::string("r1forge: error: ") + error.what());
    throw;
  }
}

// A stage builds its rewards when it starts; building them here as well (nothing runs until a
// reward scores) makes an unknown reward name or option fail before any attempt is planned,
// with the reward's own message rather than as a changed setting.
void check_stage_rewards(const StageConfig& stage, const std::string& source) {
  const std::string where = source + ": stage '" + stage.name + "' ";
  if (stage.grpo && !stage.grpo->rewards.empty()) {
    RewardSet(stage.grpo->rewards, where + "grpo.rewards");
  }
  if (stage.grpo) {
    for (size_t s = 0; s < stage.grpo->sources.size(); ++s) {
      RewardSet(stage.grpo->sources[s].rewards,
                where + "grpo.sources." + std::to_string(s) + ".rewards");
    }
  }
  if (stage.rejection_sampling && !stage.rejection_sampling->rewards.empty()) {
    RewardSet(stage.rejection_sampling->rewards, where + "rejection_sampling.rewards");
  }
  if (stage.eval) RewardSet(stage.eval->reward_specs(), where + "eval.rewards");
}

// The pipeline inside its run session: plan every stage's attempt first (so a refused change
// stops the run before any work), then run the stages that need to.
void run_stages(const Config& config, const std::string& source) {
  nlohmann::ordered_json state = load_state(config);
  const std::map<std::string, StageIdentity> identities = pipeline_identities(config);
  std::vector<AttemptPlan> plans;
  std::string refusals;
  for (const auto& stage : config.stages) {
    const StageIdentity& now = identities.at(stage.name);
    const nlohmann::ordered_json* entry = find_entry(state, stage.name);
    const bool finished =
        entry && entry->value("fingerprint", "") == now.fingerprint && outputs_exist(config, stage);
    plans.push_back(
        plan_stage_attempt(stage_directory(config, stage), now, finished, config.run.on_change));
    if (plans.back().action == AttemptAction::REFUSE) {
      if (!refusals.empty()) refusals += "\n";
      refusals += refusal_message(stage.name, stage_directory(config, stage), plans.back());
    }
  }
  R1F_CHECK_CONFIG(refusals.empty(), source, ": run.on_change is ", config.run.on_change,
                   ", and nothing was run:\n", refusals);
  // Data parallel: every rank planned from the same files; rank 0 alone changes them now.
  world().barrier("stages planned");
  const bool main = world().is_main();
  if (main) {
    write_resolved_config(config, config.run.dir);
    const std::vector<ConfigDifference> differences = config_differences(config);
    R1F_LOG_INFO("config: ", differences.size(), " keys set apart from the defaults (every key: ",
                 (fs::path(config.run.dir) / "config.resolved.yaml").string(), ")\n",
                 format_config_differences(differences));
  }

  Timer pipeline_timer;
  InterruptScope interrupts;  // a signal between two stages stops before the next one starts
  for (size_t stage_index = 0; stage_index < config.stages.size(); ++stage_index) {
    const StageConfig& stage = config.stages[stage_index];
    const AttemptPlan& plan = plans[stage_index];
    if (plan.action == AttemptAction::SKIP) {
      R1F_LOG_INFO("stage '", stage.name, "' finished earlier (",
                   find_entry(state, stage.name)->value("finished_at", ""), "); skipped");
      continue;
    }
    if (any_rank(interrupt_requested(), "agree on a stop between stages")) {
      R1F_THROW(InterruptedError, "stopped by ", interrupt_signal_name(), " before stage '",
                stage.name, "'; the stages before it are recorded in ", state_path(config).string(),
                ". Run the same command again to continue");
    }
    const StageIdentity& now = identities.at(stage.name);
    if (main) begin_stage_attempt(stage_directory(config, stage), stage.name, plan, now);
    world().barrier("stage '" + stage.name + "' begins");
    Timer timer;
    run_stage(config, stage.name, source);
    test_stall_point("stage_done", static_cast<int64_t>(stage_index) + 1);
    if (!main) continue;
    nlohmann::ordered_json done = {{"name", stage.name},
                                   {"type", stage.type},
                                   {"fingerprint", now.fingerprint},
                                   {"output_id", now.output_id},
                                   {"seconds", timer.seconds()},
                                   {"finished_at", utc_time_iso()}};
    // Relative to run.dir, like every record in it: the folder may move.
    if (stage_produces_model(stage.type)) {
      done["output"] = run_relative_path(config, stage_directory(config, stage) / "final");
    } else if (!stage_data_output(config, stage).empty()) {
      done["output"] = run_relative_path(config, stage_data_output(config, stage));
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
  if (main) write_report(config);
  world().barrier("pipeline finished");
  R1F_LOG_INFO("pipeline finished in ", pipeline_timer.seconds(), " s; report in ",
               (fs::path(config.run.dir) / "report.md").string());
}

// The data-parallel group of the environment's launcher (core/distributed.h) for the lifetime
// of a run command; one process when none launched it. Ranks after 0 log warnings and errors
// only (rank 0 speaks for the run) and share the node's cores with the other local ranks.
class DataParallelScope {
 public:
  explicit DataParallelScope(const Config& config) {
    const ProcessPlacement placement = placement_from_environment();
    at::Device device = at::kCPU;
    if (config.model.device != "cpu" && at::hasCUDA()) device = at::Device(at::kCUDA, 0);
    // Checked for one process too: a config that names NCCL must not run on the CPU quietly
    // (model.device: auto on a machine without a GPU; cpu is refused when the config loads).
    R1F_CHECK_CONFIG(config.distributed.backend != "nccl" || device.is_cuda(),
                     "distributed.backend: nccl needs a GPU, and this machine has none; use "
                     "gloo or auto");
    init_distributed(config.distributed, placement, device);
    joined_ = placement.world_size > 1;
  }
  ~DataParallelScope() {
    if (joined_) shutdown_distributed();
  }
  DataParallelScope(const DataParallelScope&) = delete;
  DataParallelScope& operator=(const DataParallelScope&) = delete;

 private:
  bool joined_ = false;
};

// Rank 0 takes the run folder into `session` (the lock and the log file: a whole run, or one
// stage when `stage` names it); the other ranks wait until it has.
template <class... Stage>
void lock_run_folder(std::optional<RunSession>& session,
                     const Config& config,
                     const Stage&... stage) {
  if (world().is_main()) {
    fs::create_directories(config.run.dir);
    session.emplace(config.run.dir, stage...);
  }
  world().barrier("run folder locked by rank 0");
}

// Rank 0 makes the config's data; the others wait for it.
void make_run_data(const Config& config, const std::string& source) {
  if (config.make_data && world().is_main()) make_data(*config.make_data, source + ": make_data");
  world().barrier("make_data done");
}

}  // namespace

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
  for (const auto& stage : config.stages) check_stage_rewards(stage, source);
  DataParallelScope data_parallel(config);
  apply_runtime(config);
  std::optional<RunSession> session;
  lock_run_folder(session, config);  // no second process in this folder from here on
  logging_errors([&] {
    make_run_data(config, source);
    run_stages(config, source);
  });
}

void run_pipeline_stage(const Config& config, const std::string& name, const std::string& source) {
  const StageConfig& stage = find_stage(config, name);
  resolve_stage_inputs(config, name, source);  // bad references fail before anything changes
  check_stage_rewards(stage, source);
  DataParallelScope data_parallel(config);
  apply_runtime(config);
  std::optional<RunSession> session;
  lock_run_folder(session, config, name);
  logging_errors([&] {
    make_run_data(config, source);
    // The stages it reads as they are on disk: their attempts' output ids where recorded (a
    // stage rerun on its own with other settings gave another output), else the config's.
    const std::map<std::string, StageIdentity> planned = pipeline_identities(config);
    std::map<std::string, std::string> inputs;
    for (const auto& input : stage_input_names(config, stage)) {
      const auto recorded = read_stage_attempt(stage_directory(config, find_stage(config, input)));
      inputs[input] = recorded && !recorded->output_id.empty() ? recorded->output_id
                                                               : planned.at(input).output_id;
    }
    const StageIdentity now = stage_identity(config, stage, inputs);
    const fs::path directory = stage_directory(config, stage);
    const AttemptPlan plan =
        plan_stage_attempt(directory, now, /*finished=*/false, config.run.on_change);
    if (plan.action == AttemptAction::REFUSE) {
      R1F_THROW(ConfigError, source, ": ", refusal_message(name, directory, plan));
    }
    world().barrier("stage planned");
    if (world().is_main()) begin_stage_attempt(directory, name, plan, now);
    world().barrier("stage '" + name + "' begins");
    run_stage(config, name, source);
  });
}

}  // namespace r1forge
