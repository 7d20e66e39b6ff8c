// The process's data-parallel group and where it sits; see core/distributed.h. The c10d
// transport is in c10d_group.cpp (the one file that sees Gloo's headers).
#include "r1forge/core/distributed.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "c10d_group.h"
#include "r1forge/core/check.h"
#include "r1forge/core/log.h"

namespace r1forge {
namespace {

// The single process: every collective is the identity.
class SingleProcessGroup final : public WorkerGroup {
 public:
  SingleProcessGroup() : WorkerGroup(ProcessPlacement{}, DistributedConfig{}) {}
  std::string backend() const override { return "single"; }
  void all_reduce_sum(std::vector<at::Tensor>&, std::string_view) override {}
  std::unique_ptr<PendingCollective> start_all_reduce_sum(at::Tensor, std::string) override {
    struct Done final : PendingCollective {
      void wait() override {}
    };
    return std::make_unique<Done>();
  }
  void broadcast(std::vector<at::Tensor>&, int64_t, std::string_view) override {}
  std::vector<std::string> all_gather_bytes(const std::string& mine, std::string_view) override {
    return {mine};
  }
  void barrier(std::string_view) override {}
  void reduce_scatter_sum(const at::Tensor& input, at::Tensor& output, std::string_view) override {
    output.copy_(input);
  }
  void all_gather(const at::Tensor& input, at::Tensor& output, std::string_view) override {
    output.copy_(input);
  }
};

std::unique_ptr<WorkerGroup>& world_slot() {
  static std::unique_ptr<WorkerGroup> group = std::make_unique<SingleProcessGroup>();
  return group;
}

// The integer in variable `name`; nullopt when unset.
std::optional<int64_t> integer_variable(const EnvironmentLookup& lookup,
                                        const char* name,
                                        const std::string& source) {
  const char* text = lookup(name);
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text, &end, 10);
  // Slurm writes SLURM_NTASKS_PER_NODE as "8" or "8(x2)": the leading count is the one.
  const bool slurm_repeat =
      end != text && *end == '(' && std::string_view(name).starts_with("SLURM");
  R1F_CHECK_CONFIG(end != text && (*end == '\0' || slurm_repeat) && errno == 0 && value >= 0,
                   source, ": environment variable ", name, "='", text,
                   "' is not a non-negative integer");
  return value;
}

int64_t required_integer(const EnvironmentLookup& lookup,
                         const char* name,
                         const std::string& source) {
  std::optional<int64_t> value = integer_variable(lookup, name, source);
  R1F_CHECK_CONFIG(value.has_value(), source, " sets the rank but not ", name,
                   "; set it (r1forge launch and torchrun set all of RANK, WORLD_SIZE, "
                   "LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT)");
  return *value;
}

}  // namespace

ProcessPlacement placement_from_environment(const EnvironmentLookup& given) {
  const EnvironmentLookup lookup =
      given ? given : [](const char* name) { return static_cast<const char*>(std::getenv(name)); };
  ProcessPlacement placement;
  const bool torchrun = lookup("RANK") != nullptr;
  const bool slurm = !torchrun && lookup("SLURM_PROCID") != nullptr &&
                     integer_variable(lookup, "SLURM_NTASKS", "Slurm").value_or(1) > 1;
  if (!torchrun && !slurm) return placement;
  // The same four facts under the two launchers' names.
  struct Names {
    const char *rank, *world_size, *local_rank, *local_world_size, *source;
  };
  static constexpr Names kTorchrun{"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE",
                                   "the environment (RANK, WORLD_SIZE, ...)"};
  static constexpr Names kSlurm{"SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID",
                                "SLURM_NTASKS_PER_NODE",
                                "Slurm's environment (SLURM_PROCID, SLURM_NTASKS, ...)"};
  const Names& names = torchrun ? kTorchrun : kSlurm;
  placement.source = names.source;
  placement.rank = required_integer(lookup, names.rank, placement.source);
  placement.world_size = required_integer(lookup, names.world_size, placement.source);
  placement.local_rank = integer_variable(lookup, names.local_rank, placement.source).value_or(0);
  placement.local_world_size =
      integer_variable(lookup, names.local_world_size, placement.source).value_or(1);
  const std::string& source = placement.source;
  R1F_CHECK_CONFIG(placement.world_size >= 1, source, ": the world size is 0");
  R1F_CHECK_CONFIG(placement.rank < placement.world_size, source, ": rank ", placement.rank,
                   " is not below the world size ", placement.world_size);
  R1F_CHECK_CONFIG(placement.local_world_size >= 1 &&
                       placement.local_rank < placement.local_world_size &&
                       placement.local_world_size <= placement.world_size,
                   source, ": local rank ", placement.local_rank, " of ",
                   placement.local_world_size, " does not fit a world of ", placement.world_size);
  if (placement.world_size == 1) return placement;
  const char* address = lookup("MASTER_ADDR");
  R1F_CHECK_CONFIG(address != nullptr && *address != '\0', source,
                   ": MASTER_ADDR is not set; it names the host of rank 0, where the rendezvous "
                   "store listens",
                   slurm ? " (in an sbatch script: the first host of "
                           "`scontrol show hostnames $SLURM_JOB_NODELIST`; see scripts/slurm/)"
                         : "");
  placement.master_addr = address;
  std::optional<int64_t> port = integer_variable(lookup, "MASTER_PORT", source);
  R1F_CHECK_CONFIG(port.has_value() && *port > 0 && *port < 65536, source,
                   ": MASTER_PORT is not set to a TCP port (1-65535)");
  placement.master_port = *port;
  return placement;
}

WorkerGroup& world() {
  return *world_slot();
}

void init_distributed(const DistributedConfig& config,
                      const ProcessPlacement& placement,
                      const at::Device& device) {
  R1F_CHECK(world().size() == 1, "init_distributed: the process already joined a group");
  if (placement.world_size == 1) return;
  world_slot() = make_c10d_group(config, placement, device);
  R1F_LOG_INFO("distributed: rank ", placement.rank, " of ", placement.world_size, " (local ",
               placement.local_rank, " of ", placement.local_world_size, "), ", world().backend(),
               " through ", placement.master_addr, ":", placement.master_port);
}

void shutdown_distributed() {
  world_slot() = std::make_unique<SingleProcessGroup>();
}

std::vector<double> all_reduce_sum(std::vector<double> values, std::string_view what) {
  if (world().size() == 1 || values.empty()) return values;
  std::vector<at::Tensor> tensors = {
      at::from_blob(values.data(), {static_cast<int64_t>(values.size())}, at::kDouble).clone()};
  world().all_reduce_sum(tensors, what);
  const double* summed = tensors[0].data_ptr<double>();
  return std::vector<double>(summed, summed + values.size());
}

double all_reduce_sum(double value, std::string_view what) {
  return all_reduce_sum(std::vector<double>{value}, what)[0];
}

double max_over_ranks(double value, std::string_view what) {
  if (world().size() == 1) return value;
  std::string bytes(sizeof value, '\0');
  std::memcpy(bytes.data(), &value, sizeof value);
  double largest = value;
  for (const std::string& each : world().all_gather_bytes(bytes, what)) {
    double other = 0.0;
    std::memcpy(&other, each.data(), sizeof other);
    largest = std::max(largest, other);
  }
  return largest;
}

bool any_rank(bool flag, std::string_view what) {
  return all_reduce_sum(flag ? 1.0 : 0.0, what) > 0.0;
}

}  // namespace r1forge
