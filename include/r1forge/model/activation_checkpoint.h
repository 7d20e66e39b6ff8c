// Activation (gradient) checkpointing for decoder layers: the forward pass keeps only the
// layer's input; backward recomputes the layer with grad enabled and back-propagates through
// the recomputation. Memory per layer drops from all intermediates to one [N, T, E] tensor,
// for about one extra forward of compute. The layers are deterministic (no dropout), so the
// recomputation is bitwise identical to the original forward.
// Not here: selective checkpointing policies (future work).
#pragma once

#include <ATen/ATen.h>

#include "r1forge/model/layers.h"
#include "r1forge/model/transformer.h"

namespace r1forge {

// Same result as decoder_layer_forward(config, weights, x, rotary, mask, nullptr, -, {}, prefix,
// captured), with gradients for x, every weight and the prefix's keys and values (and through
// the captured keys and values), without storing the layer's intermediates.
at::Tensor checkpointed_decoder_layer(const ModelConfig& config,
                                      const DecoderLayerWeights& weights,
                                      const at::Tensor& x,
                                      const RotaryTables& rotary,
                                      const at::Tensor& attention_mask,
                                      const LayerPrefix& prefix = {},
                                      LayerPrefix* captured = nullptr);

}  // namespace r1forge
