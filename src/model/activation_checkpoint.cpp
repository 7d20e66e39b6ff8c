// Activation checkpointing as a custom autograd function; see model/activation_checkpoint.h.
#include "r1forge/model/activation_checkpoint.h"

#include <torch/autograd.h>

#include "r1forge/model/autocast_scope.h"

namespace r1forge {
namespace {

constexpr size_t kWeightSlots = 10;

// Every tensor input travels in one flat list of *defined* tensors, because autograd functions
// reject undefined inputs: [x, cos, sin, (mask), (prefix keys, values, owner), present
// weights...]. `layout` records which optional pieces are present so backward can rebuild the
// call; `captures` makes the layer also return its keys and values (outputs 1 and 2).
struct Layout {
  bool has_mask = false;
  bool has_prefix = false;
  bool captures = false;
  std::array<bool, kWeightSlots> has_weight{};
  int64_t encode() const {
    int64_t bits = (has_mask ? 1 : 0) | (has_prefix ? 2 : 0) | (captures ? 4 : 0);
    for (size_t i = 0; i < kWeightSlots; ++i) bits |= (has_weight[i] ? 1LL : 0LL) << (i + 3);
    return bits;
  }
  static Layout decode(int64_t bits) {
    Layout layout;
    layout.has_mask = bits & 1;
    layout.has_prefix = bits & 2;
    layout.captures = bits & 4;
    for (size_t i = 0; i < kWeightSlots; ++i) layout.has_weight[i] = (bits >> (i + 3)) & 1;
    return layout;
  }
};

std::array<at::Tensor, kWeightSlots> weight_slots(const DecoderLayerWeights& w) {
  return {w.input_norm, w.qkv_weight,     w.qkv_bias,    w.output_weight, w.output_bias,
          w.post_norm,  w.gate_up_weight, w.down_weight, w.q_norm,        w.k_norm};
}

// Rebuilds the layer call from the flat list; returns the index of the first weight.
struct Unpacked {
  at::Tensor x, cos, sin, mask;
  LayerPrefix prefix;
  DecoderLayerWeights weights;
  bool captures = false;
};

Unpacked unpack(const std::vector<at::Tensor>& flat, const Layout& layout) {
  Unpacked result{flat[0], flat[1], flat[2], {}, {}, {}, layout.captures};
  size_t next = 3;
  if (layout.has_mask) result.mask = flat[next++];
  if (layout.has_prefix) {
    result.prefix = {flat[next], flat[next + 1], flat[next + 2], {}, nullptr};
    next += 3;
  }
  std::array<at::Tensor, kWeightSlots> slots;
  for (size_t i = 0; i < kWeightSlots; ++i) {
    if (layout.has_weight[i]) slots[i] = flat[next++];
  }
  result.weights = {slots[0], slots[1], slots[2], slots[3], slots[4],
                    slots[5], slots[6], slots[7], slots[8], slots[9]};
  return result;
}

// The layer's output, then (when it captures) its keys and values.
std::vector<at::Tensor> run_layer(const ModelConfig& config, const Unpacked& in) {
  LayerPrefix captured;
  at::Tensor output =
      decoder_layer_forward(config, in.weights, in.x, {in.cos, in.sin}, in.mask, nullptr, 0, {},
                            in.prefix, in.captures ? &captured : nullptr);
  if (!in.captures) return {output};
  return {output, captured.keys, captured.values};
}

struct CheckpointedLayer : public torch::autograd::Function<CheckpointedLayer> {
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                at::TensorList inputs,
                                                const ModelConfig* config,
                                                int64_t layout_bits) {
    ctx->saved_data["config"] = reinterpret_cast<int64_t>(config);
    ctx->saved_data["layout"] = layout_bits;
    // The recompute must run at the forward's precision: under the same autocast, if any.
    const auto autocast = AutocastScope::current(inputs[0].device().type());
    ctx->saved_data["autocast"] = autocast ? static_cast<int64_t>(*autocast) : int64_t{-1};
    ctx->save_for_backward(inputs.vec());
    at::NoGradGuard no_grad;
    return run_layer(*config, unpack(inputs.vec(), Layout::decode(layout_bits)));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const auto* config = reinterpret_cast<const ModelConfig*>(ctx->saved_data["config"].toInt());
    // Recompute on detached leaves with grad on; the graph built here lives only inside this
    // backward call.
    std::vector<at::Tensor> leaves;
    for (const auto& tensor : saved) {
      leaves.push_back(
          tensor.detach().requires_grad_(tensor.requires_grad() || tensor.is_floating_point()));
    }
    leaves[1].requires_grad_(false);  // cos, sin: functions of positions only
    leaves[2].requires_grad_(false);
    std::vector<at::Tensor> outputs;
    {
      at::AutoGradMode enable_grad(true);
      const int64_t autocast = ctx->saved_data["autocast"].toInt();
      AutocastScope scope(
          saved[0].device().type(),
          autocast < 0 ? std::nullopt : std::optional(static_cast<at::ScalarType>(autocast)));
      outputs =
          run_layer(*config, unpack(leaves, Layout::decode(ctx->saved_data["layout"].toInt())));
    }
    // Captured keys/values that nothing downstream used come back with no gradient.
    std::vector<at::Tensor> differentiated, output_grads;
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (grad_outputs[i].defined()) {
        differentiated.push_back(outputs[i]);
        output_grads.push_back(grad_outputs[i]);
      }
    }
    std::vector<at::Tensor> wanted;
    std::vector<size_t> positions;
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (leaves[i].requires_grad() && (i == 0 || saved[i].requires_grad())) {
        wanted.push_back(leaves[i]);
        positions.push_back(i);
      }
    }
    auto grads = torch::autograd::grad(differentiated, wanted, output_grads,
                                       /*retain_graph=*/false, /*create_graph=*/false,
                                       /*allow_unused=*/true);
    // One gradient per forward input: each tensor of the list, then config and layout.
    torch::autograd::variable_list result(saved.size() + 2);
    for (size_t j = 0; j < positions.size(); ++j) result[positions[j]] = grads[j];
    return result;
  }
};

}  // namespace

at::Tensor checkpointed_decoder_layer(const ModelConfig& config,
                                      const DecoderLayerWeights& weights,
                                      const at::Tensor& x,
                                      const RotaryTables& rotary,
                                      const at::Tensor& attention_mask,
                                      const LayerPrefix& prefix,
                                      LayerPrefix* captured) {
  Layout layout;
  std::vector<at::Tensor> inputs = {x, rotary.cos, rotary.sin};
  if (attention_mask.defined()) {
    layout.has_mask = true;
    inputs.push_back(attention_mask);
  }
  if (prefix.keys.defined()) {
    layout.has_prefix = true;
    inputs.insert(inputs.end(), {prefix.keys, prefix.values, prefix.owner});
  }
  layout.captures = captured != nullptr;
  auto slots = weight_slots(weights);
  for (size_t i = 0; i < kWeightSlots; ++i) {
    layout.has_weight[i] = slots[i].defined();
    if (slots[i].defined()) inputs.push_back(slots[i]);
  }
  // As a TensorList (not a std::vector) so autograd registers each tensor as an input.
  auto outputs = CheckpointedLayer::apply(at::TensorList(inputs), &config, layout.encode());
  if (captured) {
    captured->keys = outputs[1];
    captured->values = outputs[2];
  }
  return outputs[0];
}

}  // namespace r1forge
