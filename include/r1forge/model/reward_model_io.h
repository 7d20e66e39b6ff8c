// Hugging Face folders of reward models: config.json naming Qwen2ForSequenceClassification,
// Qwen3ForSequenceClassification or LlamaForSequenceClassification with one label, and
// safetensors weights under transformers' names (model.* for the body, score.weight [1, E]).
//
// A folder saved here loads in transformers' AutoModelForSequenceClassification unchanged
// (no missing or unexpected weights), and the reverse (both tested). A reward model can also
// start from a causal-LM folder, as transformers' from_pretrained of a *ForCausalLM checkpoint
// into *ForSequenceClassification does: body weights loaded, lm_head.weight dropped, score
// newly initialised (RewardModelImpl::init_score, seeded).
// Not here: the model and its score rule (reward_model.h), causal-LM folders (hf_io.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "r1forge/model/hf_io.h"
#include "r1forge/model/reward_model.h"

namespace r1forge {

// "Qwen2ForSequenceClassification", "Qwen3ForSequenceClassification" or
// "LlamaForSequenceClassification".
std::string sequence_classification_architecture(ModelFamily family);

// True when `folder`/config.json's architectures[0] ends in "ForSequenceClassification" (a
// reward model folder); false for anything else, a causal LM included. IoError/ConfigError
// when config.json is missing or not JSON.
bool is_reward_model_folder(const std::filesystem::path& folder);

// Loads a reward-model folder. ConfigError naming config.json when its architecture is not one
// of the three above or it has other than one label (id2label, else num_labels, else
// transformers' default of 2); DataError naming the weights file when a tensor is missing,
// unexpected or of the wrong shape.
RewardModel load_reward_model(const std::filesystem::path& folder,
                              const ModelLoadOptions& options = {});

struct RewardModelInitOptions {
  uint64_t seed = 0;  // score head init (RewardModelImpl::init_score)
  // Overrides config.json's pad_token_id (a causal LM's is often null; TRL sets the
  // tokenizer's pad, or eos when it has none). Unset: config.json's.
  std::optional<int64_t> pad_token_id;
};

// A reward model from a causal-LM folder (load_model's folders): body weights from it
// (lm_head.weight is not read), score initialised from `init.seed`.
RewardModel reward_model_from_causal_lm(const std::filesystem::path& folder,
                                        const RewardModelInitOptions& init = {},
                                        const ModelLoadOptions& options = {});

// Writes the weights (atomically, stale shards removed), then config.json last: the folder's
// architecture as *ForSequenceClassification, id2label/label2id of one label as transformers
// writes them, pad_token_id (ConfigError when the model has none: transformers could not
// score batches). No generation_config.json: transformers writes none for classifiers.
void save_reward_model(RewardModel& model,
                       const std::filesystem::path& folder,
                       const ModelSaveOptions& options = {});

// The model's tensors under transformers' names (body as hf_named_tensors, then
// score.weight); views, not copies. With `gradients`, each parameter's .grad() instead.
std::vector<std::pair<std::string, at::Tensor>> reward_model_named_tensors(RewardModel& model,
                                                                           bool gradients = false);

}  // namespace r1forge
