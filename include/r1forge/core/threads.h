// Thread-count control for LibTorch's intra-op and inter-op pools.
//
// LibTorch's default intra-op count is often 1 on this kind of machine, so every entry point
// sets it explicitly from `run.threads` or `--threads` (0 = the cores this process may use).
// Waiting threads: LibTorch's OpenMP runtime (the wheel's libgomp) spins before it sleeps,
// which turns two processes sharing the cores into a crawl; use_passive_openmp_wait below.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace r1forge {

// Number of cores this process may use: its CPU affinity (sched_getaffinity), lowered to a
// CPU quota of its cgroup when there is one (a container started with --cpus=2 on a 64-core
// host may use 2), at least 1.
int64_t available_cores();
// Cores a cgroup CPU quota allows, from cgroup v2's cpu.max text "QUOTA PERIOD" (microseconds;
// v1's cpu.cfs_quota_us and cpu.cfs_period_us give the same two numbers): QUOTA / PERIOD
// rounded up, so 1.5 CPUs run 2 threads. nullopt for "max" (no quota), a negative quota
// (v1's "none") or text that is not two numbers.
std::optional<int64_t> cores_from_cpu_max(std::string_view cpu_max);

// Sets intra-op threads to `threads` (0 = all cores) and, on first call only, the inter-op
// pool (LibTorch allows that once per process). Returns the intra-op count applied.
int64_t set_thread_count(int64_t threads);

// Makes LibTorch's OpenMP threads sleep while they wait for work instead of spinning. libgomp
// spins about 300,000 times (GOMP_SPINCOUNT) before it sleeps; with two processes on the same
// cores each waiting thread burns the time slice the other's working thread needs (two smoke
// pretraining stages side by side on 2 cores: minutes instead of seconds, docs/performance.md).
// libgomp reads OMP_WAIT_POLICY once, when it is loaded, before main() runs, and glibc resets
// the environment after .preinit_array functions run, so setting it inside the process is too
// late. So: when neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT is set, this sets
// OMP_WAIT_POLICY=PASSIVE and re-executes the program (/proc/self/exe, same arguments) once;
// it returns when there is nothing to do (the user chose a policy, or this is the second
// pass) or when the exec fails. Call it first thing in main().
void use_passive_openmp_wait(char** argv);

}  // namespace r1forge
