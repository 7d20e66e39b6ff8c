// Reward-model folder reading and writing; see model/reward_model_io.h.
#include "r1forge/model/reward_model_io.h"

#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/core/log.h"
#include "r1forge/model/safetensors_folder.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kScoreName = "score.weight";
constexpr const char* kClassifierSuffix = "ForSequenceClassification";

std::string first_architecture(const json& object) {
  auto it = object.find("architectures");
  if (it == object.end() || !it->is_array() || it->empty() || !(*it)[0].is_string()) return "";
  return (*it)[0].get<std::string>();
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// transformers' num_labels: the size of id2label when present, else num_labels, else 2.
int64_t label_count(const json& object, const std::string& source) {
  auto id2label = object.find("id2label");
  if (id2label != object.end() && !id2label->is_null()) {
    R1F_CHECK_CONFIG(id2label->is_object(), source, ": key 'id2label' must be an object");
    return static_cast<int64_t>(id2label->size());
  }
  return json_optional<int64_t>(object, "num_labels", source).value_or(2);
}

// Reads every tensor of `folder` but the LM head (a reward model has none) in fp32, puts the
// body's into model->body() and, when `with_score`, score.weight into model->score().
void load_weights(RewardModel& model, const fs::path& folder, bool with_score) {
  safetensors::SafetensorsFolder weights(folder);
  const std::string source =
      (folder / (weights.sharded() ? safetensors::kIndexFileName : safetensors::kSingleFileName))
          .string();
  std::vector<std::pair<std::string, at::Tensor>> body;
  for (const auto& name : weights.names()) {
    if (name == "lm_head.weight" || (with_score && name == kScoreName)) continue;
    body.emplace_back(name, weights.tensor(name, at::kFloat));
  }
  load_hf_tensors(model->body(), body, source);
  if (!with_score) return;
  R1F_CHECK_DATA(weights.contains(kScoreName), source, ": tensor '", kScoreName,
                 "' is missing (a reward model folder has the score head)");
  at::Tensor score = weights.tensor(kScoreName, at::kFloat);
  R1F_CHECK_DATA(score.sizes() == model->score().sizes(), source, ": tensor '", kScoreName,
                 "' has shape ", score.sizes(), " but config.json implies ",
                 model->score().sizes());
  at::NoGradGuard no_grad;
  model->score().copy_(score);
}

void place(RewardModel& model, const ModelLoadOptions& options) {
  at::ScalarType dtype = options.dtype.value_or(at::kFloat);
  if (dtype != at::kFloat || options.device != at::kCPU) {
    model->to(options.device, dtype);
    model->refresh_handles();
  }
}

}  // namespace

std::string sequence_classification_architecture(ModelFamily family) {
  switch (family) {
    case ModelFamily::QWEN2: return "Qwen2ForSequenceClassification";
    case ModelFamily::QWEN3: return "Qwen3ForSequenceClassification";
    case ModelFamily::LLAMA: return "LlamaForSequenceClassification";
  }
  R1F_THROW(ConfigError, "unknown model family");
}

bool is_reward_model_folder(const fs::path& folder) {
  return ends_with(first_architecture(read_json_file(folder / "config.json")), kClassifierSuffix);
}

RewardModel load_reward_model(const fs::path& folder, const ModelLoadOptions& options) {
  R1F_CHECK_IO(fs::is_directory(folder), "reward model folder ", folder, " does not exist");
  const fs::path config_path = folder / "config.json";
  const std::string source = config_path.string();
  const json object = read_json_file(config_path);
  R1F_CHECK_CONFIG(object.is_object(), source, ": expected a JSON object");
  ModelConfig config = model_config_from_json(object, source);
  const std::string architecture = first_architecture(object);
  const std::string expected = sequence_classification_architecture(config.family);
  R1F_CHECK_CONFIG(architecture == expected, source, ": architectures[0] is '", architecture,
                   "' but a reward model folder of this model_type needs '", expected, "'",
                   ends_with(architecture, "ForCausalLM")
                       ? " (a causal LM: start a reward model from it with "
                         "reward_model_from_causal_lm)"
                       : "");
  const int64_t labels = label_count(object, source);
  R1F_CHECK_CONFIG(labels == 1, source, ": the classifier has ", labels,
                   " labels (id2label/num_labels); a reward model has exactly one");
  RewardModel model(config, /*initialize=*/false);
  load_weights(model, folder, /*with_score=*/true);
  place(model, options);
  R1F_LOG_DEBUG("loaded reward model ", folder.string(), ": ", parameter_count(config),
                " parameters");
  return model;
}

RewardModel reward_model_from_causal_lm(const fs::path& folder,
                                        const RewardModelInitOptions& init,
                                        const ModelLoadOptions& options) {
  R1F_CHECK_IO(fs::is_directory(folder), "model folder ", folder, " does not exist");
  R1F_CHECK_CONFIG(!is_reward_model_folder(folder), (folder / "config.json").string(),
                   ": already a reward model (a *ForSequenceClassification architecture); ",
                   "load it with load_reward_model");
  ModelConfig config = load_model_config(folder / "config.json");
  if (init.pad_token_id) config.pad_token_id = init.pad_token_id;
  RewardModel model(config, /*initialize=*/false);
  load_weights(model, folder, /*with_score=*/false);
  model->init_score(init.seed);
  place(model, options);
  return model;
}

std::vector<std::pair<std::string, at::Tensor>> reward_model_named_tensors(RewardModel& model,
                                                                           bool gradients) {
  std::vector<std::pair<std::string, at::Tensor>> named =
      hf_named_tensors(model->body(), gradients);
  at::Tensor score = model->score();
  if (gradients) {
    R1F_CHECK(score.grad().defined(), "parameter has no gradient (run backward first)");
    score = score.grad();
  }
  named.emplace_back(kScoreName, score);
  return named;
}

void save_reward_model(RewardModel& model,
                       const fs::path& folder,
                       const ModelSaveOptions& options) {
  ModelConfig config = model->config();
  R1F_CHECK_CONFIG(config.pad_token_id.has_value(), "saving reward model ", folder.string(),
                   ": pad_token_id is unset; transformers finds the score position with it ",
                   "(set the tokenizer's pad id, or eos when it has none)");
  at::ScalarType dtype = options.dtype.value_or(model->dtype());
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, tensor] : reward_model_named_tensors(model)) {
    tensors.emplace_back(name, tensor.detach().to(at::kCPU, dtype).contiguous());
  }
  fs::create_directories(folder);
  safetensors::save_folder(folder, tensors, options.max_shard_bytes);

  config.torch_dtype = dtype_name(dtype);
  json object = model_config_to_json(config);
  object["architectures"] = {sequence_classification_architecture(config.family)};
  object["id2label"] = {{"0", "LABEL_0"}};
  object["label2id"] = {{"LABEL_0", 0}};
  atomic_write_file(folder / "config.json", object.dump(2) + "\n");
}

}  // namespace r1forge
