// Training metrics: one JSON object per logged step appended to a stage's `metrics.jsonl`,
// plus a compact console line. Names follow TRL (`reward`, `rewards/<name>/mean`, `kl`,
// `clip_ratio/low_mean`, ...) so dashboards built for TRL read r1forge's files unchanged.
// Each line is written whole and flushed, so a killed run leaves only complete lines.
// Not here: TensorBoard event files (planned beside this sink), checkpoint bookkeeping.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace r1forge {

// One step's metrics, ordered by name; values are finite doubles or NaN (written as null).
using MetricValues = std::map<std::string, double>;

class MetricsWriter {
 public:
  // Appends to `path` (created with its folder if missing). IoError when it cannot be opened.
  explicit MetricsWriter(const std::filesystem::path& path);
  ~MetricsWriter();
  MetricsWriter(const MetricsWriter&) = delete;
  MetricsWriter& operator=(const MetricsWriter&) = delete;

  // Writes {"step": step, <name>: value, ...} as one line and flushes it.
  void write(int64_t step, const MetricValues& values);
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

// "step 12/300 | reward 0.531 | kl 0.0012 | ..." from the `keys` present in `values`
// (4 significant digits), for the console.
std::string format_metrics_line(const std::string& prefix,
                                const MetricValues& values,
                                const std::vector<std::string>& keys);

}  // namespace r1forge
