// The measured side of `r1forge plan`: this machine's rates (matmul FLOP/s, memory bandwidth,
// device memory), and one real step of a stage's shape with random weights and tokens, its
// peak memory read from the allocator (CPU: core/counting_allocator.h; CUDA: the caching
// allocator's allocated-bytes peak, what torch.cuda.max_memory_allocated reports) and its time.
// The step runs the stage's own code: sft_forward + backward + Optimizer::step for
// sft/pretrain/distill, the engine's TorchBackend KV cache + update_policy (and
// score_completions on the reference) for grpo, TorchBackend prefill/decode for generation.
// Each call allocates for real: run it in a forked child (core/child_run.h) to keep the
// caller's heap and peak readings clean.
// Not here: the estimates (memory_plan.h), printing (apps/commands/plan.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/pipeline/memory_plan.h"

namespace r1forge {

struct MachineRates {
  std::string device;                  // cpu | cuda:0
  double matmul_flops_per_second = 0;  // core/gemm_peak.h, in the model dtype
  double memory_bytes_per_second = 0;  // a large copy: bytes read + written per second
  int64_t device_memory_bytes = 0;     // CPU: MemTotal or the cgroup limit; CUDA: total memory
  int64_t threads = 0;
};

// Measures this machine for `config` (its device, dtype, run.threads): about half a second.
MachineRates measure_machine(const Config& config);
nlohmann::json to_json(const MachineRates& rates);
MachineRates machine_rates_from_json(const nlohmann::json& json);

// Bytes of memory this machine's `device` ("cpu", "cuda", "auto") offers one process.
int64_t device_memory_bytes(const std::string& device);

struct MeasuredStep {
  int64_t peak_bytes = 0;          // tensor bytes at the peak (allocator statistics)
  int64_t rss_growth_bytes = 0;    // CPU: peak resident set above the start; 0 on CUDA
  int64_t estimate_bytes = 0;      // the plan's peak less what the step does not build
  double micro_batch_seconds = 0;  // one forward + backward (training stages); 0 otherwise
  double decode_step_seconds = 0;  // one decode step of every slot; 0 without generation
  std::string left_out;            // what the estimate left out to match (reward models, ...)
};

// Runs `plan`'s stage shape once as described above (two optimizer steps of up to two
// micro-batches each; a prefill and a few decode steps) on config's device and dtype.
MeasuredStep measure_stage_step(const Config& config, const StageMemoryPlan& plan);
nlohmann::json to_json(const MeasuredStep& step);
MeasuredStep measured_step_from_json(const nlohmann::json& json);

}  // namespace r1forge
