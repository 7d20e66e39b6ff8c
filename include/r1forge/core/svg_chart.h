// A small SVG line-chart writer: a figure of panels, each with axes on "nice" ticks, a grid,
// one or more series (NaN = a gap in the line), an optional filled band (mean ± std, min..max),
// a legend, and, when a series has many points, an exponential moving average drawn over the
// raw line (TensorBoard's debiased EMA; the raw line stays, faint, and bands are smoothed the
// same way). A series that never changes says so in the legend (series at one constant hide
// each other); a marked series (evaluations) prints its last value. The output is one
// standalone <svg> element (no ids, no scripts, no external references), so several can be
// inlined in one HTML page or opened as files.
// Not here: what a training stage's panels are (pipeline/stage_plots.h), reading metrics files
// (core/metrics_history.h).
#pragma once

#include <string>
#include <vector>

namespace r1forge {

struct ChartSeries {
  std::string label;      // legend text
  std::vector<double> x;  // ascending
  std::vector<double> y;  // same length as x; NaN (or ±inf) = no value: the line breaks there
  std::string color;      // CSS color; empty = the palette's next one
  bool dashed = false;    // e.g. held-out values beside the training ones
  bool markers = false;   // a dot at every point (sparse series: evaluations)
  bool smooth = true;     // with >= kChartSmoothingMinPoints points: EMA over a faint raw line
};

// A filled area between `low` and `high` (same length as x; a NaN in either breaks the band).
struct ChartBand {
  std::string label;  // legend text; empty = none
  std::vector<double> x;
  std::vector<double> low;
  std::vector<double> high;
  std::string color;  // CSS color; empty = the color of the panel's first series
};

struct ChartPanel {
  std::string title;
  std::string x_label = "step";
  std::vector<ChartSeries> series;
  std::vector<ChartBand> bands;  // drawn under the series
  bool y_from_zero = false;      // the y axis includes 0 (ratios, lengths, rates)
  bool y_unit_interval = false;  // the y axis spans at least [0, 1] (accuracies, shares)
};

struct ChartFigure {
  std::string title;  // above the panels; empty = none
  std::vector<ChartPanel> panels;
  // Panels per row; 0 = up to 4 in one row, else 3 or 4, whichever leaves fewer empty slots.
  int columns = 0;
  int width = 1200;        // px of a full row (a row of 1 or 2 panels: 600 px each at most)
  int panel_height = 260;  // px, including title, legend and axis labels
};

// Series with at least this many finite points get the smoothed line.
constexpr int kChartSmoothingMinPoints = 40;

// Evenly spaced round tick values covering [low, high]: the step is 1, 2 or 5 times a power of
// ten, chosen so that about `target_count` ticks (>= 2) span the range; the first tick is the
// largest multiple of the step <= low, the last the smallest >= high. A zero-width range is
// widened around its value first (±1 at 0, else ±10% of |value|). Non-finite bounds: {0, 1}.
struct ChartTicks {
  double step = 1.0;
  std::vector<double> values;  // ascending; front() <= low, back() >= high
};
ChartTicks nice_ticks(double low, double high, int target_count = 5);

// The labels of an axis's ticks, in one format: as many decimals as the step needs ("0.25",
// "1200"), or, for steps under 1e-4 or values from 1e6, scientific with the mantissa digits
// the largest tick needs to show the step ("5.0e-6", "1.0e-5", "1.5e-5"); 0 is "0".
std::vector<std::string> tick_labels(const ChartTicks& ticks);

// TensorBoard's smoothing: last = last * weight + (1 - weight) * y over the finite values,
// divided by (1 - weight^n) after n of them (so the start is not pulled towards 0); a
// non-finite value passes through unchanged and does not update the average.
std::vector<double> ema_smooth(const std::vector<double>& y, double weight);
// The weight the charts use for `count` finite points: 1 - 20 / count, clamped to [0, 0.95].
double chart_smoothing_weight(size_t count);

// The figure as one <svg xmlns=...> element (UTF-8 text, no XML declaration).
std::string render_svg_figure(const ChartFigure& figure);

// The palette's color number `index` (cycling): matplotlib's "tab10", so PNGs drawn from the same
// panels (scripts/plot_metrics.py) match.
std::string chart_palette_color(size_t index);

// `text` with &, <, >, " and ' escaped for XML/HTML text and attribute values.
std::string xml_escape(const std::string& text);

}  // namespace r1forge
