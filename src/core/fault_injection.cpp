// Environment-driven test hooks; see core/fault_injection.h.
#include "r1forge/core/fault_injection.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "r1forge/core/distributed.h"
#include "r1forge/core/interrupt.h"

namespace r1forge {

namespace {
std::string current_stage;
}  // namespace

void set_test_stage(std::string_view name) {
  current_stage = name;
}

void test_stall_point(std::string_view point, int64_t step) {
  static const char* const wanted = std::getenv("R1F_TEST_STALL_AT");
  if (wanted == nullptr) return;
  // R1F_TEST_STALL_RANK=N: only data-parallel rank N stalls (the others run into it).
  static const char* const only_rank = std::getenv("R1F_TEST_STALL_RANK");
  if (only_rank != nullptr && std::atoll(only_rank) != world().rank()) return;
  const std::string here = std::string(point) + ":" + std::to_string(step);
  const std::string qualified = current_stage + "/" + here;
  if (here != wanted && qualified != wanted) return;
  std::fprintf(stderr, "r1forge: test stall at %s\n", qualified.c_str());
  std::fflush(stderr);
  if (const char* marker = std::getenv("R1F_TEST_STALL_MARKER")) std::ofstream(marker) << qualified;
  if (const char* seconds = std::getenv("R1F_TEST_STALL_SECONDS")) {
    // A fixed stall that handled signals do not cut short (a test's second SIGINT lands here).
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(std::atof(seconds));
    while (std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return;
  }
  while (!interrupt_requested()) pause();  // SIGKILL ends it; a handled signal goes on
}

bool test_nonfinite_gradient(int64_t call) {
  static const char* const range = std::getenv("R1F_TEST_NONFINITE_GRADIENTS");
  if (range == nullptr) return false;
  long long first = 0, last = 0;
  if (std::sscanf(range, "%lld-%lld", &first, &last) != 2) return false;
  return call >= first && call <= last;
}

}  // namespace r1forge
