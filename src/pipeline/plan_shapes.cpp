// The model shape of every stage for the memory plan (stage_model_shapes; see
// pipeline/memory_plan.h), found without loading any weights: presets reshaped, folders'
// config.json, earlier stages' shapes. Mirrors load_stage_model (pipeline/stage.cpp).
#include <algorithm>
#include <filesystem>
#include <map>

#include "r1forge/core/check.h"
#include "r1forge/pipeline/memory_plan.h"
#include "r1forge/pipeline/stage_references.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

// The tokenizer's vocabulary, which sizes a preset's embedding when its vocab_size is 0:
// read from the tokenizer when it exists, else from make_data's tokenizer settings when the
// run makes it first.
int64_t tokenizer_vocab_size(const Config& config) {
  const std::string& path = config.model.tokenizer;
  R1F_CHECK_CONFIG(!path.empty(),
                   "model.tokenizer is empty; a preset init with vocab_size 0 "
                   "takes the tokenizer's vocabulary (set model.tokenizer or "
                   "model.architecture.vocab_size)");
  if (fs::exists(path)) return load_tokenizer(path)->vocab_size();
  R1F_CHECK_CONFIG(made_by_make_data(config, path) && config.make_data->tokenizer,
                   "model.tokenizer '", path, "' does not exist and make_data does not make it");
  return config.make_data->tokenizer->vocab_size;
}

}  // namespace

std::vector<ModelConfig> stage_model_shapes(const Config& config) {
  std::map<std::string, ModelConfig> by_stage;
  std::optional<int64_t> vocab;
  const std::vector<std::string> presets = model_preset_names();
  auto shape_of = [&](const std::string& init, const ArchitectureConfig& architecture,
                      const std::string& where) {
    if (auto it = by_stage.find(init); it != by_stage.end()) return it->second;
    if (fs::is_directory(init)) {
      R1F_CHECK_CONFIG(fs::exists(fs::path(init) / "config.json"), where, ": '", init,
                       "' has no config.json");
      return load_model_config(fs::path(init) / "config.json");
    }
    R1F_CHECK_CONFIG(std::find(presets.begin(), presets.end(), init) != presets.end(), where, ": '",
                     init, "' is neither an earlier stage, a model folder nor a preset");
    if (architecture.vocab_size == 0 && !vocab) vocab = tokenizer_vocab_size(config);
    return apply_architecture(model_preset(init), architecture, vocab.value_or(0), where);
  };
  const ModelConfig base = shape_of(config.model.init, config.model.architecture, "model.init");
  std::vector<ModelConfig> shapes;
  for (size_t i = 0; i < config.stages.size(); ++i) {
    const StageConfig& stage = config.stages[i];
    const std::string where = "stages." + stage.name + ".init";
    const ModelConfig shape =
        stage.init == "base" ? base : shape_of(stage.init, stage.architecture, where);
    shapes.push_back(shape);
    by_stage[stage.name] = shape;
    // A stage that makes no model passes its init on (rejection sampling and eval read it).
    if (!stage_produces_model(stage.type)) by_stage.erase(stage.name);
  }
  return shapes;
}

}  // namespace r1forge
