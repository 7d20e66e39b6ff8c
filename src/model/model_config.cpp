// config.json parsing, validation and writing, plus presets; see model/model_config.h.
#include "r1forge/model/model_config.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/core/json_file.h"

namespace r1forge {
namespace {

using nlohmann::json;

std::optional<int64_t> optional_int(const json& object,
                                    const char* key,
                                    const std::string& source) {
  return json_optional<int64_t>(object, key, source);
}

int64_t required_int(const json& object, const char* key, const std::string& source) {
  auto value = optional_int(object, key, source);
  R1F_CHECK_CONFIG(value.has_value(), source, ": required key '", key, "' is missing");
  return *value;
}

std::optional<double> optional_number(const json& object,
                                      const char* key,
                                      const std::string& source) {
  return json_optional<double>(object, key, source);
}

std::optional<bool> optional_bool(const json& object, const char* key, const std::string& source) {
  return json_optional<bool>(object, key, source);
}

std::optional<std::string> optional_string(const json& object,
                                           const char* key,
                                           const std::string& source) {
  return json_optional<std::string>(object, key, source);
}

ModelFamily parse_family(const json& object, const std::string& source) {
  auto model_type = optional_string(object, "model_type", source);
  if (!model_type) {
    // Some hand-written configs only name the class.
    auto it = object.find("architectures");
    if (it != object.end() && it->is_array() && !it->empty() && (*it)[0].is_string()) {
      std::string architecture = (*it)[0].get<std::string>();
      if (architecture == "Qwen2ForCausalLM") return ModelFamily::QWEN2;
      if (architecture == "Qwen3ForCausalLM") return ModelFamily::QWEN3;
      if (architecture == "LlamaForCausalLM") return ModelFamily::LLAMA;
    }
    R1F_THROW(ConfigError, source,
              ": key 'model_type' is missing (expected \"qwen2\", \"qwen3\" or \"llama\")");
  }
  if (*model_type == "qwen2") return ModelFamily::QWEN2;
  if (*model_type == "qwen3") return ModelFamily::QWEN3;
  if (*model_type == "llama") return ModelFamily::LLAMA;
  R1F_THROW(ConfigError, source, ": model_type '", *model_type,
            "' is not supported (supported: qwen2, qwen3, llama)");
}

// RoPE parameters live in `rope_theta`/`rope_scaling` (transformers v4) or in
// `rope_parameters` (v5, which also carries rope_theta). Accept both; v5 wins when both exist.
void parse_rope(const json& object, const std::string& source, ModelConfig& config) {
  if (auto theta = optional_number(object, "rope_theta", source)) config.rope_theta = *theta;
  const json* scaling = nullptr;
  std::string scaling_key;
  for (const char* key : {"rope_scaling", "rope_parameters"}) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) continue;
    R1F_CHECK_CONFIG(it->is_object(), source, ": key '", key, "' must be an object, found ",
                     it->dump());
    scaling = &*it;
    scaling_key = key;
  }
  if (!scaling) return;
  std::string where = scaling_key + ".";
  if (auto theta = optional_number(*scaling, "rope_theta", source)) config.rope_theta = *theta;
  auto type = optional_string(*scaling, "rope_type", source);
  if (!type) type = optional_string(*scaling, "type", source);  // older spelling
  std::string rope_type = type.value_or("default");
  if (rope_type == "default") return;
  R1F_CHECK_CONFIG(rope_type == "llama3", source, ": ", where, "rope_type '", rope_type,
                   "' is not supported (supported: default, llama3)");
  RopeScaling llama3;
  auto factor = optional_number(*scaling, "factor", source);
  auto low = optional_number(*scaling, "low_freq_factor", source);
  auto high = optional_number(*scaling, "high_freq_factor", source);
  auto original = optional_int(*scaling, "original_max_position_embeddings", source);
  R1F_CHECK_CONFIG(factor && low && high && original, source, ": ", where,
                   "rope_type llama3 needs factor, low_freq_factor, high_freq_factor and "
                   "original_max_position_embeddings");
  llama3.factor = *factor;
  llama3.low_freq_factor = *low;
  llama3.high_freq_factor = *high;
  llama3.original_max_position_embeddings = *original;
  R1F_CHECK_CONFIG(llama3.factor > 0 && llama3.high_freq_factor > llama3.low_freq_factor &&
                       llama3.low_freq_factor > 0 && llama3.original_max_position_embeddings > 0,
                   source, ": ", where, "llama3 scaling needs factor > 0 and ",
                   "high_freq_factor > low_freq_factor > 0");
  config.rope_scaling = llama3;
}

