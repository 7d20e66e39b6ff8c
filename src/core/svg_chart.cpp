// The SVG line-chart writer; see core/svg_chart.h.
#include "r1forge/core/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace r1forge {
namespace {

// Matplotlib's "tab10": distinct hues that stay apart for the common color blindnesses.
const char* const kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr double kCharWidth = 6.4;  // average advance of an 11 px sans-serif glyph
constexpr double kLegendRow = 15.0;
constexpr double kTitleRow = 20.0;
constexpr double kFigureTitleHeight = 30.0;
constexpr double kChartPadding = 0.04;  // of the y tick span above and below; half that on x

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

// [lowest, highest] finite value over `values`; {inf, -inf} when there is none.
void widen(double& low, double& high, const std::vector<double>& values) {
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
}

// Maps data coordinates to the pixels of one panel's plot area.
struct PlotArea {
  double left, right, top, bottom;  // px
  double x0, x1, y0, y1;            // data domain
  double px(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
  double py(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }
};

// The runs of consecutive indexes where every one of `columns` is finite.
std::vector<std::pair<size_t, size_t>> finite_runs(
    const std::vector<const std::vector<double>*>& columns, size_t count) {
  std::vector<std::pair<size_t, size_t>> runs;
  size_t start = 0;
  bool open = false;
  for (size_t i = 0; i <= count; ++i) {
    bool finite = i < count;
    for (const auto* column : columns) finite = finite && std::isfinite((*column)[i]);
    if (finite && !open) {
      start = i;
      open = true;
    } else if (!finite && open) {
      runs.emplace_back(start, i);
      open = false;
    }
  }
  return runs;
}

void draw_line(std::ostringstream& svg,
               const PlotArea& area,
               const std::vector<double>& x,
               const std::vector<double>& y,
               const std::string& color,
               double opacity,
               double width,
               bool dashed) {
  const size_t count = std::min(x.size(), y.size());
  for (const auto& [begin, end] : finite_runs({&x, &y}, count)) {
    if (end - begin == 1) {  // a lone value between gaps: a dot, or it would not show
      svg << "<circle cx=\"" << number(area.px(x[begin])) << "\" cy=\"" << number(area.py(y[begin]))
          << "\" r=\"2\" fill=\"" << color << "\" fill-opacity=\"" << opacity << "\"/>\n";
      continue;
    }
    svg << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"" << width
        << "\" stroke-opacity=\"" << opacity << "\" stroke-linejoin=\"round\""
        << (dashed ? " stroke-dasharray=\"5 3\"" : "") << " points=\"";
    for (size_t i = begin; i < end; ++i) {
      svg << (i == begin ? "" : " ") << number(area.px(x[i])) << "," << number(area.py(y[i]));
    }
    svg << "\"/>\n";
  }
}

void draw_band(std::ostringstream& svg,
               const PlotArea& area,
               const ChartBand& band,
               const std::string& color) {
  const size_t count = std::min({band.x.size(), band.low.size(), band.high.size()});
  for (const auto& [begin, end] : finite_runs({&band.x, &band.low, &band.high}, count)) {
    svg << "<polygon fill=\"" << color << "\" fill-opacity=\"0.15\" stroke=\"none\" points=\"";
    for (size_t i = begin; i < end; ++i) {
      svg << number(area.px(band.x[i])) << "," << number(area.py(band.high[i])) << " ";
    }
    for (size_t i = end; i-- > begin;) {
      svg << number(area.px(band.x[i])) << "," << number(area.py(band.low[i]))
          << (i == begin ? "" : " ");
    }
    svg << "\"/>\n";
  }
}

size_t finite_count(const std::vector<double>& values) {
  return static_cast<size_t>(
      std::count_if(values.begin(), values.end(), [](double v) { return std::isfinite(v); }));
}

struct LegendItem {
  std::string label;
  std::string color;
  bool band = false;
  bool dashed = false;
  bool marker = false;
};

// Legend items laid out left to right, wrapping at `width`; returns the rows used.
int draw_legend(std::ostringstream& svg,
                const std::vector<LegendItem>& items,
                double left,
                double top,
                double width) {
  if (items.empty()) return 0;
  int rows = 1;
  double x = left;
  for (const auto& item : items) {
    const double item_width = 22.0 + kCharWidth * static_cast<double>(item.label.size()) + 12.0;
    if (x > left && x + item_width > left + width) {
      x = left;
      ++rows;
    }
    const double y = top + (rows - 1) * kLegendRow + 10.0;
    if (item.band) {
      svg << "<rect x=\"" << number(x) << "\" y=\"" << number(y - 5) << "\" width=\"16\" "
          << "height=\"8\" fill=\"" << item.color << "\" fill-opacity=\"0.25\"/>\n";
    } else {
      svg << "<line x1=\"" << number(x) << "\" y1=\"" << number(y - 1) << "\" x2=\""
          << number(x + 16) << "\" y2=\"" << number(y - 1) << "\" stroke=\"" << item.color
          << "\" stroke-width=\"2\"" << (item.dashed ? " stroke-dasharray=\"4 2\"" : "") << "/>\n";
      if (item.marker) {
        svg << "<circle cx=\"" << number(x + 8) << "\" cy=\"" << number(y - 1)
            << "\" r=\"2.5\" fill=\"" << item.color << "\"/>\n";
      }
    }
    svg << "<text x=\"" << number(x + 22) << "\" y=\"" << number(y + 3)
        << "\" font-size=\"11\" fill=\"#333\">" << xml_escape(item.label) << "</text>\n";
    x += item_width;
  }
  return rows;
}

// The value every finite y of `series` has, when it has one and only one; NaN otherwise.
double constant_value(const ChartSeries& series) {
  double value = std::numeric_limits<double>::quiet_NaN();
  for (double v : series.y) {
    if (!std::isfinite(v)) continue;
    if (std::isnan(value)) {
      value = v;
    } else if (v != value) {
      return std::numeric_limits<double>::quiet_NaN();
    }
  }
  return value;
}

// A value printed beside a point: 3 significant digits.
std::string value_label(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

bool smoothed(const ChartSeries& series) {
  return series.smooth && finite_count(series.y) >= static_cast<size_t>(kChartSmoothingMinPoints);
}

void draw_panel(std::ostringstream& svg, const ChartPanel& panel, double width, double height) {
  // Colors first: the palette in series order; a band without one takes the first series'.
  std::vector<std::string> colors;
  for (size_t s = 0; s < panel.series.size(); ++s) {
    colors.push_back(panel.series[s].color.empty() ? kPalette[s % std::size(kPalette)]
                                                   : panel.series[s].color);
  }
  auto band_color = [&](const ChartBand& band) {
    return !band.color.empty() ? band.color : colors.empty() ? kPalette[0] : colors.front();
  };
  // Smoothing: the weight of the densest smoothed series, noted at the right of the title (the
  // report says what it means); bands are
  // smoothed with the panel's series, or their noise hides the lines.
  double smoothing = 0.0;
  for (const auto& series : panel.series) {
    if (smoothed(series))
      smoothing = std::max(smoothing, chart_smoothing_weight(finite_count(series.y)));
  }
  svg << "<rect x=\"0.5\" y=\"0.5\" width=\"" << number(width - 1) << "\" height=\""
      << number(height - 1) << "\" fill=\"#fff\" stroke=\"#ddd\"/>\n";
  svg << "<text x=\"10\" y=\"17\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">"
      << xml_escape(panel.title) << "</text>\n";
  if (smoothing > 0.0) {
    char note[64];
    std::snprintf(note, sizeof note, "EMA %.2f", smoothing);
    svg << "<text x=\"" << number(width - 10) << "\" y=\"17\" font-size=\"10\" fill=\"#888\" "
        << "text-anchor=\"end\">" << note << "</text>\n";
  }
  // Legend: bands, then series; a series that never changes says so, since series at the
  // same constant (clip ratios at 0) hide each other.
  std::vector<LegendItem> legend;
  bool any_constant = false;
  for (const auto& band : panel.bands) {
    if (!band.label.empty()) legend.push_back({band.label, band_color(band), true});
  }
  for (size_t s = 0; s < panel.series.size(); ++s) {
    const ChartSeries& series = panel.series[s];
    if (series.label.empty()) continue;
    std::string label = series.label;
    const double constant = constant_value(series);
    if (std::isfinite(constant) && finite_count(series.y) > 1) {
      label += " (constant " + value_label(constant) + ")";
      any_constant = true;
    }
    legend.push_back({label, colors[s], false, series.dashed, series.markers});
  }
  // One series alone needs no legend (the title names it) unless it has something to say.
  if (legend.size() == 1 && panel.bands.empty() && !any_constant) legend.clear();
  const int legend_rows = draw_legend(svg, legend, 10.0, kTitleRow + 2.0, width - 20.0);

  // Domain: every finite value of series and bands. y on nice ticks, x the steps; both padded
  // a little so a line at the edge (an accuracy at 1, a last evaluation) stays clear of the frame.
  double x_low = std::numeric_limits<double>::infinity(), x_high = -x_low;
  double y_low = x_low, y_high = -x_low;
  for (const auto& series : panel.series) {
    widen(y_low, y_high, series.y);
    for (size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i) {
      if (!std::isfinite(series.y[i]) || !std::isfinite(series.x[i])) continue;
      x_low = std::min(x_low, series.x[i]);
      x_high = std::max(x_high, series.x[i]);
    }
  }
  for (const auto& band : panel.bands) {
    widen(y_low, y_high, band.low);
    widen(y_low, y_high, band.high);
    widen(x_low, x_high, band.x);
  }
  const bool empty = !std::isfinite(y_low) || !std::isfinite(x_low);
  if (empty) x_low = 0, x_high = 1, y_low = 0, y_high = 1;
  if (panel.y_from_zero || panel.y_unit_interval) y_low = std::min(y_low, 0.0);
  if (panel.y_from_zero) y_high = std::max(y_high, 0.0);
  if (panel.y_unit_interval) y_high = std::max(y_high, 1.0);
  if (panel.y_from_zero && y_low == 0.0 && y_high == 0.0) y_high = 1.0;  // all zero: [0, 1]
  const ChartTicks y_ticks = nice_ticks(y_low, y_high, 5);
  const ChartTicks x_ticks = nice_ticks(x_low, x_high, 6);
  if (x_high <= x_low) x_low = x_ticks.values.front(), x_high = x_ticks.values.back();
  const std::vector<std::string> y_labels = tick_labels(y_ticks);

  size_t label_chars = 1;
  for (const auto& label : y_labels) label_chars = std::max(label_chars, label.size());
  PlotArea area;
  area.left = 14.0 + kCharWidth * static_cast<double>(label_chars);
  area.right = width - 14.0;
  area.top = kTitleRow + 2.0 + legend_rows * kLegendRow + 10.0;
  area.bottom = height - 34.0;
  const double y_pad = kChartPadding * (y_ticks.values.back() - y_ticks.values.front());
  const double x_pad = kChartPadding / 2 * (x_high - x_low);
  area.x0 = x_low - x_pad, area.x1 = x_high + x_pad;
  area.y0 = y_ticks.values.front() - y_pad, area.y1 = y_ticks.values.back() + y_pad;

  for (size_t t = 0; t < y_ticks.values.size(); ++t) {
    const std::string y = number(area.py(y_ticks.values[t]));
    svg << "<line x1=\"" << number(area.left) << "\" y1=\"" << y << "\" x2=\"" << number(area.right)
        << "\" y2=\"" << y << "\" stroke=\"#eee\"/>\n"
        << "<text x=\"" << number(area.left - 5) << "\" y=\""
        << number(area.py(y_ticks.values[t]) + 4)
        << "\" font-size=\"11\" fill=\"#555\" text-anchor=\"end\">" << y_labels[t] << "</text>\n";
  }
  const std::vector<std::string> x_labels = tick_labels(x_ticks);
  for (size_t t = 0; t < x_ticks.values.size(); ++t) {
    const double v = x_ticks.values[t];
    if (v < area.x0 || v > area.x1) continue;
    const std::string x = number(area.px(v));
    svg << "<line x1=\"" << x << "\" y1=\"" << number(area.top) << "\" x2=\"" << x << "\" y2=\""
        << number(area.bottom) << "\" stroke=\"#f3f3f3\"/>\n"
        << "<text x=\"" << x << "\" y=\"" << number(area.bottom + 15)
        << "\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">" << x_labels[t]
        << "</text>\n";
  }
  svg << "<rect x=\"" << number(area.left) << "\" y=\"" << number(area.top) << "\" width=\""
      << number(area.right - area.left) << "\" height=\"" << number(area.bottom - area.top)
      << "\" fill=\"none\" stroke=\"#999\"/>\n";
  svg << "<text x=\"" << number((area.left + area.right) / 2) << "\" y=\"" << number(height - 6)
      << "\" font-size=\"11\" fill=\"#555\" text-anchor=\"middle\">" << xml_escape(panel.x_label)
      << "</text>\n";
  if (empty) {
    svg << "<text x=\"" << number((area.left + area.right) / 2) << "\" y=\""
        << number((area.top + area.bottom) / 2) << "\" font-size=\"12\" fill=\"#999\" "
        << "text-anchor=\"middle\">no values logged</text>\n";
    return;
  }

  for (const auto& band : panel.bands) {
    if (smoothing > 0.0) {
      const ChartBand smooth_band{band.label, band.x, ema_smooth(band.low, smoothing),
                                  ema_smooth(band.high, smoothing), band.color};
      draw_band(svg, area, smooth_band, band_color(band));
    } else {
      draw_band(svg, area, band, band_color(band));
    }
  }
  for (size_t s = 0; s < panel.series.size(); ++s) {
    const ChartSeries& series = panel.series[s];
    if (smoothed(series)) {
      draw_line(svg, area, series.x, series.y, colors[s], 0.25, 1.0, series.dashed);
      draw_line(svg, area, series.x,
                ema_smooth(series.y, chart_smoothing_weight(finite_count(series.y))), colors[s],
                1.0, 1.8, series.dashed);
    } else {
      draw_line(svg, area, series.x, series.y, colors[s], 1.0, 1.6, series.dashed);
    }
    if (!series.markers) continue;
    // A dot per point, and the last one's value beside it (an evaluation's final figure).
    size_t last = series.x.size();
    for (size_t i = 0; i < std::min(series.x.size(), series.y.size()); ++i) {
      if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) continue;
      svg << "<circle cx=\"" << number(area.px(series.x[i])) << "\" cy=\""
          << number(area.py(series.y[i])) << "\" r=\"3\" fill=\"" << colors[s]
          << "\" stroke=\"#fff\" stroke-width=\"0.8\"/>\n";
      last = i;
    }
    if (last < series.x.size()) {
      svg << "<text x=\"" << number(area.px(series.x[last]) - 5) << "\" y=\""
          << number(area.py(series.y[last]) - 6) << "\" font-size=\"10\" fill=\"" << colors[s]
          << "\" text-anchor=\"end\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">"
          << value_label(series.y[last]) << "</text>\n";
    }
  }
}

}  // namespace

ChartTicks nice_ticks(double low, double high, int target_count) {
  if (!std::isfinite(low) || !std::isfinite(high)) low = 0.0, high = 1.0;
  if (low > high) std::swap(low, high);
  if (high - low <= 1e-12 * std::max(std::abs(low), std::abs(high))) {
    const double half = low == 0.0 ? 1.0 : 0.1 * std::abs(low);
    low -= half;
    high += half;
  }
  const double raw = (high - low) / std::max(1, target_count - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double nice = fraction < 1.5 ? 1.0 : fraction < 3.0 ? 2.0 : fraction < 7.0 ? 5.0 : 10.0;
  ChartTicks ticks;
  ticks.step = nice * magnitude;
  // The tolerance keeps 0.6 / 0.2 = 2.9999999999999996 from flooring to 2.
  const double first = std::floor(low / ticks.step + 1e-9);
  const double last = std::ceil(high / ticks.step - 1e-9);
  for (double k = first; k <= last + 0.5; k += 1.0) {
    const double value = k * ticks.step;
    ticks.values.push_back(std::abs(value) < 1e-9 * ticks.step ? 0.0 : value);
  }
  if (ticks.values.size() < 2) ticks.values.push_back(ticks.values.back() + ticks.step);
  return ticks;
}

std::vector<std::string> tick_labels(const ChartTicks& ticks) {
  double largest = 0.0;
  for (double v : ticks.values) largest = std::max(largest, std::abs(v));
  const double step = std::abs(ticks.step);
  std::vector<std::string> labels;
  char text[48];
  for (double value : ticks.values) {
    if (value == 0.0) {
      labels.push_back("0");
    } else if (step < 1e-4 || largest >= 1e6) {
      // One mantissa format for the axis: as many digits as the largest tick needs to show
      // the step ("1.5e-5" on a 5e-6 step, so its neighbours are "5.0e-6", "1.0e-5").
      const int digits = std::clamp(static_cast<int>(std::floor(std::log10(largest) + 1e-9)) -
                                        static_cast<int>(std::floor(std::log10(step) + 1e-9)),
                                    0, 6);
      std::snprintf(text, sizeof text, "%.*e", digits, value);
      // "2.0e-05" -> "2.0e-5": no "+" and no leading zeros in the exponent.
      std::string out = text;
      const size_t e = out.find('e');
      std::string exponent = out.substr(e + 2);
      while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
      labels.push_back(out.substr(0, e) + "e" + (out[e + 1] == '-' ? "-" : "") + exponent);
    } else {
      const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
      std::snprintf(text, sizeof text, "%.*f", decimals, value);
      labels.push_back(text);
    }
  }
  return labels;
}

std::vector<double> ema_smooth(const std::vector<double>& y, double weight) {
  std::vector<double> smoothed(y.size());
  double last = 0.0;
  int64_t count = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) {
      smoothed[i] = y[i];
      continue;
    }
    last = last * weight + (1.0 - weight) * y[i];
    ++count;
    const double debias = weight == 1.0 ? 1.0 : 1.0 - std::pow(weight, static_cast<double>(count));
    smoothed[i] = last / debias;
  }
  return smoothed;
}

