// The data-parallel group of a run: which rank this process is, how many there are, and the
// few collectives the trainers need (sum all-reduce, broadcast, byte all-gather, barrier), each
// bounded by a timeout and failing with an error that names the rank that failed.
// One group per process, set up from the launcher's environment (torchrun's variables, Slurm's
// as the fallback) by init_distributed(); until then world() is the single process, whose
// collectives are identities, so every trainer is written once for any world size.
// The transport is c10d's: TCPStore rendezvous, ProcessGroupGloo on CPU, ProcessGroupNCCL on GPU.
// Not here: the launcher (core/worker_supervisor.h), gradient buckets (optim/gradient_sync.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/core/yaml_fields.h"

namespace r1forge {

// The YAML `distributed:` section. It never changes what a run computes, only how it is
// spread over processes, so a run may resume under another world size or timeout.
struct DistributedConfig {
  std::string backend = "auto";    // auto (gloo on cpu, nccl on cuda) | gloo | nccl
  double timeout_seconds = 600.0;  // rendezvous and every collective; then an error, not a hang
  double bucket_megabytes = 25.0;  // gradient all-reduce bucket (PyTorch DDP's default, 25 MB)
  int64_t zero_stage = 0;          // 0 = every rank holds all AdamW state; 1 = ZeRO-1 (1/W each)
  bool overlap_backward = true;    // send gradient buckets while the last backward still runs

  bool operator==(const DistributedConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("backend", backend, "c10d backend: auto (gloo on cpu, nccl on cuda) | gloo | nccl",
            OneOf{"auto", "gloo", "nccl"});
    v.field("timeout_seconds", timeout_seconds,
            "rendezvous and collective timeout; a rank silent this long fails the run",
            RealRange{1.0, 86400.0});
    v.field("bucket_megabytes", bucket_megabytes, "gradient all-reduce bucket size (MB)",
            RealRange{0.001, 4096.0});
    v.field("zero_stage", zero_stage,
            "0 = AdamW state replicated on every rank; 1 = ZeRO-1: each rank holds 1/W of it "
            "(gradients reduce-scattered, parameters all-gathered; same results)",
            IntRange{0, 1});
    v.field("overlap_backward", overlap_backward,
            "all-reduce each gradient bucket as soon as the step's last backward has produced "
            "it (zero_stage 0); false = all buckets after backward (same results)");
  }
};

// Where this process sits, from the environment.
struct ProcessPlacement {
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;
  int64_t local_world_size = 1;
  std::string master_addr;  // rendezvous host (rank 0 serves the TCPStore there)
  int64_t master_port = 0;
  std::string source = "single process";  // which variables said so, for messages
};

using EnvironmentLookup = std::function<const char*(const char*)>;
// RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT (torchrun and
// `r1forge launch`); without RANK, Slurm's SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID and
// SLURM_NTASKS_PER_NODE with MASTER_ADDR/MASTER_PORT; otherwise one process. ConfigError naming
// the variable when one is missing, not a number, or inconsistent.
ProcessPlacement placement_from_environment(const EnvironmentLookup& lookup = nullptr);

// A collective started and not yet finished (WorkerGroup::start_all_reduce_sum).
class PendingCollective {
 public:
  virtual ~PendingCollective() = default;
  // Blocks until it is done, within distributed.timeout_seconds; fails as the blocking calls do.
  virtual void wait() = 0;
};

// The collectives of one group. Every rank calls the same ones in the same order; `what` names
// the call in errors ("all_reduce gradients bucket 3").
class WorkerGroup {
 public:
  WorkerGroup(ProcessPlacement placement, DistributedConfig config)
      : placement_(std::move(placement)), config_(std::move(config)) {}
  virtual ~WorkerGroup() = default;
  WorkerGroup(const WorkerGroup&) = delete;
  WorkerGroup& operator=(const WorkerGroup&) = delete;

  int64_t rank() const { return placement_.rank; }
  int64_t size() const { return placement_.world_size; }
  bool is_main() const { return placement_.rank == 0; }
  const ProcessPlacement& placement() const { return placement_; }
  const DistributedConfig& config() const { return config_; }
  // The backend's name ("single", "gloo", "nccl").
  virtual std::string backend() const = 0;

  // Elementwise sum over the ranks, in place; all launched before any is waited for (the
  // backend overlaps them). Tensors stay on their device (copied for the transport if needed).
  virtual void all_reduce_sum(std::vector<at::Tensor>& tensors, std::string_view what) = 0;
  // Starts a sum all-reduce of `tensor` in place and returns at once, so computation goes on
  // while it travels; `tensor` must stay untouched until the answer's wait(). Every rank starts
  // the same ones in the same order.
  virtual std::unique_ptr<PendingCollective> start_all_reduce_sum(at::Tensor tensor,
                                                                  std::string what) = 0;
  // Every rank's `tensors` become root's.
  virtual void broadcast(std::vector<at::Tensor>& tensors, int64_t root, std::string_view what) = 0;
  // Every rank's bytes, in rank order (any lengths).
  virtual std::vector<std::string> all_gather_bytes(const std::string& mine,
                                                    std::string_view what) = 0;
  virtual void barrier(std::string_view what) = 0;
  // ZeRO's pair. `input` [size() * S] on every rank; `output` [S] becomes the sum over the
  // ranks of input's slice [rank() * S, (rank() + 1) * S).
  virtual void reduce_scatter_sum(const at::Tensor& input,
                                  at::Tensor& output,
                                  std::string_view what) = 0;
  // `input` [S] on every rank; `output` [size() * S] becomes every rank's input in rank order.
  virtual void all_gather(const at::Tensor& input, at::Tensor& output, std::string_view what) = 0;

 protected:
  ProcessPlacement placement_;
  DistributedConfig config_;
};

// The process's group: the single process until init_distributed().
WorkerGroup& world();
// Joins the group `placement` describes (no-op for one process): rendezvous through a
// TCPStore on MASTER_ADDR:MASTER_PORT served by rank 0, then the backend (`device` decides
// auto: nccl for cuda, gloo otherwise). IoError naming the address when the rendezvous times out.
void init_distributed(const DistributedConfig& config,
                      const ProcessPlacement& placement,
                      const at::Device& device);
// Back to the single process (closes connections; peers see this rank leave).
void shutdown_distributed();

// Conveniences over world().
double all_reduce_sum(double value, std::string_view what);
std::vector<double> all_reduce_sum(std::vector<double> values, std::string_view what);
// The largest `value` over the ranks.
double max_over_ranks(double value, std::string_view what);
// True when `flag` is true on any rank (the ranks agree on a stop or a save).
bool any_rank(bool flag, std::string_view what);

// This rank's share of `count` work items dealt round-robin (item k goes to rank k % size):
// the items' order is the single-process order, so results assembled by summing zero-filled
// parts are bit for bit those of one process.
inline bool owns_item(int64_t item) {
  return item % world().size() == world().rank();
}
// The last of items [0, count) this rank owns; -1 when it owns none.
inline int64_t last_owned_item(int64_t count) {
  for (int64_t item = count - 1; item >= 0; --item) {
    if (owns_item(item)) return item;
  }
  return -1;
}

}  // namespace r1forge