void reject_unsupported(const json& object, const std::string& source) {
  R1F_CHECK_CONFIG(!optional_bool(object, "use_sliding_window", source).value_or(false), source,
                   ": use_sliding_window=true (sliding-window attention) is not supported");
  auto layer_types = object.find("layer_types");
  if (layer_types != object.end() && layer_types->is_array()) {
    for (const auto& type : *layer_types) {
      R1F_CHECK_CONFIG(type == "full_attention", source, ": layer_types contains ", type.dump(),
                       "; only full_attention is supported");
    }
  }
  R1F_CHECK_CONFIG(!optional_bool(object, "mlp_bias", source).value_or(false), source,
                   ": mlp_bias=true is not supported");
  auto activation = optional_string(object, "hidden_act", source).value_or("silu");
  R1F_CHECK_CONFIG(activation == "silu", source, ": hidden_act '", activation,
                   "' is not supported (SwiGLU with silu only)");
}

}  // namespace

void ModelConfig::validate(const std::string& source) const {
  R1F_CHECK_CONFIG(vocab_size > 0, source, ": vocab_size must be > 0, got ", vocab_size);
  R1F_CHECK_CONFIG(hidden_size > 0, source, ": hidden_size must be > 0, got ", hidden_size);
  R1F_CHECK_CONFIG(intermediate_size > 0, source, ": intermediate_size must be > 0, got ",
                   intermediate_size);
  R1F_CHECK_CONFIG(num_hidden_layers > 0, source, ": num_hidden_layers must be > 0, got ",
                   num_hidden_layers);
  R1F_CHECK_CONFIG(num_attention_heads > 0, source, ": num_attention_heads must be > 0, got ",
                   num_attention_heads);
  R1F_CHECK_CONFIG(num_key_value_heads > 0 && num_attention_heads % num_key_value_heads == 0,
                   source, ": num_attention_heads (", num_attention_heads,
                   ") must be a multiple of num_key_value_heads (", num_key_value_heads, ")");
  R1F_CHECK_CONFIG(head_dim > 0 && head_dim % 2 == 0, source,
                   ": head_dim must be positive and even (rotate-half RoPE), got ", head_dim);
  R1F_CHECK_CONFIG(rms_norm_eps > 0, source, ": rms_norm_eps must be > 0");
  // The per-family layer layout (so model_config_to_json writes what transformers builds).
  if (family == ModelFamily::QWEN2) {
    R1F_CHECK_CONFIG(qkv_bias && !output_bias && !qk_norm, source,
                     ": qwen2 has q/k/v biases, no o_proj bias and no q/k norms");
  } else {
    R1F_CHECK_CONFIG(qkv_bias == output_bias, source,
                     ": attention_bias sets the q/k/v and o_proj biases together");
    R1F_CHECK_CONFIG(qk_norm == (family == ModelFamily::QWEN3), source,
                     ": q/k norms are part of qwen3 and of no other family");
  }
  R1F_CHECK_CONFIG(rope_theta > 0, source, ": rope_theta must be > 0");
  R1F_CHECK_CONFIG(max_position_embeddings > 0, source, ": max_position_embeddings must be > 0");
  static const char* kDtypes[] = {"float32", "bfloat16", "float16"};
  R1F_CHECK_CONFIG(
      std::find(std::begin(kDtypes), std::end(kDtypes), torch_dtype) != std::end(kDtypes), source,
      ": dtype '", torch_dtype, "' is not supported (float32, bfloat16, ", "float16)");
  for (int64_t id : eos_token_ids) {
    R1F_CHECK_CONFIG(id >= 0 && id < vocab_size, source, ": eos_token_id ", id,
                     " is outside the vocabulary [0, ", vocab_size, ")");
  }
  if (bos_token_id) {
    R1F_CHECK_CONFIG(*bos_token_id >= 0 && *bos_token_id < vocab_size, source, ": bos_token_id ",
                     *bos_token_id, " is outside the vocabulary");
  }
}

