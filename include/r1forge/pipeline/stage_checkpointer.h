// When a training stage saves and how it resumes: the one policy the sft/pretrain/distill and
// grpo loops share. At construction it removes staging folders an interrupted save left,
// checks the checkpoint folder (writable, room for one checkpoint) and starts handling
// SIGINT/SIGTERM. resume() restores the newest valid checkpoint; after_step() saves every
// save_steps, after save_minutes, at the last step and when a signal asked to stop (then it
// throws InterruptedError, which the binary turns into exit code 75). Data parallel: rank 0
// owns the folder and writes; every rank resumes from the checkpoint rank 0 chose, and the ranks
// agree each step on whether to save or stop.
// Not here: the protocol (checkpoint.h), the files (training_state.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/core/interrupt.h"
#include "r1forge/core/metrics.h"
#include "r1forge/core/timer.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/pipeline/checkpoint.h"
#include "r1forge/pipeline/training_state.h"

namespace r1forge {

class StageCheckpointer {
 public:
  // `stage_dir` holds checkpoints/; `label` names the stage in messages ("sft 'cold_start'");
  // `stage_config` is the stage's YAML, saved for people to read (whether a checkpoint may be
  // continued with changed settings is decided before the stage starts: stage_attempt.h).
  // `reference` (may be null) is saved and restored with the rest.
  StageCheckpointer(std::filesystem::path stage_dir,
                    const CheckpointConfig& config,
                    std::string label,
                    std::string stage_config,
                    StageModel& model,
                    Optimizer& optimizer,
                    Transformer* reference);
  // The same for any model the checkpoint code can see (training_state.h): a reward model.
  StageCheckpointer(std::filesystem::path stage_dir,
                    const CheckpointConfig& config,
                    std::string label,
                    std::string stage_config,
                    CheckpointModel model,
                    Optimizer& optimizer,
                    Transformer* reference);

  // Restores the newest valid checkpoint into the model, optimizer, reference and generators;
  // its state (step 0 and empty progress when there is none: a fresh start).
  TrainingState resume();

  // Call after step `step` is complete (its metrics written; the test hook after_step stops
  // here). `progress()` gives the stage's progress JSON; `metrics` the latest values (for
  // metric_for_best_model).
  void after_step(int64_t step,
                  bool last,
                  const std::function<nlohmann::json()>& progress,
                  const MetricValues& metrics);

  const std::filesystem::path& checkpoints() const { return checkpoints_; }

 private:
  void save(int64_t step, const nlohmann::json& progress);
  // Rank 0's part of save(); `optimizer_state`: gathered by every rank under ZeRO-1, else null.
  void write(int64_t step,
             const nlohmann::json& progress,
             const std::vector<std::pair<std::string, at::Tensor>>* optimizer_state);

  InterruptScope interrupts_;
  std::filesystem::path checkpoints_;
  CheckpointConfig config_;
  std::string label_;
  std::string stage_config_;
  CheckpointModel model_;
  Optimizer& optimizer_;
  Transformer* reference_;
  Timer since_save_;
  int64_t last_saved_step_ = -1;
  std::optional<CheckpointMetric> best_metric_;  // latest value of metric_for_best_model
};

// A data sampler's place for a stage's progress JSON: {"size", "epoch", "position"}.
nlohmann::json sampler_progress(const PromptSampler& sampler);
// Puts `sampler` back at that place. DataError naming `checkpoints` and `data` when the
// dataset no longer has the size it had (the data changed since the checkpoint).
void restore_sampler(PromptSampler& sampler,
                     const nlohmann::json& progress,
                     const std::filesystem::path& checkpoints,
                     const std::string& data);

}  // namespace r1forge
