// Backend selection by name; see sampling/backends.h.
#include "r1forge/sampling/backends.h"

#include "r1forge/core/check.h"
#include "r1forge/sampling/recompute_backend.h"
#include "r1forge/sampling/torch_backend.h"

namespace r1forge {

std::unique_ptr<ModelBackend> make_model_backend(const std::string& name,
                                                 Transformer model,
                                                 const std::string& shared_prompt_cache) {
  if (name == "torch") {
    return std::make_unique<TorchBackend>(std::move(model),
                                          parse_prompt_cache_sharing(shared_prompt_cache));
  }
  if (name == "recompute") return std::make_unique<RecomputeBackend>(std::move(model));
  R1F_THROW(ConfigError, "unknown sampling backend '", name, "' (expected torch or recompute)");
}

}  // namespace r1forge