double chart_smoothing_weight(size_t count) {
  if (count == 0) return 0.0;
  return std::clamp(1.0 - 20.0 / static_cast<double>(count), 0.0, 0.95);
}

std::string render_svg_figure(const ChartFigure& figure) {
  const int count = static_cast<int>(figure.panels.size());
  int columns = figure.columns;
  if (columns <= 0) {
    const int empty_with_3 = (3 - count % 3) % 3, empty_with_4 = (4 - count % 4) % 4;
    columns = count <= 4 ? std::max(count, 1) : empty_with_4 < empty_with_3 ? 4 : 3;
  }
  const int rows = (count + columns - 1) / columns;
  const double panel_width = std::min(figure.width / static_cast<double>(columns), 600.0);
  const double title_height = figure.title.empty() ? 0.0 : kFigureTitleHeight;
  const double width = columns * panel_width;
  const double height = title_height + rows * figure.panel_height;
  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << " " << height << "\" "
      << "font-family=\"Helvetica, Arial, sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
  if (!figure.title.empty()) {
    svg << "<text x=\"10\" y=\"21\" font-size=\"16\" font-weight=\"bold\" fill=\"#111\">"
        << xml_escape(figure.title) << "</text>\n";
  }
  for (int p = 0; p < count; ++p) {
    const double x = (p % columns) * panel_width;
    const double y = title_height + (p / columns) * figure.panel_height;
    svg << "<g transform=\"translate(" << x << "," << y << ")\">\n";
    draw_panel(svg, figure.panels[p], panel_width, figure.panel_height);
    svg << "</g>\n";
  }
  svg << "</svg>\n";
  return svg.str();
}

std::string chart_palette_color(size_t index) {
  return kPalette[index % std::size(kPalette)];
}

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace r1forge
