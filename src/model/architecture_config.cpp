// Preset shape overrides; see model/architecture_config.h.
#include "r1forge/model/architecture_config.h"

#include <algorithm>

#include "r1forge/core/check.h"

namespace r1forge {

ModelConfig apply_architecture(ModelConfig config,
                               const ArchitectureConfig& overrides,
                               int64_t tokenizer_vocab_size,
                               const std::string& where) {
  const bool reshape_heads = overrides.hidden_size > 0 || overrides.num_attention_heads > 0;
  config.vocab_size = overrides.vocab_size > 0 ? overrides.vocab_size : tokenizer_vocab_size;
  if (overrides.hidden_size > 0) config.hidden_size = overrides.hidden_size;
  if (overrides.intermediate_size > 0) config.intermediate_size = overrides.intermediate_size;
  if (overrides.num_hidden_layers > 0) config.num_hidden_layers = overrides.num_hidden_layers;
  if (overrides.num_attention_heads > 0) config.num_attention_heads = overrides.num_attention_heads;
  if (overrides.num_key_value_heads > 0) {
    config.num_key_value_heads = overrides.num_key_value_heads;
  } else {
    config.num_key_value_heads = std::min(config.num_key_value_heads, config.num_attention_heads);
  }
  if (overrides.max_position_embeddings > 0) {
    config.max_position_embeddings = overrides.max_position_embeddings;
  }
  if (reshape_heads) {
    R1F_CHECK_CONFIG(config.hidden_size % config.num_attention_heads == 0, where, ".hidden_size (",
                     config.hidden_size, ") must be divisible by num_attention_heads (",
                     config.num_attention_heads, ")");
    config.head_dim = config.hidden_size / config.num_attention_heads;
  }
  R1F_CHECK_CONFIG(config.num_attention_heads % config.num_key_value_heads == 0, where,
                   ".num_attention_heads (", config.num_attention_heads,
                   ") must be a multiple of num_key_value_heads (", config.num_key_value_heads,
                   ")");
  R1F_CHECK_CONFIG(config.head_dim % 2 == 0, where, ": head_dim ", config.head_dim,
                   " (hidden_size / num_attention_heads) must be even for rotary embeddings");
  config.validate(where);
  return config;
}

}  // namespace r1forge
