// Loading, writing and applying the run config; see pipeline/run_config.h.
#include "r1forge/pipeline/run_config.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/core/config_overrides.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/threads.h"

namespace r1forge {

Config load_config(const std::filesystem::path& yaml_file,
                   const std::vector<std::string>& overrides) {
  std::error_code error;
  R1F_CHECK_IO(std::filesystem::is_regular_file(yaml_file, error), "cannot read config ", yaml_file,
               ": not a regular file or does not exist");
  return load_config_text(read_file(yaml_file), yaml_file.string(), overrides);
}

Config load_config_text(std::string_view yaml_text,
                        const std::string& source,
                        const std::vector<std::string>& overrides) {
  YamlOrigin origin(source);
  YAML::Node root = parse_yaml_with_overrides(yaml_text, origin, overrides);
  Config config = from_yaml<Config>(root, origin);
  resolve_stage_defaults(config.stages);
  if (config.make_data) config.make_data->validate(source + ": make_data");
  validate_stages(config.stages, source);
  R1F_CHECK_CONFIG(config.distributed.backend != "nccl" || config.model.device != "cpu", source,
                   ": distributed.backend: nccl needs CUDA tensors, but model.device is cpu; "
                   "use gloo (or auto, which picks gloo on the CPU and nccl on GPUs)");
  R1F_CHECK_CONFIG(config.model.mixed_precision == "none" || config.model.dtype == "float32",
                   source, ": model.mixed_precision: ", config.model.mixed_precision,
                   " computes in bf16 from float32 weights (the master copy), but model.dtype is ",
                   config.model.dtype, "; set model.dtype: float32");
  return config;
}

std::string config_to_yaml(const Config& config) {
  return "# r1forge resolved config: every key, with defaults filled in.\n" + to_yaml(config);
}

void write_resolved_config(const Config& config, const std::filesystem::path& run_dir) {
  std::error_code error;
  std::filesystem::create_directories(run_dir, error);
  R1F_CHECK_IO(!error, "cannot create run folder ", run_dir, ": ", error.message());
  atomic_write_file(run_dir / "config.resolved.yaml", config_to_yaml(config));
}

void apply_runtime(const RunConfig& run) {
  log::Level level = log::parse_level(run.log_level);
  // Rank 0 speaks for the run; the others would repeat its lines.
  if (!world().is_main() && level < log::Level::WARN) level = log::Level::WARN;
  log::set_level(level);
  int64_t requested = run.threads;
  const int64_t local_ranks = world().placement().local_world_size;
  if (requested == 0 && local_ranks > 1) {
    requested = std::max<int64_t>(1, set_thread_count(0) / local_ranks);
  }
  int64_t threads = set_thread_count(requested);
  R1F_LOG_DEBUG("threads: ", threads, " intra-op (run.threads = ", run.threads, ")");
}

void apply_runtime(const Config& config) {
  apply_runtime(config.run);
  kernels::set_kernel_config(config.kernels);
}

std::string config_reference_markdown() {
  return fields_markdown(describe_fields<Config>());
}

}  // namespace r1forge
