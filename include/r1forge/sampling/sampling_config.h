// The `sampling:` section of a run config: the generation engine every stage shares — which
// backend runs the model, how many sequences decode together, and the KV-cache memory bound.
// Not here: how completions are sampled (length, temperature, stop strings, ...), which each
// generating stage section owns through generation_config.h; the keys that once sat here
// (sampling.temperature, sampling.max_new_tokens, ...) are errors naming where they live now.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/sampling/sampling_params.h"

namespace r1forge {

struct SamplingConfig {
  // torch (KV cache, ATen ops) | paged (a paged KV cache: a prompt's blocks shared by its
  // samples, each row reading only its own positions) | recompute (no cache, reference)
  std::string backend = "torch";
  int64_t max_batch_size = 64;    // sequences decoded together (KV-cache slots)
  int64_t max_cached_tokens = 0;  // bound on slots x (prompt + max_completion_length); 0 = none
  // torch backend: a prompt's keys/values stored once and read once per decode step by all its
  // samples (cascade attention) instead of a copy per slot. Same logits up to rounding. auto:
  // when prompts fan out and their copies would pass 64 MiB (below that they stay in the CPU's
  // caches and the cascade's extra ops cost more than it saves); always; never.
  std::string shared_prompt_cache = "auto";
  // paged backend on a GPU: each decode step's batch-size bucket (powers of two up to
  // max_batch_size) captured once as a CUDA graph and replayed, so a step costs a few launches
  // instead of hundreds. No effect on the CPU.
  bool cuda_graphs = false;

  bool operator==(const SamplingConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("backend", backend,
            "torch = KV cache (ATen ops); paged = paged KV cache, a prompt's blocks shared by its "
            "samples (the GPU's path); recompute = no cache (reference)",
            OneOf{"torch", "paged", "recompute"});
    v.field("max_batch_size", max_batch_size, "sequences decoded together (KV-cache slots)",
            IntRange{1, 1 << 20});
    v.field("max_cached_tokens", max_cached_tokens,
            "bound on slots x (prompt + max_completion_length) KV positions; 0 = none",
            IntRange{0, std::numeric_limits<int64_t>::max()});
    v.field("shared_prompt_cache", shared_prompt_cache,
            "torch backend: each prompt's keys/values stored once, read once per decode step by "
            "its samples (cascade attention); auto = when the per-slot copies would pass 64 MiB",
            OneOf{"auto", "always", "never"});
    v.field("cuda_graphs", cuda_graphs,
            "paged backend on a GPU: decode steps captured as CUDA graphs per batch-size bucket "
            "and replayed (no effect on the CPU)");
  }
  // Keys this section no longer has; their unknown-key errors say where the setting went.
  static std::vector<MovedKey> moved_keys();

  // The engine's settings (temperature-1 log-probs off: no stage reads them).
  EngineConfig engine() const { return {max_batch_size, max_cached_tokens, false}; }
};

}  // namespace r1forge
