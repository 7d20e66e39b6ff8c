// HF model folder reading and writing; see model/hf_io.h.
#include "r1forge/model/hf_io.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/core/log.h"
#include "r1forge/model/safetensors_folder.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Tensors a checkpoint may carry that r1forge does not need: old RoPE buffers, and an LM
// head saved beside tied embeddings (transformers ignores it too).
bool ignorable(const std::string& name, const ModelConfig& config) {
  if (name.size() >= 19 && name.compare(name.size() - 19, 19, "rotary_emb.inv_freq") == 0) {
    return true;
  }
  return config.tie_word_embeddings && name == "lm_head.weight";
}

}  // namespace

at::ScalarType parse_dtype_name(const std::string& name) {
  if (name == "float32" || name == "fp32") return at::kFloat;
  if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
  if (name == "float16" || name == "fp16" || name == "half") return at::kHalf;
  R1F_THROW(ConfigError, "unknown dtype '", name, "' (expected float32, bfloat16 or float16)");
}

std::string dtype_name(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: R1F_THROW(ConfigError, "unsupported model dtype ", c10::toString(dtype));
  }
}

std::vector<std::pair<std::string, at::Tensor>> hf_named_tensors(Transformer& model,
                                                                 bool gradients) {
  const ModelConfig& c = model->config();
  auto pick = [gradients](const at::Tensor& parameter) {
    if (!gradients || !parameter.defined()) return parameter;
    R1F_CHECK(parameter.grad().defined(), "parameter has no gradient (run backward first)");
    return parameter.grad();
  };
  const int64_t q_rows = c.num_attention_heads * c.head_dim;
  const int64_t kv_rows = c.num_key_value_heads * c.head_dim;
  const int64_t inner = c.intermediate_size;
  std::vector<std::pair<std::string, at::Tensor>> named;
  named.emplace_back("model.embed_tokens.weight", pick(model->embedding()));
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string prefix = "model.layers." + std::to_string(i) + ".";
    const DecoderLayerWeights& p = model->layer(i);
    const DecoderLayerWeights w = {pick(p.input_norm),     pick(p.qkv_weight),  pick(p.qkv_bias),
                                   pick(p.output_weight),  pick(p.output_bias), pick(p.post_norm),
                                   pick(p.gate_up_weight), pick(p.down_weight), pick(p.q_norm),
                                   pick(p.k_norm)};
    named.emplace_back(prefix + "input_layernorm.weight", w.input_norm);
    named.emplace_back(prefix + "self_attn.q_proj.weight", w.qkv_weight.narrow(0, 0, q_rows));
    named.emplace_back(prefix + "self_attn.k_proj.weight", w.qkv_weight.narrow(0, q_rows, kv_rows));
    named.emplace_back(prefix + "self_attn.v_proj.weight",
                       w.qkv_weight.narrow(0, q_rows + kv_rows, kv_rows));
    if (w.qkv_bias.defined()) {
      named.emplace_back(prefix + "self_attn.q_proj.bias", w.qkv_bias.narrow(0, 0, q_rows));
      named.emplace_back(prefix + "self_attn.k_proj.bias", w.qkv_bias.narrow(0, q_rows, kv_rows));
      named.emplace_back(prefix + "self_attn.v_proj.bias",
                         w.qkv_bias.narrow(0, q_rows + kv_rows, kv_rows));
    }
    if (w.q_norm.defined()) {  // Qwen3
      named.emplace_back(prefix + "self_attn.q_norm.weight", w.q_norm);
      named.emplace_back(prefix + "self_attn.k_norm.weight", w.k_norm);
    }
    named.emplace_back(prefix + "self_attn.o_proj.weight", w.output_weight);
    if (w.output_bias.defined())
      named.emplace_back(prefix + "self_attn.o_proj.bias", w.output_bias);
    named.emplace_back(prefix + "post_attention_layernorm.weight", w.post_norm);
    named.emplace_back(prefix + "mlp.gate_proj.weight", w.gate_up_weight.narrow(0, 0, inner));
    named.emplace_back(prefix + "mlp.up_proj.weight", w.gate_up_weight.narrow(0, inner, inner));
    named.emplace_back(prefix + "mlp.down_proj.weight", w.down_weight);
  }
  named.emplace_back("model.norm.weight", pick(model->final_norm()));
  if (!c.tie_word_embeddings) named.emplace_back("lm_head.weight", pick(model->lm_head()));
  return named;
}

