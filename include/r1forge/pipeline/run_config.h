// The run config: the top-level YAML a run is driven by (`run:`, `model:`, `sampling:`,
// `stages:`), composed from the components' own structs, and loading, writing and documenting it.
//
// Each struct holds its defaults in-class with a comment, and lists its fields once in visit()
// (name, member, help, constraints); YAML reading, writing and docs/config.md derive from that
// (core/yaml_io.h). Components receive only their own struct. Precedence when loading: struct
// defaults < the YAML file < command-line overrides, left to right (core/config_overrides.h).
// It lives in pipeline/ because it knows every component; core keeps only the generic YAML
// machinery. Not here: the stage list item (stage_config.h), running the stages (runner.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/core/distributed.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/data/make_data_config.h"
#include "r1forge/kernels/kernel_config.h"
#include "r1forge/model/architecture_config.h"
#include "r1forge/pipeline/stage_config.h"
#include "r1forge/sampling/sampling_config.h"

namespace r1forge {

// The run as a whole: where it writes, its seed, its threads, its log level, and what a rerun
// does when a stage's settings changed (pipeline/stage_attempt.h).
struct RunConfig {
  std::string dir = "runs/default";  // run folder: logs, checkpoints, metrics
  int64_t seed = 1234;               // the one run seed; every RNG derives from it
  int64_t threads = 0;  // LibTorch intra-op threads; 0 = this process's cores / local ranks
  std::string log_level = "info";  // trace|debug|info|warn|error|off
  // When a stage's settings that change its training so far differ from those its
  // checkpoints were trained with: error (stop before any work, naming the keys) | restart
  // (delete its checkpoints, train from step 1) | continue (from the latest checkpoint).
  std::string on_change = "error";

  bool operator==(const RunConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("dir", dir, "run folder: logs, checkpoints, metrics");
    v.field("seed", seed, "the one run seed; every RNG derives from it", IntRange{0, INT64_MAX});
    v.field(
        "threads", threads,
        "LibTorch intra-op threads; 0 = the cores this process may use (affinity, cgroup quota), "
        "shared evenly by the data-parallel ranks on a node",
        IntRange{0, 4096});
    v.field("log_level", log_level, "console and file log level",
            OneOf{"trace", "debug", "info", "warn", "error", "off"});
    v.field("on_change", on_change,
            "a stage's training settings differ from its checkpoints': error | restart (delete "
            "them, train from step 1) | continue (from the latest one)",
            OneOf{"error", "restart", "continue"});
  }
};

// Which model the run starts from and how it is held in memory.
struct ModelRunConfig {
  std::string init = "tiny-qwen2";  // a model folder path or a preset name
  std::string tokenizer;            // tokenizer file or folder; empty = the init folder
  std::string dtype = "float32";    // float32|bfloat16|float16 (parameters and compute)
  // none | bfloat16: matmuls and attention in bf16 under autocast over fp32 weights (which
  // stay the master copy, with the optimizer, norms and LM head in fp32); needs dtype float32.
  std::string mixed_precision = "none";
  std::string device = "cpu";           // cpu|cuda|auto (auto = cuda when available)
  bool gradient_checkpointing = false;  // recompute activations in backward to save memory
  ArchitectureConfig architecture;      // shape overrides when init is a preset

  bool operator==(const ModelRunConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("init", init, "a model folder path or a preset name");
    v.field("tokenizer", tokenizer, "tokenizer file or folder; empty = the model folder");
    v.field("dtype", dtype, "parameter and compute dtype", OneOf{"float32", "bfloat16", "float16"});
    v.field("mixed_precision", mixed_precision,
            "bfloat16: matmuls and attention in bf16 over fp32 weights (autocast); none = dtype",
            OneOf{"none", "bfloat16"});
    v.field("device", device, "where the model runs; auto = cuda when available",
            OneOf{"cpu", "cuda", "auto"});
    v.field("gradient_checkpointing", gradient_checkpointing,
            "recompute activations in backward to save memory");
    v.field("architecture", architecture, "shape overrides for a preset init (0 = preset's)");
  }
};

struct Config {
  RunConfig run;                    // run folder, seed, threads, logging
  ModelRunConfig model;             // the starting model, dtype and device
  SamplingConfig sampling;          // the generation engine: backend, batch, memory bound
  KernelConfig kernels;             // CUDA kernel or its ATen twin, per kernel
  DistributedConfig distributed;    // data parallel: backend, timeout, gradient buckets
  std::vector<StageConfig> stages;  // the pipeline, in order
  // Synthetic data and tokenizer made before the stages (data/make_data.h); null = none.
  std::optional<MakeDataConfig> make_data;

  bool operator==(const Config&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("run", run, "run: folder, seed, threads, logging");
    v.field("model", model, "model: the starting model, dtype and device");
    v.field("sampling", sampling, "sampling: the generation engine (backend, batch, memory)");
    v.field("kernels", kernels,
            "kernels: each hand-written CUDA kernel (auto) or its ATen twin (aten); no effect "
            "on CPU");
    v.field(
        "distributed", distributed,
        "distributed: data parallel over the processes a launcher started (docs/distributed.md)");
    v.field("make_data", make_data,
            "make_data: synthetic data and tokenizer made before the stages; null = none");
    v.field("stages", stages, "stages: the pipeline, in order (name, type, init, section)");
  }
};

// Loads `yaml_file` and applies `overrides` (`a.b=c`, `+a.b=c`, `++a.b=c`, `~a.b`) in order.
// ConfigError (exit 2) on any bad key, type, value or override; IoError if the file is unreadable.
Config load_config(const std::filesystem::path& yaml_file,
                   const std::vector<std::string>& overrides = {});
// Same, from YAML text; `source` names it in messages.
Config load_config_text(std::string_view yaml_text,
                        const std::string& source,
                        const std::vector<std::string>& overrides = {});

// The resolved config as commented YAML: every key, defaults filled in.
std::string config_to_yaml(const Config& config);
// Writes `run_dir/config.resolved.yaml` atomically (creating run_dir).
void write_resolved_config(const Config& config, const std::filesystem::path& run_dir);
// Applies `run.threads` (0 = all cores, shared evenly by the ranks on this node) to LibTorch's
// pools and `run.log_level` to the logger (ranks after 0: warnings and errors at most).
void apply_runtime(const RunConfig& run);
// The above, and the run's kernel selection (`kernels:`, process-wide: kernels/kernel_config.h).
void apply_runtime(const Config& config);
// The key reference table of docs/config.md (markdown), generated from the structs.
std::string config_reference_markdown();

}  // namespace r1forge
