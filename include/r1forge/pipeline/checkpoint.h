// The checkpoint protocol of a training stage's `checkpoints/` folder (reliability.md §1):
// files are written into a staging folder `step-XXXXXXX.tmp-<pid>`, each fsync'd; then
// manifest.json (every file's size and SHA-256) is written last, the folder is renamed to
// `step-XXXXXXX` and the directory fsync'd, and `latest` is replaced atomically. Loading takes
// the newest folder whose manifest verifies; a damaged newer one is renamed `.damaged` (kept,
// never deleted) with a warning. Retention runs after the commit: the newest N and the best.
// Not here: what a checkpoint holds (training_state.h), when a stage saves (stage_checkpointer.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "r1forge/core/yaml_fields.h"

namespace r1forge {

// When and how many checkpoints a training stage keeps; its fields sit directly in the stage's
// sft: or grpo: section (HF TrainingArguments' names).
struct CheckpointConfig {
  int64_t save_steps = 0;             // every N steps; 0 = by time and at the end only
  double save_minutes = 30.0;         // also when this long passed since the last; 0 = off
  int64_t save_total_limit = 2;       // newest checkpoints kept (plus the best); 0 = all
  std::string metric_for_best_model;  // e.g. eval/loss; its best checkpoint is kept too
  bool greater_is_better = false;     // direction of metric_for_best_model

  bool operator==(const CheckpointConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("save_steps", save_steps, "checkpoint every N steps; 0 = by time and at the end",
            IntRange{0, INT64_MAX});
    v.field("save_minutes", save_minutes, "also checkpoint after this many minutes; 0 = off",
            RealRange{0.0, 1e9});
    v.field("save_total_limit", save_total_limit,
            "newest checkpoints kept (plus the best); 0 = all", IntRange{0, INT64_MAX});
    v.field("metric_for_best_model", metric_for_best_model,
            "metric whose best checkpoint is kept besides the newest (e.g. eval/loss)");
    v.field("greater_is_better", greater_is_better, "metric_for_best_model: higher is better");
  }
};

// A checkpoint's metric for keep-the-best retention.
struct CheckpointMetric {
  std::string name;
  double value = 0.0;
};

struct CheckpointInfo {
  int64_t step = 0;
  std::filesystem::path folder;  // checkpoints/step-XXXXXXX
};

// "step-0000042".
std::string checkpoint_folder_name(int64_t step);

// Removes staging folders (`*.tmp-*`) an interrupted save left in `checkpoints`; returns how
// many. Call once at stage start, before anything saves.
int remove_stale_checkpoint_staging(const std::filesystem::path& checkpoints);

// Runs the protocol above: `write_files(staging)` writes every file of the checkpoint (flat,
// no subfolders). On any failure (disk full, permission, an exception from write_files) the
// staging folder is removed, the previous checkpoints and `latest` are untouched, and IoError
// names the folder and the cause. Returns the committed folder.
std::filesystem::path save_checkpoint(
    const std::filesystem::path& checkpoints,
    int64_t step,
    const std::function<void(const std::filesystem::path&)>& write_files,
    const std::optional<CheckpointMetric>& metric,
    const CheckpointConfig& config);

// Empty when `folder`'s manifest.json exists, parses and every listed file has its size and
// SHA-256; else what is wrong, naming the file.
std::string verify_checkpoint(const std::filesystem::path& folder);

// The newest checkpoint under `checkpoints` that verifies, nullopt when none does. Newer
// damaged ones are renamed `<name>.damaged[-N]` with a warning so that a resumed run can
// save that step again; they are never deleted.
std::optional<CheckpointInfo> find_valid_checkpoint(const std::filesystem::path& checkpoints);

// The metric recorded in `folder`'s manifest, if any.
std::optional<CheckpointMetric> checkpoint_metric(const std::filesystem::path& folder);

// Before training: `folder` can be created and written (a probe file), and its filesystem has
// room for `bytes_needed` (one checkpoint). IoError naming the folder otherwise.
void preflight_checkpoint_folder(const std::filesystem::path& folder, uint64_t bytes_needed);

}  // namespace r1forge
