// Activation checkpointing as a custom autograd function; see model/activation_checkpoint.h.
#include "r1forge/model/activation_checkpoint.h"

#include <torch/autograd.h>

namespace r1forge {
namespace {

// Weights travel as a flat tensor list so autograd sees them as inputs and routes their
// gradients back; undefined (absent) biases stay in place to keep indices fixed.
std::vector<at::Tensor> flatten(const DecoderLayerWeights& w) {
  return {w.input_norm, w.qkv_weight,     w.qkv_bias,   w.output_weight,
          w.output_bias, w.post_norm, w.gate_up_weight, w.down_weight};
}

DecoderLayerWeights unflatten(const std::vector<at::Tensor>& t) {
  return {t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]};
}

struct CheckpointedLayer : public torch::autograd::Function<CheckpointedLayer> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x,
                            const at::Tensor& cos, const at::Tensor& sin,
                            const at::Tensor& mask, const ModelConfig* config,
                            std::vector<at::Tensor> weights) {
    ctx->saved_data["config"] = reinterpret_cast<int64_t>(config);
    ctx->saved_data["has_mask"] = mask.defined();
    std::vector<at::Tensor> saved = {x, cos, sin, mask.defined() ? mask : at::Tensor()};
    saved.insert(saved.end(), weights.begin(), weights.end());
    ctx->save_for_backward(saved);
    at::NoGradGuard no_grad;
    return decoder_layer_forward(*config, unflatten(weights), x, {cos, sin}, mask, nullptr, 0);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto* config = reinterpret_cast<const ModelConfig*>(ctx->saved_data["config"].toInt());
    at::Tensor x = saved[0].detach().requires_grad_(true);
    std::vector<at::Tensor> weights(saved.begin() + 4, saved.end());
    std::vector<at::Tensor> detached;  // recompute on detached leaves, return their grads
    for (const auto& weight : weights) {
      detached.push_back(weight.defined() ? weight.detach().requires_grad_(weight.requires_grad())
                                          : at::Tensor());
    }
    at::Tensor output;
    {
      at::AutoGradMode enable_grad(true);
      output = decoder_layer_forward(*config, unflatten(detached), x, {saved[1], saved[2]},
                                     saved[3], nullptr, 0);
    }
    std::vector<at::Tensor> inputs = {x};
    std::vector<size_t> weight_slots;
    for (size_t i = 0; i < detached.size(); ++i) {
      if (detached[i].defined() && detached[i].requires_grad()) {
        inputs.push_back(detached[i]);
        weight_slots.push_back(i);
      }
    }
    auto grads = torch::autograd::grad({output}, inputs, {grad_outputs[0]},
                                       /*retain_graph=*/false, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    // One gradient per forward input: x, cos, sin, mask, config, then each weight.
    torch::autograd::variable_list result(5 + weights.size());
    result[0] = grads[0];
    for (size_t j = 0; j < weight_slots.size(); ++j) result[5 + weight_slots[j]] = grads[1 + j];
    return result;
  }
};

}  // namespace

at::Tensor checkpointed_decoder_layer(const ModelConfig& config,
                                      const DecoderLayerWeights& weights, const at::Tensor& x,
                                      const RotaryTables& rotary,
                                      const at::Tensor& attention_mask) {
  return CheckpointedLayer::apply(x, rotary.cos, rotary.sin, attention_mask, &config,
                                  flatten(weights));
}

}  // namespace r1forge
