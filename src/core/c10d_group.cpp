// WorkerGroup over c10d: TCPStore rendezvous and a Gloo backend (CPU tensors; CUDA tensors
// are staged through the host) or an NCCL one (CUDA tensors of this rank's device; built by the
// CUDA module, core/nccl_hook.h). Every collective waits at most distributed.timeout_seconds.
// A failed collective is explained through heartbeats: each rank writes
// "r1forge/heartbeat/<rank>" = "<ms since epoch> <pid> <host> <collective #> <name>" to the
// store once a second from a thread of its own, so a survivor can say which rank died (its
// heartbeat stopped, or its PID is gone on this host) or which collective each rank is in.
// Gloo's headers come from Debian's libgloo-dev (headers only: the implementation is inside
// LibTorch's libtorch_cpu), hence this file's own include path (CMakeLists.txt).
#include "c10d_group.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <thread>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/core/nccl_hook.h"

namespace r1forge {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr milliseconds kHeartbeatInterval{1000};
constexpr milliseconds kStaleAfter{3500};

int64_t now_ms() {
  return std::chrono::duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "?";
  return name;
}

std::string heartbeat_key(int64_t rank) {
  return "r1forge/heartbeat/" + std::to_string(rank);
}

// What a heartbeat says about a rank.
struct Heartbeat {
  int64_t time_ms = 0;
  int64_t pid = 0;
  std::string host;
  int64_t sequence = 0;
  std::string collective;
};

std::optional<Heartbeat> parse_heartbeat(const std::vector<uint8_t>& bytes) {
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  Heartbeat beat;
  if (!(in >> beat.time_ms >> beat.pid >> beat.host >> beat.sequence)) return std::nullopt;
  std::getline(in >> std::ws, beat.collective);
  return beat;
}

class C10dGroup final : public WorkerGroup {
 public:
  C10dGroup(const DistributedConfig& config,
            const ProcessPlacement& placement,
            const at::Device& device)
      : WorkerGroup(placement, config),
        timeout_(static_cast<int64_t>(config.timeout_seconds * 1000.0)),
        host_(host_name()) {
    const std::string address = placement.master_addr + ":" + std::to_string(placement.master_port);
    std::string backend = config.backend;
    if (backend == "auto") backend = device.is_cuda() ? "nccl" : "gloo";
    R1F_CHECK_CONFIG(backend == "gloo" || nccl_backend_factory() != nullptr,
                     "distributed.backend: nccl needs LibTorch's CUDA libraries, which the "
                     "r1forge_cuda module brings where a GPU driver is found (none was loaded "
                     "here); use gloo");
    backend_name_ = backend;
    // NCCL moves CUDA tensors of this rank's device; Gloo CPU tensors.
    if (backend == "nccl") {
      transport_device_ =
          at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(placement.local_rank));
    }
    try {
      // Under torchrun the agent already serves a store on MASTER_ADDR:MASTER_PORT and says
      // so (TORCHELASTIC_USE_AGENT_STORE=True): every rank is then a client of it, as
      // PyTorch's own workers are. Otherwise rank 0 serves, and every rank's main client
      // counts itself in (waitWorkers) so the server returns once all have arrived; the
      // heartbeat client is a second connection that does not. Keys live under "r1forge/".
      const char* agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
      const bool agent_store = agent != nullptr && std::string(agent) == "True";
      store_ = make_store(/*server=*/placement.rank == 0 && !agent_store,
                          /*count_in=*/!agent_store);
      heartbeat_store_ = make_store(/*server=*/false, /*count_in=*/false);
      prefixed_store_ = c10::make_intrusive<c10d::PrefixStore>("r1forge", store_);
      if (backend == "nccl") {
        backend_ = nccl_backend_factory()(prefixed_store_, placement.rank, placement.world_size,
                                          placement.local_rank, timeout_.count());
      } else {
        backend_ = make_gloo(placement);
      }
    } catch (const Error&) {
      throw;
    } catch (const std::exception& error) {
      R1F_THROW(IoError, "rank ", placement.rank, " of ", placement.world_size,
                ": the rendezvous at ", address, " (MASTER_ADDR:MASTER_PORT, from ",
                placement.source, ") failed within distributed.timeout_seconds (",
                config.timeout_seconds, " s): ", first_line(error.what()),
                ". Every rank must start with the same MASTER_ADDR, MASTER_PORT and WORLD_SIZE, "
                "and rank 0 must be running");
    }
    beat();
    heartbeat_thread_ = std::thread([this] { heartbeat_loop(); });
  }

