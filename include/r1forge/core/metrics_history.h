// Reading a stage's metrics.jsonl back (core/metrics.h writes it) for charts and reports: every
// metric as its own (step, value) history. A resumed stage writes steps again from its
// checkpoint on; as TensorBoard does at a session start, a step at or below one already read
// drops every line from that step on, so the latest attempt's values win. `null` reads as NaN
// (a gap); a metric absent from a line has no point there (a sparse series, like evaluations).
// Lines that are not a JSON object with a numeric "step" are skipped and counted, so a torn
// last line after a crash does not lose the chart.
// Not here: writing the file (metrics.h), charts (svg_chart.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace r1forge {

struct MetricHistory {
  std::vector<double> steps;
  std::vector<double> values;  // NaN where the line had null (or a non-number)
};

struct MetricsHistory {
  std::map<std::string, MetricHistory> metrics;  // by metric name, steps ascending
  int64_t skipped_lines = 0;                     // unparseable or without a numeric step
  int64_t first_skipped_line = 0;                // 1-based; 0 = none
  bool has(const std::string& name) const { return metrics.count(name) > 0; }
};

// Reads `path`; IoError naming it when it cannot be opened.
MetricsHistory read_metrics_history(const std::filesystem::path& path);
// The same from the file's text.
MetricsHistory parse_metrics_history(const std::string& text);

}  // namespace r1forge
