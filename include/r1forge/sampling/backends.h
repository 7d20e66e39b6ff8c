// Chooses a model backend by name (`sampling.backend`): "torch" (KV cache, ATen ops), "paged"
// (a paged KV cache shared by a prompt's samples, sampling/paged_backend.h) or "recompute" (no
// cache; the reference and benchmark baseline). ConfigError for other names.
// `shared_prompt_cache`: the torch backend's prompt sharing, auto | always | never
// (sampling/torch_backend.h); `cuda_graphs`: the paged backend's decode steps as CUDA graphs.
#pragma once

#include <memory>
#include <string>

#include "r1forge/model/transformer.h"
#include "r1forge/sampling/backend.h"
#include "r1forge/sampling/sampling_config.h"

namespace r1forge {

std::unique_ptr<ModelBackend> make_model_backend(const std::string& name,
                                                 Transformer model,
                                                 const std::string& shared_prompt_cache = "auto",
                                                 bool cuda_graphs = false);
// The backend a run's `sampling:` section asks for.
std::unique_ptr<ModelBackend> make_model_backend(const SamplingConfig& sampling, Transformer model);

}  // namespace r1forge
