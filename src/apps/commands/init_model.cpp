// `r1forge init-model`: a randomly initialised model (HF init conventions) from a preset name
// or a config.json, written as an HF folder that transformers loads unchanged.
#include <filesystem>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/model/hf_io.h"

namespace r1forge::app {
namespace {

struct InitModelOptions {
  std::string preset;
  std::string config_json;
  std::string out;
  uint64_t seed = 1234;
  std::string dtype;       // empty = the config's torch_dtype
  int64_t vocab_size = 0;  // 0 = the preset's / config's
  int64_t layers = 0;      // 0 = the preset's / config's num_hidden_layers
  bool overwrite = false;
};

void run_init_model(const InitModelOptions& options) {
  namespace fs = std::filesystem;
  R1F_CHECK_USAGE(options.preset.empty() != options.config_json.empty(),
                  "init-model: give exactly one of --preset NAME or --config FILE.json");
  ModelConfig config = options.preset.empty() ? load_model_config(options.config_json)
                                              : model_preset(options.preset);
  if (options.vocab_size > 0) config.vocab_size = options.vocab_size;
  if (options.layers > 0) config.num_hidden_layers = options.layers;
  if (!options.dtype.empty()) {
    config.torch_dtype = dtype_name(parse_dtype_name(options.dtype));
  }
  config.validate(options.preset.empty() ? options.config_json : "preset " + options.preset);
  fs::path out = options.out;
  R1F_CHECK_USAGE(options.overwrite || !fs::exists(out / "config.json"), "init-model: ", out,
                  " already holds a model (config.json); pass --overwrite to replace it");

  Transformer model(config, /*initialize=*/false);
  model->init_weights(options.seed);
  ModelSaveOptions save_options;
  save_options.dtype = parse_dtype_name(config.torch_dtype);
  save_model(model, out, save_options);
  R1F_LOG_INFO("wrote ", out.string(), ": ", parameter_count(config), " parameters, ",
               config.num_hidden_layers, " layers, width ", config.hidden_size, ", vocab ",
               config.vocab_size, ", ", config.torch_dtype);
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<InitModelOptions>();
  std::string presets;
  for (const auto& name : model_preset_names()) presets += (presets.empty() ? "" : ", ") + name;
  CLI::App* command = root.add_subcommand(
      "init-model",
      "Create a randomly initialised model folder (HF layout) from a preset or a "
      "config.json");
  command->add_option("--preset", options->preset, "preset name: " + presets);
  command->add_option("--config", options->config_json, "HF config.json to initialise from");
  command->add_option("--out", options->out, "output model folder")->required();
  command->add_option("--seed", options->seed, "initialisation seed")
      ->check(CLI::NonNegativeNumber);  // CLI11 would wrap "-3" into a uint64_t
  command->add_option("--dtype", options->dtype,
                      "storage dtype: float32|bfloat16|float16 (default: the config's)");
  command->add_option("--vocab-size", options->vocab_size,
                      "override the vocabulary size (e.g. to match a trained tokenizer); 0 = "
                      "keep");
  command
      ->add_option("--num-hidden-layers", options->layers,
                   "decoder layers (default: the preset's or config's)")
      ->check(CLI::PositiveNumber);
  command->add_flag("--overwrite", options->overwrite, "replace a model already in --out");
  return [options] { run_init_model(*options); };
}

CommandRegistration registration(10, setup);

}  // namespace
}  // namespace r1forge::app
