// The SVG chart writer (core/svg_chart.h) and the metrics.jsonl reader behind the charts
// (core/metrics_history.h): nice ticks and tick labels derived by hand, TensorBoard's EMA worked
// out step by step, data-to-pixel mapping of a polyline computed from the documented layout, NaN
// gaps splitting lines, and a resumed stage's repeated steps read as TensorBoard reads them.
// The SVG's XML well-formedness is checked by Python's parser in report_cli.sh.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "r1forge/core/metrics_history.h"
#include "r1forge/core/svg_chart.h"

namespace r1forge {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void expect_ticks(const ChartTicks& ticks, double step, const std::vector<double>& values) {
  EXPECT_NEAR(ticks.step, step, 1e-12 * step);
  ASSERT_EQ(ticks.values.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) EXPECT_NEAR(ticks.values[i], values[i], 1e-9 * step);
}

ChartSeries series_of(const std::string& label, std::vector<double> x, std::vector<double> y) {
  ChartSeries series;
  series.label = label;
  series.x = std::move(x);
  series.y = std::move(y);
  return series;
}

ChartPanel panel_of(const std::string& title, std::vector<ChartSeries> series = {}) {
  ChartPanel panel;
  panel.title = title;
  panel.series = std::move(series);
  return panel;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

TEST(SvgChart, NiceTicksAreOneTwoOrFiveTimesAPowerOfTen) {
  // [0.13, 0.97], 5 ticks: raw step 0.84 / 4 = 0.21 = 2.1 x 0.1 -> 2 x 0.1 = 0.2;
  // floor(0.13 / 0.2) = 0 -> 0, ceil(0.97 / 0.2) = 5 -> 1.0.
  expect_ticks(nice_ticks(0.13, 0.97, 5), 0.2, {0.0, 0.2, 0.4, 0.6, 0.8, 1.0});
  // Steps 1..810 (a pretrain stage): 809 / 4 = 202.25 = 2.02 x 100 -> 200; 0 .. ceil(4.05) x 200.
  expect_ticks(nice_ticks(1, 810, 5), 200.0, {0, 200, 400, 600, 800, 1000});
  // A GRPO loss around zero: 0.0183 / 4 = 0.004575 = 4.575 x 0.001 -> 5 x 0.001;
  // floor(-0.006 / 0.005) = -2, ceil(0.0123 / 0.005) = 3.
  expect_ticks(nice_ticks(-0.006, 0.0123, 5), 0.005, {-0.01, -0.005, 0.0, 0.005, 0.01, 0.015});
  // 7.2 x 10 rounds up to 10 x 10 = 100: 0..289 / 4 = 72.25.
  expect_ticks(nice_ticks(0, 289, 5), 100.0, {0, 100, 200, 300});
  // Constant series: 0 widens to [-1, 1] (1 / 2 = 0.5 -> 5 x 0.1), 4 to [3.6, 4.4]
  // (0.8 / 4 = 0.2 -> 2 x 0.1; 3.6 / 0.2 = 18 exactly, kept by the tolerance).
  expect_ticks(nice_ticks(0, 0, 5), 0.5, {-1.0, -0.5, 0.0, 0.5, 1.0});
  expect_ticks(nice_ticks(4, 4, 5), 0.2, {3.6, 3.8, 4.0, 4.2, 4.4});
  // Bounds swapped or not finite.
  expect_ticks(nice_ticks(0.97, 0.13, 5), 0.2, {0.0, 0.2, 0.4, 0.6, 0.8, 1.0});
  expect_ticks(nice_ticks(kNaN, 1.0, 5), 0.2, {0.0, 0.2, 0.4, 0.6, 0.8, 1.0});
}

TEST(SvgChart, TickLabelsShareOneFormatPerAxis) {
  using Labels = std::vector<std::string>;
  // 3 x 0.2 is 0.6000000000000001 in floating point; one decimal, as the step 0.2 needs.
  EXPECT_EQ(tick_labels(nice_ticks(0.13, 0.97, 5)),
            (Labels{"0", "0.2", "0.4", "0.6", "0.8", "1.0"}));
  EXPECT_EQ(tick_labels(nice_ticks(1, 810, 5)), (Labels{"0", "200", "400", "600", "800", "1000"}));
  EXPECT_EQ(tick_labels(nice_ticks(-0.006, 0.0123, 5)),
            (Labels{"-0.010", "-0.005", "0", "0.005", "0.010", "0.015"}));
  // A pretraining learning rate (step 5e-4, at least 1e-4): fixed, 4 decimals.
  EXPECT_EQ(tick_labels(nice_ticks(0, 2e-3, 5)),
            (Labels{"0", "0.0005", "0.0010", "0.0015", "0.0020"}));
  // A GRPO learning rate: 2e-5 / 4 = 5e-6 < 1e-4, scientific; the largest tick 2e-5 is one
  // decade above the step, so one mantissa digit for all.
  EXPECT_EQ(tick_labels(nice_ticks(0, 2e-5, 5)),
            (Labels{"0", "5.0e-6", "1.0e-5", "1.5e-5", "2.0e-5"}));
  // Large values: 2.5e6 / 4 = 625000 -> 5e5 step; largest tick 2.5e6 -> 1 digit.
  EXPECT_EQ(tick_labels(nice_ticks(0, 2.5e6, 5)),
            (Labels{"0", "5.0e5", "1.0e6", "1.5e6", "2.0e6", "2.5e6"}));
}

TEST(SvgChart, EmaIsTensorBoardsDebiasedAverage) {
  // weight 0.5 over {1, 3, NaN, 5}:
  //   1: last = 0.5 * 1 = 0.5, / (1 - 0.5) = 1
  //   3: last = 0.25 + 1.5 = 1.75, / (1 - 0.25) = 2.3333
  //   NaN passes through, the average unchanged
  //   5: last = 0.875 + 2.5 = 3.375, / (1 - 0.125) = 3.857142857
  const std::vector<double> smoothed = ema_smooth({1.0, 3.0, kNaN, 5.0}, 0.5);
  ASSERT_EQ(smoothed.size(), 4u);
  EXPECT_DOUBLE_EQ(smoothed[0], 1.0);
  EXPECT_NEAR(smoothed[1], 7.0 / 3.0, 1e-12);
  EXPECT_TRUE(std::isnan(smoothed[2]));
  EXPECT_NEAR(smoothed[3], 27.0 / 7.0, 1e-12);
  EXPECT_DOUBLE_EQ(chart_smoothing_weight(40), 0.5);    // 1 - 20/40
  EXPECT_DOUBLE_EQ(chart_smoothing_weight(200), 0.9);   // 1 - 20/200
  EXPECT_DOUBLE_EQ(chart_smoothing_weight(810), 0.95);  // 0.975 clamped
  EXPECT_DOUBLE_EQ(chart_smoothing_weight(10), 0.0);    // -1 clamped
}

TEST(SvgChart, PolylinePointsMapDataToThePlotArea) {
  ChartFigure figure;
  figure.columns = 1;
  figure.width = 400;
  ChartPanel panel;
  panel.title = "accuracy";
  panel.series.push_back(series_of("train", {0.0, 5.0, 10.0}, {0.0, 0.5, 1.0}));
  figure.panels.push_back(panel);
  const std::string svg = render_svg_figure(figure);
  // One panel of 400 x 260 px at (0, 0), no figure title. The layout (svg_chart.cpp): y ticks
  // of [0, 1] are 0, 0.2, ..., 1.0 (widest label "0.2", 3 characters), so left = 14 + 6.4 * 3
  // = 33.2; right = 400 - 14 = 386; one series has no legend, so top = 20 + 2 + 10 = 32;
  // bottom = 260 - 34 = 226. Padding: y spans [0 - 0.04, 1 + 0.04] (4% of the tick span),
  // x [0 - 0.2, 10 + 0.2] (2% of the data span). So
  //   px(x) = 33.2 + (x + 0.2) / 10.4 * 352.8:  0 -> 39.98,  5 -> 209.6,  10 -> 379.22
  //   py(y) = 226 - (y + 0.04) / 1.08 * 194:    0 -> 218.81, 0.5 -> 129,  1 -> 39.19
  EXPECT_NE(svg.find("points=\"40.0,218.8 209.6,129.0 379.2,39.2\""), std::string::npos) << svg;
  EXPECT_EQ(count_of(svg, "<polyline"), 1u);
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"260\"", 0),
            0u);
  for (const char* label :
       {">0<", ">0.2<", ">0.4<", ">0.6<", ">0.8<", ">1.0<", ">accuracy<", ">step<", ">10<"}) {
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
}

TEST(SvgChart, NaNSplitsALineAndALonePointIsADot) {
  ChartFigure figure;
  ChartPanel panel;
  panel.title = "loss";
  // {1, 2} | NaN | {4, 5} | inf | {7} : two polylines and one dot.
  panel.series.push_back(
      series_of("loss", {1, 2, 3, 4, 5, 6, 7},
                {1.0, 0.8, kNaN, 0.6, 0.5, std::numeric_limits<double>::infinity(), 0.4}));
  figure.panels.push_back(panel);
  const std::string svg = render_svg_figure(figure);
  EXPECT_EQ(count_of(svg, "<polyline"), 2u) << svg;
  EXPECT_EQ(count_of(svg, "<circle"), 1u) << svg;
  // Every point of a polyline is two finite numbers: no "nan" leaks into the file.
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(SvgChart, ManyPointsGetAFaintRawLineUnderTheAverage) {
  ChartSeries series = series_of("reward", {}, {});
  for (int step = 1; step <= 100; ++step) {
    series.x.push_back(step);
    series.y.push_back(step % 2 ? 1.0 : 0.0);
  }
  ChartFigure figure;
  figure.panels.push_back(panel_of("reward", {series}));
  const std::string svg = render_svg_figure(figure);
  EXPECT_EQ(count_of(svg, "<polyline"), 2u);
  EXPECT_NE(svg.find("stroke-opacity=\"0.25\""), std::string::npos);
  EXPECT_NE(svg.find(">EMA 0.80<"), std::string::npos);  // 1 - 20/100
  // With smoothing off (a learning-rate schedule) only the raw line, at full strength.
  figure.panels[0].series[0].smooth = false;
  EXPECT_EQ(count_of(render_svg_figure(figure), "<polyline"), 1u);
}

TEST(SvgChart, ConstantSeriesSayWhyTheyHideEachOtherAndEvaluationsPrintTheirLastValue) {
  ChartPanel panel = panel_of("clip ratio");
  panel.y_from_zero = true;
  panel.series.push_back(series_of("low", {1, 2, 3}, {0, 0, 0}));
  panel.series.push_back(series_of("high", {1, 2, 3}, {0, 0, 0}));
  ChartPanel loss = panel_of("loss");
  loss.series.push_back(series_of("train", {1, 2, 3, 4}, {2.0, 1.5, 1.2, 1.0}));
  ChartSeries held_out = series_of("held-out", {2, 4}, {1.6, 1.1234});
  held_out.dashed = held_out.markers = true;
  loss.series.push_back(held_out);
  ChartFigure figure;
  figure.panels = {panel, loss};
  const std::string svg = render_svg_figure(figure);
  EXPECT_NE(svg.find(">low (constant 0)<"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">high (constant 0)<"), std::string::npos);
  // All zero with y_from_zero: the axis is [0, 1], not [-1, 1].
  EXPECT_EQ(svg.find(">-1.0<"), std::string::npos);
  EXPECT_NE(svg.find(">1.0<"), std::string::npos);
  EXPECT_NE(svg.find(">1.12<"), std::string::npos);  // 3 significant digits
  EXPECT_EQ(count_of(svg, "<circle"), 1u + 2u);      // the legend's dot, two points
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
}

TEST(SvgChart, TextIsEscaped) {
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  ChartFigure figure;
  figure.title = "<stage>";
  figure.panels.push_back(
      panel_of("x & y", {series_of("a<b", {1, 2}, {1, 2}), series_of("c", {1, 2}, {2, 3})}));
  const std::string svg = render_svg_figure(figure);
  EXPECT_NE(svg.find("&lt;stage&gt;"), std::string::npos);
  EXPECT_NE(svg.find("x &amp; y"), std::string::npos);
  EXPECT_NE(svg.find("a&lt;b"), std::string::npos);  // in the legend: two series
  EXPECT_EQ(svg.find("<stage>"), std::string::npos);
}

TEST(MetricsHistory, ARepeatedStepDropsTheEarlierAttemptFromThereOn) {
  // A stage killed after step 4 and resumed from its checkpoint at step 2: steps 3 and 4 are
  // written again (and step 4 of the first attempt had an evaluation the second lacks).
  const std::string text =
      "{\"step\":1,\"loss\":1.0}\n"
      "{\"step\":2,\"loss\":0.9}\n"
      "{\"step\":3,\"loss\":0.8}\n"
      "{\"step\":4,\"loss\":0.7,\"eval/loss\":0.75}\n"
      "{\"step\":3,\"loss\":0.85}\n"
      "not json\n"
      "\n"
      "{\"loss\":0.1}\n"
      "{\"step\":4,\"loss\":null,\"eval/loss\":\"x\"}\n"
      "{\"step\":5,\"loss\":0.6}\n"
      "{\"step\":5.5,";  // a torn last line
  const MetricsHistory history = parse_metrics_history(text);
  const MetricHistory& loss = history.metrics.at("loss");
  EXPECT_EQ(loss.steps, (std::vector<double>{1, 2, 3, 4, 5}));
  ASSERT_EQ(loss.values.size(), 5u);
  EXPECT_DOUBLE_EQ(loss.values[2], 0.85);   // the second attempt's step 3
  EXPECT_TRUE(std::isnan(loss.values[3]));  // null: a gap
  EXPECT_DOUBLE_EQ(loss.values[4], 0.6);
  const MetricHistory& eval = history.metrics.at("eval/loss");
  EXPECT_EQ(eval.steps, (std::vector<double>{4}));  // the first attempt's 0.75 is gone
  EXPECT_TRUE(std::isnan(eval.values[0]));
  EXPECT_EQ(history.skipped_lines, 3);  // "not json", no step, the torn line
  EXPECT_EQ(history.first_skipped_line, 6);
  EXPECT_FALSE(history.has("step"));
}

}  // namespace
}  // namespace r1forge
