// Test fixture: a tiny Qwen2-shaped model folder with a real SentencePiece tokenizer (300
// pieces, the reasoning tags as single tokens), trained and initialised deterministically.
// Used by the rollout, data and GRPO stage tests. Not a pretrained model: its outputs are noise.
#pragma once

#include <filesystem>

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

}  // namespace r1forge::testing
