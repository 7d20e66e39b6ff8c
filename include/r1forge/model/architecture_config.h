// Shape overrides for a model initialised from a preset (`model.architecture:` for the base
// model, a stage's `architecture:` for e.g. a distillation student): every field left at 0
// keeps the preset's value, and a vocabulary left at 0 takes the tokenizer's size, so a tiny
// model trained from nothing fits its tokenizer exactly. Ignored when the init is a folder.
// Not here: the presets themselves (model_config.h), loading folders (hf_io.h).
#pragma once

#include <cstdint>
#include <string>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/model/model_config.h"

namespace r1forge {

struct ArchitectureConfig {
  int64_t vocab_size = 0;               // 0 = the tokenizer's vocabulary size
  int64_t hidden_size = 0;              // E; 0 = the preset's
  int64_t intermediate_size = 0;        // SwiGLU inner width; 0 = the preset's
  int64_t num_hidden_layers = 0;        // 0 = the preset's
  int64_t num_attention_heads = 0;      // H; 0 = the preset's
  int64_t num_key_value_heads = 0;      // Hkv; 0 = the preset's (capped at H)
  int64_t max_position_embeddings = 0;  // 0 = the preset's

  bool operator==(const ArchitectureConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    const IntRange size{0, 1 << 24};
    v.field("vocab_size", vocab_size, "embedding rows; 0 = the tokenizer's size", size);
    v.field("hidden_size", hidden_size, "model width E; 0 = the preset's", size);
    v.field("intermediate_size", intermediate_size, "SwiGLU width; 0 = the preset's", size);
    v.field("num_hidden_layers", num_hidden_layers, "layers; 0 = the preset's", IntRange{0, 4096});
    v.field("num_attention_heads", num_attention_heads, "heads H; 0 = the preset's",
            IntRange{0, 4096});
    v.field("num_key_value_heads", num_key_value_heads, "KV heads; 0 = the preset's (<= H)",
            IntRange{0, 4096});
    v.field("max_position_embeddings", max_position_embeddings,
            "longest sequence; 0 = the preset's", size);
  }
};

// `preset` with the overrides applied (head_dim = E / H when the width or heads change) and
// validated; ConfigError naming `where` for an inconsistent shape (E not divisible by H, ...).
ModelConfig apply_architecture(ModelConfig preset,
                               const ArchitectureConfig& overrides,
                               int64_t tokenizer_vocab_size,
                               const std::string& where);

}  // namespace r1forge
