// Backend selection by name; see sampling/backends.h.
#include "r1forge/sampling/backends.h"

#include "r1forge/core/check.h"
#include "r1forge/sampling/paged_backend.h"
#include "r1forge/sampling/recompute_backend.h"
#include "r1forge/sampling/torch_backend.h"

namespace r1forge {

std::unique_ptr<ModelBackend> make_model_backend(const std::string& name,
                                                 Transformer model,
                                                 const std::string& shared_prompt_cache,
                                                 bool cuda_graphs) {
  R1F_CHECK_CONFIG(!cuda_graphs || name == "paged",
                   "sampling.cuda_graphs: decode steps are captured by the paged backend only; "
                   "set sampling.backend: paged");
  if (name == "torch") {
    return std::make_unique<TorchBackend>(std::move(model),
                                          parse_prompt_cache_sharing(shared_prompt_cache));
  }
  if (name == "paged") {
    auto paged = std::make_unique<PagedBackend>(std::move(model));
    paged->set_cuda_graphs(cuda_graphs);
    return paged;
  }
  if (name == "recompute") return std::make_unique<RecomputeBackend>(std::move(model));
  R1F_THROW(ConfigError, "unknown sampling backend '", name,
            "' (expected torch, paged or recompute)");
}

std::unique_ptr<ModelBackend> make_model_backend(const SamplingConfig& sampling,
                                                 Transformer model) {
  return make_model_backend(sampling.backend, std::move(model), sampling.shared_prompt_cache,
                            sampling.cuda_graphs);
}

}  // namespace r1forge
