// Thread-count control for LibTorch's intra-op and inter-op pools.
//
// LibTorch's default intra-op count is often 1 on this kind of machine, so every entry point
// sets it explicitly from `run.threads` or `--threads` (0 = all cores).
#pragma once

#include <cstdint>

namespace r1forge {

// Number of cores this process may use (sched affinity, at least 1).
int64_t available_cores();

// Sets intra-op threads to `threads` (0 = all cores) and, on first call only, the inter-op
// pool (LibTorch allows that once per process). Returns the intra-op count applied.
int64_t set_thread_count(int64_t threads);

}  // namespace r1forge
