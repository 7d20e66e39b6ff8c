// Summary statistics the benchmarks report: the median of timings, and the median of one field
// over the JSON results of repeated runs (bench_run_in_child's). Used by bench.cpp and
// bench_distill.cpp.
// Not here: running or timing anything (bench_memory.h, the benches themselves).
#pragma once

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

namespace r1forge::app {

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

// The median over `runs` of the number each holds under `key`.
inline double median_of(const std::vector<nlohmann::json>& runs, const char* key) {
  std::vector<double> values;
  for (const auto& run : runs) values.push_back(run[key].get<double>());
  return median(values);
}

}  // namespace r1forge::app
