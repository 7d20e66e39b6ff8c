// Test fixture: a tiny Qwen2-shaped model folder with a real SentencePiece tokenizer (300
// pieces, the reasoning tags as single tokens), trained and initialised deterministically.
// Used by the rollout, data and stage tests, with four R1-format traces for the SFT-style ones.
// Not a pretrained model: its outputs are noise.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "r1forge/model/hf_io.h"
#include "r1forge/model/model_config.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"
#include "test_util.h"
#include "tokenizer/corpus.h"

namespace r1forge::testing {

// Writes `folder` (created) as an HF model folder: tiny-qwen2 shapes with the tokenizer's
// vocabulary size, weights from `seed`, and the tokenizer files.
inline void write_tiny_model_folder(const std::filesystem::path& folder, uint64_t seed = 7) {
  std::filesystem::create_directories(folder);
  const std::filesystem::path tokenizer_file = folder.parent_path() / "tiny-tokenizer.model";
  if (!std::filesystem::exists(tokenizer_file)) {
    train_sentencepiece(make_tokenizer_corpus(1500), small_train_config(), tokenizer_file);
  }
  ModelConfig config = model_preset("tiny-qwen2");
  config.vocab_size = small_train_config().vocab_size;
  Transformer model(config, /*initialize=*/false);
  model->init_weights(seed);
  save_model(model, folder);
  write_tokenizer_folder_files(folder, tokenizer_file);
}

// Writes four prompt/completion rows in R1's format ("add one and two" -> <think>1+2=3</think>
// <answer>3</answer>, ...) to `path`: the SFT and distillation stage tests' training data.
inline void write_tiny_traces(const std::filesystem::path& path) {
  std::ofstream rows(path);
  const char* pairs[][2] = {{"add one and two", "<think>1+2=3</think><answer>3</answer>"},
                            {"add two and two", "<think>2+2=4</think><answer>4</answer>"},
                            {"add three and one", "<think>3+1=4</think><answer>4</answer>"},
                            {"add one and one", "<think>1+1=2</think><answer>2</answer>"}};
  for (const auto& pair : pairs) {
    rows << nlohmann::json{{"prompt", pair[0]}, {"completion", pair[1]}}.dump() << "\n";
  }
}

}  // namespace r1forge::testing
