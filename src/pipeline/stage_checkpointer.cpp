// The save/resume policy of training stages; see pipeline/stage_checkpointer.h.
#include "r1forge/pipeline/stage_checkpointer.h"

#include "r1forge/core/check.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"

namespace r1forge {
namespace fs = std::filesystem;

StageCheckpointer::StageCheckpointer(fs::path stage_dir,
                                     const CheckpointConfig& config,
                                     std::string label,
                                     std::string stage_config,
                                     StageModel& model,
                                     Optimizer& optimizer,
                                     Transformer* reference)
    : checkpoints_(std::move(stage_dir) / "checkpoints"),
      config_(config),
      label_(std::move(label)),
      stage_config_(std::move(stage_config)),
      model_(model),
      optimizer_(optimizer),
      reference_(reference) {
  remove_stale_checkpoint_staging(checkpoints_);
  preflight_checkpoint_folder(checkpoints_,
                              estimated_checkpoint_bytes(model.model, reference != nullptr));
}

TrainingState StageCheckpointer::resume() {
  std::optional<CheckpointInfo> found = find_valid_checkpoint(checkpoints_);
  if (!found) return {};
  TrainingState state = read_training_state(found->folder, model_, optimizer_, reference_);
  R1F_CHECK_DATA(state.step == found->step, found->folder.string(), "/trainer_state.json: step ",
                 state.step, " does not match the folder name");
  R1F_LOG_WARN(label_, ": resuming after step ", state.step, " from ", found->folder.string());
  last_saved_step_ = state.step;
  best_metric_ = checkpoint_metric(found->folder);
  since_save_.reset();
  return state;
}

void StageCheckpointer::after_step(int64_t step,
                                   bool last,
                                   const std::function<nlohmann::json()>& progress,
                                   const MetricValues& metrics) {
  test_stall_point("after_step", step);
  if (!config_.metric_for_best_model.empty()) {
    // The latest value seen: evaluations need not fall on the steps that save.
    auto found = metrics.find(config_.metric_for_best_model);
    if (found != metrics.end()) best_metric_ = CheckpointMetric{found->first, found->second};
  }
  const bool stop = interrupt_requested();
  const bool due =
      last || stop || (config_.save_steps > 0 && step % config_.save_steps == 0) ||
      (config_.save_minutes > 0 && since_save_.seconds() >= 60.0 * config_.save_minutes);
  if (due && step != last_saved_step_) save(step, progress());
  if (stop) {
    R1F_THROW(InterruptedError, label_, ": stopped by ", interrupt_signal_name(), " after step ",
              step, "; checkpoint ", (checkpoints_ / checkpoint_folder_name(step)).string(),
              " saved. Run the same command again to continue from it");
  }
}

void StageCheckpointer::save(int64_t step, const nlohmann::json& progress) {
  TrainingState state;
  state.step = step;
  state.progress = progress;
  state.stage_config = stage_config_;
  Timer timer;
  const fs::path folder = save_checkpoint(
      checkpoints_, step,
      [&](const fs::path& staging) {
        write_training_state(staging, model_, optimizer_, reference_, state);
        // The run's whole resolved config beside the stage's (run.dir/stages/NN-x/checkpoints).
        const fs::path resolved =
            checkpoints_.parent_path().parent_path().parent_path() / "config.resolved.yaml";
        if (fs::exists(resolved)) {
          atomic_write_file(staging / "config.resolved.yaml", read_file(resolved));
        }
      },
      best_metric_, config_);
  last_saved_step_ = step;
  since_save_.reset();
  R1F_LOG_INFO(label_, ": checkpoint ", folder.string(), " (", timer.seconds(), " s)");
}

nlohmann::json sampler_progress(const PromptSampler& sampler) {
  return {{"size", sampler.size()}, {"epoch", sampler.epoch()}, {"position", sampler.position()}};
}

void restore_sampler(PromptSampler& sampler,
                     const nlohmann::json& progress,
                     const fs::path& checkpoints,
                     const std::string& data) {
  const int64_t size = progress.value("size", int64_t{-1});
  R1F_CHECK_DATA(size == sampler.size(), checkpoints.string(), ": the checkpoint was taken over ",
                 size, " rows of ", data, ", which now gives ", sampler.size(),
                 "; the data changed (restore it, or delete the checkpoints)");
  sampler.restore(progress.at("epoch").get<int64_t>(), progress.at("position").get<int64_t>());
}

}  // namespace r1forge