  // Gloo over the network interface that reaches MASTER_ADDR: loopback for one node, the
  // cluster network for several (GLOO_SOCKET_IFNAME overrides, as in PyTorch).
  c10::intrusive_ptr<c10d::Backend> make_gloo(const ProcessPlacement& placement) {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout_);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    options->devices.push_back(
        interface && *interface ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
        : placement.master_addr == "127.0.0.1" || placement.master_addr == "localhost"
            ? c10d::ProcessGroupGloo::createDeviceForHostname(placement.master_addr)
            : c10d::ProcessGroupGloo::createDefaultDevice());
    return c10::make_intrusive<c10d::ProcessGroupGloo>(prefixed_store_, placement.rank,
                                                       placement.world_size, options);
  }

  ~C10dGroup() override {
    {
      std::lock_guard lock(heartbeat_mutex_);
      stopping_ = true;
    }
    heartbeat_wake_.notify_all();
    if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  }

  std::string backend() const override { return backend_name_; }

  void all_reduce_sum(std::vector<at::Tensor>& tensors, std::string_view what) override {
    run(what, [&] {
      std::vector<std::vector<at::Tensor>> staged(tensors.size());
      std::vector<c10::intrusive_ptr<c10d::Work>> works;
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      options.timeout = timeout_;
      for (size_t i = 0; i < tensors.size(); ++i) {
        staged[i] = {transportable(tensors[i])};
        works.push_back(backend_->allreduce(staged[i], options));
      }
      for (size_t i = 0; i < tensors.size(); ++i) {
        works[i]->wait(timeout_);
        if (!staged[i][0].is_same(tensors[i])) tensors[i].copy_(staged[i][0]);
      }
    });
  }

  std::unique_ptr<PendingCollective> start_all_reduce_sum(at::Tensor tensor,
                                                          std::string what) override {
    auto pending = std::make_unique<PendingAllReduce>();
    pending->group = this;
    pending->target = tensor;
    pending->what = std::move(what);
    run(pending->what, [&] {
      c10d::AllreduceOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      options.timeout = timeout_;
      pending->staged = {transportable(tensor)};
      pending->work = backend_->allreduce(pending->staged, options);
    });
    return pending;
  }

  void broadcast(std::vector<at::Tensor>& tensors, int64_t root, std::string_view what) override {
    run(what, [&] {
      c10d::BroadcastOptions options;
      options.rootRank = root;
      options.timeout = timeout_;
      for (at::Tensor& tensor : tensors) {
        std::vector<at::Tensor> staged = {transportable(tensor)};
        backend_->broadcast(staged, options)->wait(timeout_);
        if (!staged[0].is_same(tensor)) tensor.copy_(staged[0]);
      }
    });
  }

  std::vector<std::string> all_gather_bytes(const std::string& mine,
                                            std::string_view what) override {
    std::vector<std::string> result;
    run(what, [&] {
      c10d::AllgatherOptions options;
      options.timeout = timeout_;
      // Lengths first, then every rank's bytes padded to the longest.
      const auto on_transport = at::TensorOptions().device(transport_device_);
      std::vector<at::Tensor> length = {
          at::full({1}, static_cast<int64_t>(mine.size()), on_transport.dtype(at::kLong))};
      std::vector<std::vector<at::Tensor>> lengths(1);
      for (int64_t r = 0; r < size(); ++r) {
        lengths[0].push_back(at::empty({1}, on_transport.dtype(at::kLong)));
      }
      backend_->allgather(lengths, length, options)->wait(timeout_);
      std::vector<int64_t> counts;
      for (const auto& each : lengths[0]) counts.push_back(each.item<int64_t>());
      const int64_t longest = std::max<int64_t>(1, *std::max_element(counts.begin(), counts.end()));
      at::Tensor bytes = at::zeros({longest}, at::kByte);
      std::memcpy(bytes.data_ptr(), mine.data(), mine.size());
      std::vector<at::Tensor> input = {transportable(bytes)};
      std::vector<std::vector<at::Tensor>> outputs(1);
      for (int64_t r = 0; r < size(); ++r) {
        outputs[0].push_back(at::empty({longest}, on_transport.dtype(at::kByte)));
      }
      backend_->allgather(outputs, input, options)->wait(timeout_);
      for (int64_t r = 0; r < size(); ++r) {
        const at::Tensor host = outputs[0][r].cpu();
        result.emplace_back(static_cast<const char*>(host.data_ptr()),
                            static_cast<size_t>(counts[r]));
      }
    });
    return result;
  }

  void reduce_scatter_sum(const at::Tensor& input,
                          at::Tensor& output,
                          std::string_view what) override {
    R1F_CHECK(input.numel() == output.numel() * size(), "reduce_scatter_sum: input of ",
              input.numel(), " elements for ", size(), " shards of ", output.numel());
    run(what, [&] {
      at::Tensor staged_input = transportable(input);
      at::Tensor staged_output = transportable(output);
      c10d::ReduceScatterOptions options;
      options.reduceOp = c10d::ReduceOp::SUM;
      options.timeout = timeout_;
      backend_->_reduce_scatter_base(staged_output, staged_input, options)->wait(timeout_);
      if (!staged_output.is_same(output)) output.copy_(staged_output);
    });
  }

  void all_gather(const at::Tensor& input, at::Tensor& output, std::string_view what) override {
    R1F_CHECK(output.numel() == input.numel() * size(), "all_gather: output of ", output.numel(),
              " elements for ", size(), " shards of ", input.numel());
    run(what, [&] {
      at::Tensor staged_input = transportable(input);
      at::Tensor staged_output = transportable(output);
      c10d::AllgatherOptions options;
      options.timeout = timeout_;
      backend_->_allgather_base(staged_output, staged_input, options)->wait(timeout_);
      if (!staged_output.is_same(output)) output.copy_(staged_output);
    });
  }

  void barrier(std::string_view what) override {
    run(what, [&] {
      c10d::BarrierOptions options;
      options.timeout = timeout_;
      if (transport_device_.is_cuda()) options.device_ids = {transport_device_.index()};
      backend_->barrier(options)->wait(timeout_);
    });
  }

 private:
  // One started all-reduce; waited for under the same name, without counting a new collective.
  struct PendingAllReduce final : PendingCollective {
    C10dGroup* group = nullptr;
    at::Tensor target;
    std::vector<at::Tensor> staged;
    c10::intrusive_ptr<c10d::Work> work;
    std::string what;
    void wait() override {
      group->run(
          what,
          [&] {
            work->wait(group->timeout_);
            if (!staged[0].is_same(target)) target.copy_(staged[0]);
          },
          /*new_collective=*/false);
    }
  };

  c10::intrusive_ptr<c10d::TCPStore> make_store(bool server, bool count_in) {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(placement_.master_port);
    options.isServer = server;
    options.numWorkers = static_cast<size_t>(placement_.world_size);
    options.waitWorkers = count_in;
    options.timeout = timeout_;
    return c10::make_intrusive<c10d::TCPStore>(placement_.master_addr, options);
  }

  // A contiguous tensor on the transport's device holding `tensor` (itself when it is one).
  at::Tensor transportable(const at::Tensor& tensor) const {
    if (tensor.device() == transport_device_ && tensor.is_contiguous()) return tensor;
    return tensor.to(transport_device_).contiguous();
  }

  static std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

  // Runs one collective, numbered and named for the heartbeat (waiting for a started one keeps
  // its number); turns a failure into an IoError that says which rank failed.
  template <class Work>
  void run(std::string_view what, const Work& work, bool new_collective = true) {
    if (new_collective) {
      std::lock_guard lock(heartbeat_mutex_);
      ++sequence_;
      collective_ = std::string(what);
    }
    try {
      work();
    } catch (const std::exception& error) {
      throw IoError(explain_failure(what, first_line(error.what())), __FILE__, __LINE__);
    }
  }

  void beat() {
    std::string value;
    {
      std::lock_guard lock(heartbeat_mutex_);
      value = std::to_string(now_ms()) + " " + std::to_string(::getpid()) + " " + host_ + " " +
              std::to_string(sequence_) + " " + (collective_.empty() ? "(none)" : collective_);
    }
    std::lock_guard store_lock(heartbeat_store_mutex_);
    heartbeat_store_->set(heartbeat_key(rank()), std::vector<uint8_t>(value.begin(), value.end()));
  }

  void heartbeat_loop() {
    std::unique_lock lock(heartbeat_mutex_);
    while (!stopping_) {
      heartbeat_wake_.wait_for(lock, kHeartbeatInterval, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      try {
        beat();
      } catch (const std::exception&) {
        // The store (rank 0) is gone; the next collective will fail and explain it.
      }
      lock.lock();
    }
  }

  // Why `what` failed, from the other ranks' heartbeats: a rank whose process is gone (same
  // host) or whose heartbeat is older than kStaleAfter; waits up to that long to be sure.
  std::string explain_failure(std::string_view what, const std::string& detail) {
    std::ostringstream message;
    message << "rank " << rank() << " of " << size() << ": collective '" << what
            << "' failed: " << detail << ". ";
    const auto deadline = std::chrono::steady_clock::now() + kStaleAfter + kHeartbeatInterval;
    std::string alive_report;
    int64_t dead_ranks = 0;
    while (true) {
      std::string dead;
      dead_ranks = 0;
      alive_report.clear();
      try {
        std::lock_guard store_lock(heartbeat_store_mutex_);
        heartbeat_store_->setTimeout(milliseconds(2000));
        for (int64_t other = 0; other < size(); ++other) {
          if (other == rank()) continue;
          std::optional<Heartbeat> beat;
          if (heartbeat_store_->check({heartbeat_key(other)})) {
            beat = parse_heartbeat(heartbeat_store_->get(heartbeat_key(other)));
          }
          if (!beat) {
            dead += "rank " + std::to_string(other) + " never reported; ";
            ++dead_ranks;
            continue;
          }
          const double silent = (now_ms() - beat->time_ms) / 1000.0;
          const bool gone = beat->host == host_ && ::kill(static_cast<pid_t>(beat->pid), 0) != 0 &&
                            errno == ESRCH;
          std::ostringstream line;
          line << "rank " << other << " (PID " << beat->pid << " on " << beat->host << ")";
          if (gone || silent * 1000.0 > kStaleAfter.count()) {
            line << (gone ? " has exited" : " stopped responding") << " (last heartbeat " << silent
                 << " s ago, in collective #" << beat->sequence << " '" << beat->collective
                 << "'); ";
            dead += line.str();
            ++dead_ranks;
          } else {
            line << " is alive, in collective #" << beat->sequence << " '" << beat->collective
                 << "'; ";
            alive_report += line.str();
          }
        }
      } catch (const std::exception&) {
        message << "Rank 0, which serves the rendezvous store at " << placement_.master_addr << ":"
                << placement_.master_port
                << ", is unreachable: it failed or was killed (its log says why). "
                   "The run stops; run the same command again to resume from the last "
                   "checkpoint";
        return message.str();
      }
      if (!dead.empty()) {
        message << dead
                << "it failed or was killed (its log says why). The run stops; run the same "
                   "command again to resume from the last checkpoint";
        wait_for_survivors(dead_ranks);
        return message.str();
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(milliseconds(250));
    }
    int64_t sequence = 0;
    {
      std::lock_guard lock(heartbeat_mutex_);
      sequence = sequence_;
    }
    message << "Every rank is alive; this rank is in collective #" << sequence << ": "
            << alive_report
            << "a rank slower than distributed.timeout_seconds, or ranks running different "
               "collectives (a bug in r1forge: please report it with the logs of every rank)";
    wait_for_survivors(0);
    return message.str();
  }

  // Each survivor counts itself once it has read the heartbeats; rank 0, which serves the
  // store, waits (a few seconds at most) until all of them have, so that its own exit does not
  // make the others blame it.
  void wait_for_survivors(int64_t dead_ranks) {
    try {
      std::lock_guard store_lock(heartbeat_store_mutex_);
      const std::string key = "r1forge/explained";
      int64_t explained = heartbeat_store_->add(key, 1);
      if (rank() != 0) return;
      const auto deadline = std::chrono::steady_clock::now() + kStaleAfter;
      while (explained < size() - dead_ranks && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(100));
        explained = heartbeat_store_->add(key, 0);
      }
    } catch (const std::exception&) {
      // The store is gone; nothing to wait for.
    }
  }

  milliseconds timeout_;
  std::string host_;
  std::string backend_name_;
  at::Device transport_device_ = at::kCPU;
  c10::intrusive_ptr<c10d::TCPStore> store_;
  c10::intrusive_ptr<c10d::TCPStore> heartbeat_store_;
  c10::intrusive_ptr<c10d::PrefixStore> prefixed_store_;  // the backend's view of store_
  c10::intrusive_ptr<c10d::Backend> backend_;
  // Heartbeat state: the collective in progress (under heartbeat_mutex_); the store client
  // used by the heartbeat thread and by explain_failure (under heartbeat_store_mutex_).
  std::mutex heartbeat_mutex_;
  std::condition_variable heartbeat_wake_;
  bool stopping_ = false;
  int64_t sequence_ = 0;
  std::string collective_;
  std::mutex heartbeat_store_mutex_;
  std::thread heartbeat_thread_;
};

NcclBackendFactory& nccl_factory_slot() {
  static NcclBackendFactory factory = nullptr;
  return factory;
}

}  // namespace

void set_nccl_backend_factory(NcclBackendFactory factory) {
  nccl_factory_slot() = factory;
}

NcclBackendFactory nccl_backend_factory() {
  return nccl_factory_slot();
}

std::unique_ptr<WorkerGroup> make_c10d_group(const DistributedConfig& config,
                                             const ProcessPlacement& placement,
                                             const at::Device& device) {
  return std::make_unique<C10dGroup>(config, placement, device);
}

}  // namespace r1forge
