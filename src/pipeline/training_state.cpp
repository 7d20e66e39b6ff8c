// A training checkpoint's contents; see pipeline/training_state.h.
#include "r1forge/pipeline/training_state.h"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <map>
#include <mutex>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/safetensors.h"
#include "r1forge/model/safetensors_folder.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

constexpr int kStateVersion = 1;

std::vector<at::Generator> generators() {
  std::vector<at::Generator> all = {at::globalContext().defaultGenerator(at::kCPU)};
  const int64_t gpus = at::detail::getCUDAHooks().deviceCount();
  for (int64_t i = 0; i < gpus; ++i) {
    all.push_back(at::globalContext().defaultGenerator(at::Device(at::kCUDA, i)));
  }
  return all;
}

std::string generator_name(size_t index) {
  return index == 0 ? "rng/cpu" : "rng/cuda:" + std::to_string(index - 1);
}

std::map<std::string, at::Tensor> read_all(const fs::path& path) {
  safetensors::SafetensorsFile file(path);
  std::map<std::string, at::Tensor> tensors;
  for (const auto& name : file.names()) tensors[name] = file.tensor(name);
  return tensors;
}

}  // namespace

CheckpointModel checkpoint_model(StageModel& model) {
  CheckpointModel view;
  view.module = model.model.ptr().get();
  view.write_files = [&model](const fs::path& folder) { write_model_files(model, folder); };
  view.load_tensors = [&model](const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                               const std::string& source) {
    load_hf_tensors(model.model, tensors, source);
  };
  return view;
}

void write_training_state(const fs::path& folder,
                          StageModel& model,
                          const Optimizer& optimizer,
                          Transformer* reference,
                          const TrainingState& state,
                          const std::vector<std::pair<std::string, at::Tensor>>* optimizer_state) {
  write_training_state(folder, checkpoint_model(model), optimizer, reference, state,
                       optimizer_state);
}

void write_training_state(const fs::path& folder,
                          const CheckpointModel& model,
                          const Optimizer& optimizer,
                          Transformer* reference,
                          const TrainingState& state,
                          const std::vector<std::pair<std::string, at::Tensor>>* optimizer_state) {
  model.write_files(folder);
  safetensors::save_file(folder / "optimizer.safetensors",
                         optimizer_state ? *optimizer_state : optimizer.state_tensors());
  std::vector<std::pair<std::string, at::Tensor>> rng;
  std::vector<at::Generator> all = generators();
  for (size_t i = 0; i < all.size(); ++i) {
    std::lock_guard<std::mutex> lock(all[i].mutex());
    rng.emplace_back(generator_name(i), all[i].get_state());
  }
  safetensors::save_file(folder / "rng.safetensors", rng);
  if (reference) {
    safetensors::save_file(folder / "reference.safetensors", hf_named_tensors(*reference));
  }
  const OptimizerCounters& counters = optimizer.counters();
  nlohmann::ordered_json trainer = {{"version", kStateVersion},
                                    {"step", state.step},
                                    {"optimizer",
                                     {{"steps_taken", counters.steps_taken},
                                      {"calls", counters.calls},
                                      {"consecutive_nonfinite", counters.consecutive_nonfinite},
                                      {"nonfinite_skips", counters.nonfinite_skips}}},
                                    {"progress", state.progress}};
  atomic_write_file(folder / "trainer_state.json", trainer.dump(2) + "\n");
  atomic_write_file(folder / "stage_config.yaml", state.stage_config);
}

TrainingState read_training_state(const fs::path& folder,
                                  StageModel& model,
                                  Optimizer& optimizer,
                                  Transformer* reference) {
  return read_training_state(folder, checkpoint_model(model), optimizer, reference);
}

TrainingState read_training_state(const fs::path& folder,
                                  const CheckpointModel& model,
                                  Optimizer& optimizer,
                                  Transformer* reference) {
  const fs::path trainer_file = folder / "trainer_state.json";
  nlohmann::json trainer = read_json_file(trainer_file);
  R1F_CHECK_DATA(trainer.is_object() && trainer.value("version", 0) == kStateVersion &&
                     trainer.contains("step") && trainer.contains("optimizer"),
                 trainer_file.string(), ": not a trainer state of version ", kStateVersion);
  TrainingState state;
  state.step = trainer["step"].get<int64_t>();
  state.progress = trainer.value("progress", nlohmann::json::object());
  if (fs::exists(folder / "stage_config.yaml"))
    state.stage_config = read_file(folder / "stage_config.yaml");

  {
    // Straight from the folder's (possibly sharded) weights into the parameters, in the dtype
    // they were saved in: no second model is built.
    safetensors::SafetensorsFolder weights(folder);
    std::vector<std::pair<std::string, at::Tensor>> named;
    for (const auto& name : weights.names()) named.emplace_back(name, weights.tensor(name));
    model.load_tensors(named, folder.string());
  }
  const nlohmann::json& saved = trainer["optimizer"];
  OptimizerCounters counters;
  counters.steps_taken = saved.value("steps_taken", int64_t{0});
  counters.calls = saved.value("calls", int64_t{0});
  counters.consecutive_nonfinite = saved.value("consecutive_nonfinite", int64_t{0});
  counters.nonfinite_skips = saved.value("nonfinite_skips", int64_t{0});
  optimizer.load_state(read_all(folder / "optimizer.safetensors"), counters,
                       (folder / "optimizer.safetensors").string());

  std::map<std::string, at::Tensor> rng = read_all(folder / "rng.safetensors");
  std::vector<at::Generator> all = generators();
  for (size_t i = 0; i < all.size(); ++i) {
    auto found = rng.find(generator_name(i));
    if (found == rng.end()) continue;  // saved on a machine with fewer GPUs
    std::lock_guard<std::mutex> lock(all[i].mutex());
    all[i].set_state(found->second);
  }
  const fs::path reference_file = folder / "reference.safetensors";
  if (reference && fs::exists(reference_file)) {
    at::NoGradGuard no_grad;
    std::map<std::string, at::Tensor> tensors = read_all(reference_file);
    load_hf_tensors(*reference, {tensors.begin(), tensors.end()}, reference_file.string());
  }
  return state;
}

uint64_t estimated_checkpoint_bytes(Transformer& model, bool with_reference) {
  return estimated_checkpoint_bytes(*model, with_reference);
}

uint64_t estimated_checkpoint_bytes(const torch::nn::Module& model, bool with_reference) {
  uint64_t bytes = 0;
  for (const auto& parameter : model.parameters()) {
    bytes += static_cast<uint64_t>(parameter.numel()) * parameter.element_size();
  }
  return bytes * (with_reference ? 4 : 3) + (1 << 20);  // weights, 2 moments, reference; + files
}

}  // namespace r1forge