void load_hf_tensors(Transformer& model,
                     const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                     const std::string& source) {
  std::map<std::string, at::Tensor> by_name(tensors.begin(), tensors.end());
  at::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& [name, destination] : hf_named_tensors(model)) {
    auto it = by_name.find(name);
    R1F_CHECK_DATA(it != by_name.end(), source, ": tensor '", name,
                   "' is missing (the config.json architecture expects it)");
    R1F_CHECK_DATA(it->second.sizes() == destination.sizes(), source, ": tensor '", name,
                   "' has shape ", it->second.sizes(), " but config.json implies ",
                   destination.sizes());
    destination.copy_(it->second);
    used.insert(name);
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : by_name) {
    if (!used.count(name) && !ignorable(name, model->config())) unexpected.push_back(name);
  }
  if (!unexpected.empty()) {
    std::string list;
    for (size_t i = 0; i < std::min<size_t>(unexpected.size(), 5); ++i) {
      list += (i ? ", " : "") + unexpected[i];
    }
    R1F_THROW(DataError, source, ": ", unexpected.size(), " tensor(s) that the ",
              "config.json architecture does not use, e.g. ", list,
              " (is config.json from another model?)");
  }
}

Transformer load_model(const fs::path& folder, const ModelLoadOptions& options) {
  R1F_CHECK_IO(fs::is_directory(folder), "model folder ", folder, " does not exist");
  ModelConfig config = load_model_config(folder / "config.json");
  Transformer model(config, /*initialize=*/false);
  safetensors::SafetensorsFolder weights(folder);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& name : weights.names()) {
    tensors.emplace_back(name, weights.tensor(name, at::kFloat));
  }
  std::string description = weights.sharded() ? (folder / "model.safetensors.index.json").string()
                                              : (folder / "model.safetensors").string();
  load_hf_tensors(model, tensors, description);
  at::ScalarType dtype = options.dtype.value_or(at::kFloat);
  if (dtype != at::kFloat || options.device != at::kCPU) {
    model->to(options.device, dtype);
    model->refresh_handles();
  }
  R1F_LOG_DEBUG("loaded ", folder.string(), ": ", parameter_count(config), " parameters");
  return model;
}

void save_model(Transformer& model, const fs::path& folder, const ModelSaveOptions& options) {
  at::ScalarType dtype = options.dtype.value_or(model->dtype());
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (auto& [name, tensor] : hf_named_tensors(model)) {
    tensors.emplace_back(name, tensor.detach().to(at::kCPU, dtype).contiguous());
  }
  fs::create_directories(folder);
  safetensors::save_folder(folder, tensors, options.max_shard_bytes);

  ModelConfig config = model->config();
  config.torch_dtype = dtype_name(dtype);
  GenerationConfig generation;
  generation.bos_token_id = config.bos_token_id;
  generation.eos_token_ids = config.eos_token_ids;
  generation.pad_token_id = config.pad_token_id;
  save_generation_config(generation, folder);
  atomic_write_file(folder / "config.json", model_config_to_json(config).dump(2) + "\n");
}

GenerationConfig load_generation_config(const fs::path& folder) {
  GenerationConfig result;
  fs::path path = folder / "generation_config.json";
  if (!fs::exists(path)) {
    ModelConfig config = load_model_config(folder / "config.json");
    result.bos_token_id = config.bos_token_id;
    result.eos_token_ids = config.eos_token_ids;
    result.pad_token_id = config.pad_token_id;
    return result;
  }
  const json object = read_json_file(path);
  const std::string source = path.string();
  R1F_CHECK_CONFIG(object.is_object(), source, ": expected a JSON object");
  result.bos_token_id = json_optional<int64_t>(object, "bos_token_id", source);
  result.pad_token_id = json_optional<int64_t>(object, "pad_token_id", source);
  result.top_k = json_optional<int64_t>(object, "top_k", source);
  result.temperature = json_optional<double>(object, "temperature", source);
  result.top_p = json_optional<double>(object, "top_p", source);
  result.eos_token_ids = json_int_or_list(object, "eos_token_id", source);
  return result;
}

void save_generation_config(const GenerationConfig& config, const fs::path& folder) {
  json object = json::object();  // "{}" when nothing is set, never "null"
  if (config.bos_token_id) object["bos_token_id"] = *config.bos_token_id;
  if (config.eos_token_ids.size() == 1) object["eos_token_id"] = config.eos_token_ids[0];
  if (config.eos_token_ids.size() > 1) object["eos_token_id"] = config.eos_token_ids;
  if (config.pad_token_id) object["pad_token_id"] = *config.pad_token_id;
  if (config.temperature) object["temperature"] = *config.temperature;
  if (config.top_p) object["top_p"] = *config.top_p;
  if (config.top_k) object["top_k"] = *config.top_k;
  if (config.temperature || config.top_p || config.top_k) object["do_sample"] = true;
  atomic_write_file(folder / "generation_config.json", object.dump(2) + "\n");
}

}  // namespace r1forge