ModelConfig model_config_from_json(const json& object, const std::string& source) {
  R1F_CHECK_CONFIG(object.is_object(), source, ": expected a JSON object");
  reject_unsupported(object, source);
  ModelConfig config;
  config.family = parse_family(object, source);
  config.vocab_size = required_int(object, "vocab_size", source);
  config.hidden_size = required_int(object, "hidden_size", source);
  config.intermediate_size = required_int(object, "intermediate_size", source);
  config.num_hidden_layers = required_int(object, "num_hidden_layers", source);
  config.num_attention_heads = required_int(object, "num_attention_heads", source);
  config.num_key_value_heads =
      optional_int(object, "num_key_value_heads", source).value_or(config.num_attention_heads);
  R1F_CHECK_CONFIG(config.num_attention_heads > 0, source, ": num_attention_heads must be > 0");
  // transformers: Qwen3Config defaults head_dim to 128; the others derive it as E / H.
  const int64_t default_head_dim =
      config.family == ModelFamily::QWEN3 ? 128 : config.hidden_size / config.num_attention_heads;
  config.head_dim = optional_int(object, "head_dim", source).value_or(default_head_dim);
  if (auto value = optional_int(object, "max_position_embeddings", source)) {
    config.max_position_embeddings = *value;
  }
  config.rms_norm_eps = optional_number(object, "rms_norm_eps", source).value_or(1e-6);
  parse_rope(object, source, config);
  config.tie_word_embeddings = optional_bool(object, "tie_word_embeddings", source).value_or(false);
  if (config.family == ModelFamily::QWEN2) {
    config.qkv_bias = true;  // Qwen2 always has q/k/v biases and no o_proj bias
    config.output_bias = false;
  } else {
    // Llama and Qwen3: one switch for the q/k/v and o_proj biases.
    bool bias = optional_bool(object, "attention_bias", source).value_or(false);
    config.qkv_bias = bias;
    config.output_bias = bias;
  }
  config.qk_norm = config.family == ModelFamily::QWEN3;
  config.initializer_range = optional_number(object, "initializer_range", source).value_or(0.02);
  // transformers v5 writes `dtype`, v4 `torch_dtype`.
  auto dtype = optional_string(object, "dtype", source);
  if (!dtype) dtype = optional_string(object, "torch_dtype", source);
  config.torch_dtype = dtype.value_or("float32");
  config.bos_token_id = optional_int(object, "bos_token_id", source);
  config.eos_token_ids = json_int_or_list(object, "eos_token_id", source);
  config.pad_token_id = optional_int(object, "pad_token_id", source);
  config.validate(source);
  return config;
}

ModelConfig load_model_config(const std::filesystem::path& config_json) {
  return model_config_from_json(read_json_file(config_json), config_json.string());
}

json model_config_to_json(const ModelConfig& config) {
  const ModelFamily family = config.family;
  json object;
  switch (family) {
    case ModelFamily::QWEN2:
      object["architectures"] = {"Qwen2ForCausalLM"};
      object["model_type"] = "qwen2";
      break;
    case ModelFamily::QWEN3:
      object["architectures"] = {"Qwen3ForCausalLM"};
      object["model_type"] = "qwen3";
      break;
    case ModelFamily::LLAMA:
      object["architectures"] = {"LlamaForCausalLM"};
      object["model_type"] = "llama";
      break;
  }
  object["vocab_size"] = config.vocab_size;
  object["hidden_size"] = config.hidden_size;
  object["intermediate_size"] = config.intermediate_size;
  object["num_hidden_layers"] = config.num_hidden_layers;
  object["num_attention_heads"] = config.num_attention_heads;
  object["num_key_value_heads"] = config.num_key_value_heads;
  object["head_dim"] = config.head_dim;
  object["hidden_act"] = "silu";
  object["max_position_embeddings"] = config.max_position_embeddings;
  object["rms_norm_eps"] = config.rms_norm_eps;
  object["initializer_range"] = config.initializer_range;
  object["tie_word_embeddings"] = config.tie_word_embeddings;
  object["attention_dropout"] = 0.0;
  object["use_cache"] = true;
  if (family == ModelFamily::QWEN2 || family == ModelFamily::QWEN3) {
    // Full attention in every layer, as transformers writes it for these families.
    object["use_sliding_window"] = false;
    object["sliding_window"] = nullptr;
    object["max_window_layers"] = config.num_hidden_layers;
    object["layer_types"] = json(
        std::vector<std::string>(static_cast<size_t>(config.num_hidden_layers), "full_attention"));
  }
  if (family != ModelFamily::QWEN2) object["attention_bias"] = config.qkv_bias;
  if (family == ModelFamily::LLAMA) object["mlp_bias"] = false;
  // Both RoPE spellings: transformers v4 reads rope_theta/rope_scaling, v5 rope_parameters.
  object["rope_theta"] = config.rope_theta;
  json rope = {{"rope_theta", config.rope_theta}, {"rope_type", "default"}};
  if (config.rope_scaling) {
    const auto& scaling = *config.rope_scaling;
    rope["rope_type"] = "llama3";
    rope["factor"] = scaling.factor;
    rope["low_freq_factor"] = scaling.low_freq_factor;
    rope["high_freq_factor"] = scaling.high_freq_factor;
    rope["original_max_position_embeddings"] = scaling.original_max_position_embeddings;
    json legacy = rope;
    legacy.erase("rope_theta");
    object["rope_scaling"] = legacy;
  }
  object["rope_parameters"] = rope;
  object["torch_dtype"] = config.torch_dtype;
  object["dtype"] = config.torch_dtype;
  object["bos_token_id"] = config.bos_token_id ? json(*config.bos_token_id) : json(nullptr);
  if (config.eos_token_ids.empty()) {
    object["eos_token_id"] = nullptr;
  } else if (config.eos_token_ids.size() == 1) {
    object["eos_token_id"] = config.eos_token_ids[0];
  } else {
    object["eos_token_id"] = config.eos_token_ids;
  }
  object["pad_token_id"] = config.pad_token_id ? json(*config.pad_token_id) : json(nullptr);
  return object;
}

}  // namespace r1forge
