// What a training checkpoint holds, and putting it back: the model as a complete HF folder
// (so any checkpoint loads in transformers or as a stage's init), the AdamW state and the
// optimizer's counters, the CPU and CUDA generator states, the reference policy when it has
// been reset, the stage's progress (data position, counters: stage-specific JSON) and the
// stage's resolved config. Restoring gives bit-identical tensors. The model is seen through
// CheckpointModel (its folder files and its named tensors), so a causal LM (StageModel) and a
// reward model (the reward_model stage) are checkpointed by the same code.
// Not here: the staging/manifest protocol (checkpoint.h), when to save (stage_checkpointer.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "r1forge/model/transformer.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/pipeline/stage.h"

namespace r1forge {

struct TrainingState {
  int64_t step = 0;          // training steps done (the stage's own step counter)
  nlohmann::json progress;   // stage-specific: data position, running totals, ...
  std::string stage_config;  // the stage's resolved YAML when it was saved
};

// The model a checkpoint holds, as the checkpoint code needs it: its parameters (the size
// estimate), a writer of its HF folder files into an existing folder, and a loader of the
// tensors read back from such a folder (by their HF names; `source` names the files).
struct CheckpointModel {
  torch::nn::Module* module = nullptr;
  std::function<void(const std::filesystem::path& folder)> write_files;
  std::function<void(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                     const std::string& source)>
      load_tensors;
};
// A causal LM's: write_model_files (weights, configs, tokenizer) and load_hf_tensors.
CheckpointModel checkpoint_model(StageModel& model);

// Writes the files into `folder` (a checkpoint's staging folder): model.safetensors,
// config.json, generation_config.json and tokenizer files; optimizer.safetensors; rng.safetensors;
// reference.safetensors when `reference` is given; trainer_state.json; stage_config.yaml.
// `optimizer_state`: the optimizer's state_tensors() when already gathered (ZeRO-1, where that
// is a collective every rank joins before rank 0 writes); null: asked of `optimizer` here.
void write_training_state(
    const std::filesystem::path& folder,
    StageModel& model,
    const Optimizer& optimizer,
    Transformer* reference,
    const TrainingState& state,
    const std::vector<std::pair<std::string, at::Tensor>>* optimizer_state = nullptr);
void write_training_state(
    const std::filesystem::path& folder,
    const CheckpointModel& model,
    const Optimizer& optimizer,
    Transformer* reference,
    const TrainingState& state,
    const std::vector<std::pair<std::string, at::Tensor>>* optimizer_state = nullptr);

// Loads a folder written by write_training_state into `model`, `optimizer` and (when the
// checkpoint has one) `reference`, in place, and restores the generators. Returns the state.
// DataError naming the file when a piece is missing or does not fit the model.
TrainingState read_training_state(const std::filesystem::path& folder,
                                  StageModel& model,
                                  Optimizer& optimizer,
                                  Transformer* reference);
TrainingState read_training_state(const std::filesystem::path& folder,
                                  const CheckpointModel& model,
                                  Optimizer& optimizer,
                                  Transformer* reference);

// Bytes one checkpoint of `model` with this optimizer takes (weights + two moments, plus a
// reference copy when `with_reference`), for the preflight free-space check.
uint64_t estimated_checkpoint_bytes(Transformer& model, bool with_reference);
uint64_t estimated_checkpoint_bytes(const torch::nn::Module& model, bool with_reference);

}  // namespace r1forge
