// Reading metrics.jsonl back into per-metric histories; see core/metrics_history.h.
#include "r1forge/core/metrics_history.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "r1forge/core/fs.h"

namespace r1forge {

MetricsHistory parse_metrics_history(const std::string& text) {
  // step -> that line's values, in file order with restarts applied.
  std::map<double, std::map<std::string, double>> lines;
  MetricsHistory history;
  std::istringstream stream(text);
  std::string line;
  int64_t number = 0;
  while (std::getline(stream, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object() || !object.contains("step") || !object["step"].is_number() ||
        !std::isfinite(object["step"].get<double>())) {
      ++history.skipped_lines;
      if (history.first_skipped_line == 0) history.first_skipped_line = number;
      continue;
    }
    const double step = object["step"].get<double>();
    // A session start: the earlier attempt's lines from this step on are superseded.
    lines.erase(lines.lower_bound(step), lines.end());
    std::map<std::string, double>& values = lines[step];
    for (const auto& [name, value] : object.items()) {
      if (name == "step") continue;
      values[name] =
          value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN();
    }
  }
  for (const auto& [step, values] : lines) {
    for (const auto& [name, value] : values) {
      MetricHistory& metric = history.metrics[name];
      metric.steps.push_back(step);
      metric.values.push_back(value);
    }
  }
  return history;
}

MetricsHistory read_metrics_history(const std::filesystem::path& path) {
  return parse_metrics_history(read_file(path));
}

}  // namespace r1forge
