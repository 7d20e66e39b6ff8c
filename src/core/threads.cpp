// Thread-count control; see include/r1forge/core/threads.h.
#include "r1forge/core/threads.h"

#include <ATen/Parallel.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "r1forge/core/check.h"

namespace r1forge {

namespace {

std::string read_small_file(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The quota of the cgroup this process sees as its root (what a container runtime sets):
// cgroup v2's cpu.max, else v1's cpu controller.
std::optional<int64_t> cgroup_quota_cores() {
  if (auto cores = cores_from_cpu_max(read_small_file("/sys/fs/cgroup/cpu.max"))) return cores;
  const std::string quota = read_small_file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
  const std::string period = read_small_file("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  return cores_from_cpu_max(quota + " " + period);
}

}  // namespace

std::optional<int64_t> cores_from_cpu_max(std::string_view cpu_max) {
  std::istringstream in{std::string(cpu_max)};
  int64_t quota = 0, period = 0;
  std::string rest;
  if (!(in >> quota >> period) || (in >> rest) || quota <= 0 || period <= 0) return std::nullopt;
  return std::max<int64_t>(1, (quota + period - 1) / period);
}

int64_t available_cores() {
  int64_t count = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) count = CPU_COUNT(&set);
  if (count <= 0) count = std::max<int64_t>(1, std::thread::hardware_concurrency());
  if (auto quota = cgroup_quota_cores()) count = std::min(count, *quota);
  return count;
}

int64_t set_thread_count(int64_t threads) {
  R1F_CHECK_CONFIG(threads >= 0, "thread count must be >= 0 (0 = the cores available), got ",
                   threads);
  int64_t count = threads == 0 ? available_cores() : threads;
  at::set_num_threads(static_cast<int>(count));
  static bool interop_set = false;
  if (!interop_set) {
    interop_set = true;
    // One inter-op thread per core is plenty: r1forge runs few independent ops at once.
    at::set_num_interop_threads(static_cast<int>(count));
  }
  return count;
}

void use_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (::setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0) != 0) return;
  ::execv("/proc/self/exe", argv);  // returns only on failure: carry on spinning
}

}  // namespace r1forge
