// Thread-count control; see include/r1forge/core/threads.h.
#include "r1forge/core/threads.h"

#include <ATen/Parallel.h>
#include <sched.h>

#include <thread>

#include "r1forge/core/check.h"

namespace r1forge {

int64_t available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int count = CPU_COUNT(&set);
    if (count > 0) return count;
  }
  unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? hardware : 1;
}

int64_t set_thread_count(int64_t threads) {
  R1F_CHECK_CONFIG(threads >= 0, "thread count must be >= 0 (0 = all cores), got ", threads);
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

}  // namespace r1forge
