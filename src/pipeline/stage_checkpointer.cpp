// The save/resume policy of training stages; see pipeline/stage_checkpointer.h.
#include "r1forge/pipeline/stage_checkpointer.h"

#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
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
    : StageCheckpointer(std::move(stage_dir),
                        config,
                        std::move(label),
                        std::move(stage_config),
                        checkpoint_model(model),
                        optimizer,
                        reference) {}

StageCheckpointer::StageCheckpointer(fs::path stage_dir,
                                     const CheckpointConfig& config,
                                     std::string label,
                                     std::string stage_config,
                                     CheckpointModel model,
                                     Optimizer& optimizer,
                                     Transformer* reference)
    : checkpoints_(std::move(stage_dir) / "checkpoints"),
      config_(config),
      label_(std::move(label)),
      stage_config_(std::move(stage_config)),
      model_(std::move(model)),
      optimizer_(optimizer),
      reference_(reference) {
  // Data parallel: rank 0 owns the checkpoint folder (it alone writes there).
  if (world().is_main()) {
    remove_stale_checkpoint_staging(checkpoints_);
    preflight_checkpoint_folder(checkpoints_,
                                estimated_checkpoint_bytes(*model_.module, reference != nullptr));
  }
  world().barrier("checkpoint folder " + checkpoints_.string() + " prepared");
}

TrainingState StageCheckpointer::resume() {
  // Rank 0 picks (and verifies) the checkpoint; every rank loads that one. Its files hold
  // nothing per rank, so any world size resumes it.
  std::optional<CheckpointInfo> found;
  if (world().is_main()) found = find_valid_checkpoint(checkpoints_);
  if (world().size() > 1) {
    std::vector<at::Tensor> step = {at::full({1}, found ? found->step : int64_t{-1}, at::kLong)};
    world().broadcast(step, 0, "broadcast the checkpoint to resume");
    const int64_t chosen = step[0].item<int64_t>();
    if (!world().is_main() && chosen >= 0) {
      found = CheckpointInfo{chosen, checkpoints_ / checkpoint_folder_name(chosen)};
    }
  }
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
  // The ranks agree on stopping (a signal may reach one rank only, or between two steps)
  // and on a timed save (clocks differ): one small collective per step.
  const bool timed =
      config_.save_minutes > 0 && since_save_.seconds() >= 60.0 * config_.save_minutes;
  const std::vector<double> votes = all_reduce_sum(
      {interrupt_requested() ? 1.0 : 0.0, timed ? 1.0 : 0.0}, "all_reduce stop and save votes");
  const bool stop = votes[0] > 0;
  const bool due =
      last || stop || (config_.save_steps > 0 && step % config_.save_steps == 0) || votes[1] > 0;
  if (due && step != last_saved_step_) save(step, progress());
  if (stop) {
    const char* signal = interrupt_signal_name();
    R1F_THROW(InterruptedError, label_, ": stopped by ", *signal ? signal : "another rank's signal",
              " after step ", step, "; checkpoint ",
              (checkpoints_ / checkpoint_folder_name(step)).string(),
              " saved. Run the same command again to continue from it");
  }
}

void StageCheckpointer::save(int64_t step, const nlohmann::json& progress) {
  // Every rank holds the same state (gradients are summed before each update); rank 0 writes
  // it and the others wait, so a checkpoint is complete when any rank goes on. Under ZeRO-1
  // each rank holds a slice of the optimizer state: all ranks gather it to rank 0 first (the
  // checkpoint holds it whole, so any world size resumes it).
  std::optional<std::vector<std::pair<std::string, at::Tensor>>> optimizer_state;
  if (optimizer_.sharded()) optimizer_state = optimizer_.state_tensors();
  if (world().is_main()) write(step, progress, optimizer_state ? &*optimizer_state : nullptr);
  world().barrier("checkpoint step " + std::to_string(step) + " written");
  last_saved_step_ = step;
  since_save_.reset();
}

void StageCheckpointer::write(
    int64_t step,
    const nlohmann::json& progress,
    const std::vector<std::pair<std::string, at::Tensor>>* optimizer_state) {
  TrainingState state;
  state.step = step;
  state.progress = progress;
  state.stage_config = stage_config_;
  Timer timer;
  const fs::path folder = save_checkpoint(
      checkpoints_, step,
      [&](const fs::path& staging) {
        write_training_state(staging, model_, optimizer_, reference_, state, optimizer_state);
        // The run's whole resolved config beside the stage's (run.dir/stages/NN-x/checkpoints).
        const fs::path resolved =
            checkpoints_.parent_path().parent_path().parent_path() / "config.resolved.yaml";
        if (fs::exists(resolved)) {
          atomic_write_file(staging / "config.resolved.yaml", read_file(resolved));
        }
      },
      best_metric_, config_);
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
