// Chooses a model backend by name (`sampling.backend`): "torch" (KV cache, ATen ops) or
// "recompute" (no cache; the reference and benchmark baseline). ConfigError for other names.
// `shared_prompt_cache`: the torch backend's prompt sharing, auto | always | never
// (sampling/torch_backend.h).
#pragma once

#include <memory>
#include <string>

#include "r1forge/model/transformer.h"
#include "r1forge/sampling/backend.h"

namespace r1forge {

std::unique_ptr<ModelBackend> make_model_backend(const std::string& name,
                                                 Transformer model,
                                                 const std::string& shared_prompt_cache = "auto");

}  // namespace r1forge
