// The `kernels:` section of a run config: which implementation each hand-written kernel runs
// as. auto = the CUDA kernel wherever it applies (CUDA tensors, the r1forge_cuda module loaded,
// no autograd graph needed), aten = always its ATen twin (kernels/reference.h and the twins
// named beside each key), so a wrong kernel is switched off without a rebuild. The setting is
// process-wide: the runner and the CLI commands apply it before any model runs. The
// environment's R1F_CUDA_KERNELS=0 forces aten for every kernel (kernels.h).
// Not here: the kernels themselves or their dispatch (kernels.h).
#pragma once

#include <string>

#include "r1forge/core/yaml_fields.h"

namespace r1forge {

struct KernelConfig {
  std::string rms_norm = "auto";  // fused RMSNorm (inference, sampling, no-grad scoring)
  // The decode step's token choice: temperature, top-k, top-p, min-p and the draw in one kernel
  // (sampling/token_choice.h); its twin is the processor chain plus the inverse-CDF sampler.
  std::string sampling = "auto";
  // Decode attention over the paged KV cache (sampling.backend: paged), split along the
  // sequence; its twin gathers each row's blocks and runs an fp32 softmax.
  std::string paged_attention = "auto";
  // The paged decode step's RoPE and key/value append in one kernel; its twin is apply_rope and
  // two index_put_ (bit for bit the same).
  std::string rope_append = "auto";
  // The trainer's log-probs: one pass per chunk of logits for log p(target), logsumexp and
  // entropy; its twin is log_softmax, two gathers, a max and the entropy's exp/mul/sum.
  std::string logprob_stats = "auto";

  bool operator==(const KernelConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("rms_norm", rms_norm,
            "fused RMSNorm on CUDA where no gradient is needed; aten = its ATen twin",
            OneOf{"auto", "aten"});
    v.field("sampling", sampling,
            "fused token choice (temperature, top-k/p, min-p, draw) on CUDA; aten = the "
            "processor chain and inverse-CDF sampler",
            OneOf{"auto", "aten"});
    v.field("paged_attention", paged_attention,
            "decode attention over the paged KV cache on CUDA (split along the sequence, GQA); "
            "aten = gather the blocks and an fp32 softmax",
            OneOf{"auto", "aten"});
    v.field("rope_append", rope_append,
            "paged decode step's RoPE and key/value append fused on CUDA; aten = apply_rope and "
            "index_put_",
            OneOf{"auto", "aten"});
    v.field("logprob_stats", logprob_stats,
            "trainer's log-probs, logsumexp and entropy in one pass per chunk of logits on CUDA; "
            "aten = log_softmax and gathers",
            OneOf{"auto", "aten"});
  }
};

namespace kernels {
// The process-wide selection (defaults: every kernel auto). Not thread-safe against kernels
// running: set it before the first model runs.
void set_kernel_config(const KernelConfig& config);
const KernelConfig& kernel_config();
}  // namespace kernels

}  // namespace r1forge
