// Which training curves a stage's chart shows, by stage type, from the metrics its
// metrics.jsonl holds: GRPO stages reward (± std), each reward's mean (one panel per source),
// KL, entropy, clip ratios, completion length (mean, min..max), grad norm and learning rate;
// sft / pretrain / distill stages loss (and held-out loss), the distillation terms, grad norm,
// learning rate and tokens/s; reward_model stages loss, pair accuracy, margin, chosen and
// rejected scores. Held-out values (`eval/...`) are drawn dashed with dots beside the training
// ones. A panel none of whose metrics was logged is left out.
// The chosen panels also go to plots/panels.json, which scripts/plot_metrics.py reads to draw
// the same panels as PNG, so the choice is made here only.
// Not here: drawing (core/svg_chart.h), the report around the charts (run_report.h).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/core/metrics_history.h"
#include "r1forge/core/svg_chart.h"

namespace r1forge {

struct PlotSeriesSpec {
  std::string key;        // metric name in metrics.jsonl
  std::string label;      // legend text
  std::string color;      // CSS hex color
  bool held_out = false;  // an evaluation series: dashed, a dot per point, never smoothed
  bool smooth = true;     // false for schedules (the learning rate), drawn as logged
};

// A shaded area: center ± spread (both keys set) or low..high.
struct PlotBandSpec {
  std::string label;
  std::string center, spread;
  std::string low, high;
  std::string color;
};

struct PlotPanelSpec {
  std::string title;
  std::vector<PlotSeriesSpec> series;
  std::vector<PlotBandSpec> bands;
  bool y_from_zero = false;
  bool y_unit_interval = false;
};

// The panels for a stage of `stage_type` (pipeline/stage_config.h types) whose metrics are
// `history`; empty when it logged none of them.
std::vector<PlotPanelSpec> stage_plot_panels(const std::string& stage_type,
                                             const MetricsHistory& history);

// The figure of those panels drawn from `history`, titled `title`.
ChartFigure stage_chart_figure(const std::string& title,
                               const std::vector<PlotPanelSpec>& panels,
                               const MetricsHistory& history);

// The panels as JSON: [{"title", "y_from_zero", "y_unit_interval", "series": [{"key", "label",
// "color", "held_out", "smooth"}], "bands": [{"label", "color", "center", "spread", "low",
// "high"}]}] (band keys that are not used are absent).
nlohmann::ordered_json plot_panels_json(const std::vector<PlotPanelSpec>& panels);

}  // namespace r1forge
