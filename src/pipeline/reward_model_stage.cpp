// The reward_model stage; see pipeline/reward_model_stage.h.
#include "r1forge/pipeline/reward_model_stage.h"

#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/reward_model_io.h"
#include "r1forge/pipeline/reward_model_trainer.h"
#include "r1forge/pipeline/stage_references.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

// The checkpoint code's view of a reward model: its folder (weights, config.json) with the
// tokenizer files, and its tensors put back by name (the body's and score.weight).
CheckpointModel reward_checkpoint_model(RewardModel& model, const StageModel& tokens) {
  CheckpointModel view;
  view.module = model.ptr().get();
  view.write_files = [&model, &tokens](const fs::path& folder) {
    save_reward_model(model, folder);
    write_tokenizer_files(tokens, folder);
  };
  view.load_tensors = [&model](const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                               const std::string& source) {
    std::vector<std::pair<std::string, at::Tensor>> body;
    std::optional<at::Tensor> score;
    for (const auto& [name, tensor] : tensors) {
      if (name == "score.weight") {
        score = tensor;
      } else {
        body.emplace_back(name, tensor);
      }
    }
    R1F_CHECK_DATA(score && score->sizes() == model->score().sizes(), source,
                   ": score.weight is missing or not of shape ", model->score().sizes());
    load_hf_tensors(model->body(), body, source);
    at::NoGradGuard no_grad;
    model->score().copy_(*score);
  };
  return view;
}

}  // namespace

RewardModel load_reward_stage_model(const Config& config,
                                    const StageConfig& stage,
                                    StageModel& tokens) {
  const std::string init = stage.init == "base" ? config.model.init : stage.init;
  R1F_CHECK_CONFIG(fs::is_directory(init), "stage '", stage.name, "': init '", init,
                   "' is not a model folder; a reward model starts from a causal LM's folder "
                   "(an earlier stage, or model.init as a folder) or a reward model's");
  tokens.tokenizer_source =
      config.model.tokenizer.empty() ? fs::path(init) : fs::path(config.model.tokenizer);
  tokens.tokenizer = load_tokenizer(tokens.tokenizer_source);
  if (fs::is_directory(tokens.tokenizer_source)) {
    tokens.chat_template = load_chat_template(tokens.tokenizer_source);
  }
  const ModelLoadOptions options = stage_model_load_options(config);
  RewardModel model{nullptr};
  if (is_reward_model_folder(init)) {
    model = load_reward_model(init, options);  // its pad_token_id (saving requires one)
  } else {
    // TRL's rule for the score position: the tokenizer's pad, else EOS.
    std::optional<int64_t> pad = tokens.tokenizer->pad_id();
    if (!pad) pad = tokens.tokenizer->eos_id();
    R1F_CHECK_CONFIG(pad.has_value(), "stage '", stage.name, "': the tokenizer ",
                     tokens.tokenizer_source,
                     " has neither a pad nor an EOS token; the reward "
                     "model's score position is found with one");
    RewardModelInitOptions init_options;
    init_options.seed = derive_seed(config.run.seed, "init:" + stage.name);
    init_options.pad_token_id = pad;
    model = reward_model_from_causal_lm(init, init_options, options);
  }
  model->body()->set_gradient_checkpointing(config.model.gradient_checkpointing);
  if (config.model.mixed_precision != "none") {  // the body's matmuls; the score head stays fp32
    model->body()->set_mixed_precision(parse_dtype_name(config.model.mixed_precision));
  }
  R1F_CHECK_CONFIG(tokens.tokenizer->vocab_size() <= model->config().vocab_size, "stage '",
                   stage.name, "': the tokenizer ", tokens.tokenizer_source, " has ",
                   tokens.tokenizer->vocab_size(), " ids but the model's vocabulary is ",
                   model->config().vocab_size);
  tokens.pad_id = *model->config().pad_token_id;
  if (tokens.tokenizer->eos_id()) tokens.eos_ids = {*tokens.tokenizer->eos_id()};
  return model;
}

void save_reward_stage_model(RewardModel& model, const StageModel& tokens, const fs::path& folder) {
  replace_folder(folder, [&](const fs::path& staging) {
    save_reward_model(model, staging);
    write_tokenizer_files(tokens, staging);
  });
}

void run_reward_model_stage(const Config& config, const StageConfig& stage) {
  R1F_CHECK_CONFIG(stage.reward_model.has_value(), "stage '", stage.name,
                   "' has no reward_model: section");
  const RewardModelConfig& section = *stage.reward_model;
  StageModel tokens;
  RewardModel model = load_reward_stage_model(config, stage, tokens);
  PreferenceDataset train = load_preference_dataset(section.data, *tokens.tokenizer, tokens.chat());
  PreferenceDataset held_out =
      held_out_preferences(section, train, *tokens.tokenizer, tokens.chat());
  const fs::path directory = stage_directory(config, stage);
  RewardModelTrainer trainer(section, model, reward_checkpoint_model(model, tokens),
                             std::move(train), std::move(held_out), tokens.pad_id, directory,
                             stage.name, derive_seed(config.run.seed, "stage:" + stage.name),
                             to_yaml(portable_stage(config, stage)));
  const RewardModelResult result = trainer.run();
  save_reward_stage_model(model, tokens, directory / "final");
  if (world().is_main()) {
    // The stage's summary, which the run report shows (runner.h write_report).
    nlohmann::ordered_json summary = {{"steps", result.steps},
                                      {"train_pairs", result.train_pairs},
                                      {"final_loss", result.final_loss},
                                      {"held_out_pairs", result.held_out_pairs}};
    if (result.held_out_pairs > 0) {
      summary["held_out_accuracy"] = result.held_out_accuracy;
      summary["held_out_loss"] = result.held_out_loss;
    }
    atomic_write_file(directory / "reward_model.json", summary.dump(2) + "\n");
  }
  R1F_LOG_INFO(stage.name, ": reward model in ", (directory / "final").string(),
               result.held_out_pairs > 0
                   ? "; held-out pair accuracy " + std::to_string(result.held_out_accuracy) +
                         " over " + std::to_string(result.held_out_pairs) + " pairs"
                   : std::string("; no held-out pairs"));
}

}  // namespace r1forge
