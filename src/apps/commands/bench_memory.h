// Peak-memory measurement for the benchmarks: the readings and forked runner of
// core/child_run.h under the names `bench distill` (bench_distill.cpp) and `bench logprobs`
// (bench.cpp) use.
// Not here: what is measured, the tables.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/core/child_run.h"

namespace r1forge::app {

inline int64_t bench_resident_bytes() {
  return resident_bytes();
}
inline int64_t bench_peak_resident_bytes() {
  return peak_resident_bytes();
}
inline nlohmann::json bench_run_in_child(const std::function<nlohmann::json()>& work,
                                         const std::string& what) {
  return run_in_child(work, "bench " + what);
}

}  // namespace r1forge::app
