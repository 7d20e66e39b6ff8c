// A stage's chart panels by stage type; see pipeline/stage_plots.h.
#include "r1forge/pipeline/stage_plots.h"

#include <cmath>
#include <limits>
#include <map>

namespace r1forge {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Builds one panel: train series take the palette in order; a held-out series takes the color
// of the train series it sits beside (add_held_out right after it).
class PanelBuilder {
 public:
  PanelBuilder(const MetricsHistory& history, std::string title) : history_(history) {
    panel_.title = std::move(title);
  }
  PanelBuilder& add(const std::string& key, const std::string& label, bool smooth = true) {
    if (!history_.has(key)) return *this;
    last_color_ = chart_palette_color(colors_++);
    panel_.series.push_back({key, label, last_color_, /*held_out=*/false, smooth});
    return *this;
  }
  // The held-out twin of the series just added (its color), or its own color when that
  // series was not logged.
  PanelBuilder& add_held_out(const std::string& key, const std::string& label) {
    if (!history_.has(key)) return *this;
    const bool twin = !panel_.series.empty() && "eval/" + panel_.series.back().key == key;
    const std::string color = twin ? last_color_ : chart_palette_color(colors_++);
    panel_.series.push_back({key, label, color, /*held_out=*/true, /*smooth=*/false});
    return *this;
  }
  PanelBuilder& band_std(const std::string& center,
                         const std::string& spread,
                         const std::string& label) {
    if (history_.has(center) && history_.has(spread)) {
      panel_.bands.push_back({label, center, spread, "", "", chart_palette_color(0)});
    }
    return *this;
  }
  PanelBuilder& band_range(const std::string& low,
                           const std::string& high,
                           const std::string& label) {
    if (history_.has(low) && history_.has(high)) {
      panel_.bands.push_back({label, "", "", low, high, chart_palette_color(0)});
    }
    return *this;
  }
  PanelBuilder& from_zero() {
    panel_.y_from_zero = true;
    return *this;
  }
  PanelBuilder& unit_interval() {
    panel_.y_unit_interval = true;
    return *this;
  }
  // Appends the panel to `panels` when any of its series was logged.
  void into(std::vector<PlotPanelSpec>& panels) {
    if (!panel_.series.empty()) panels.push_back(panel_);
  }

 private:
  const MetricsHistory& history_;
  PlotPanelSpec panel_;
  size_t colors_ = 0;
  std::string last_color_;
};

// "rewards/<group>/<name>/mean" (group may be empty, or hold slashes) -> group -> names, in
// the file's key order (alphabetical).
std::map<std::string, std::vector<std::string>> reward_groups(const MetricsHistory& history) {
  std::map<std::string, std::vector<std::string>> groups;
  const std::string prefix = "rewards/", suffix = "/mean";
  for (const auto& [key, metric] : history.metrics) {
    if (key.rfind(prefix, 0) != 0 || key.size() <= prefix.size() + suffix.size() ||
        key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string middle =
        key.substr(prefix.size(), key.size() - prefix.size() - suffix.size());
    const size_t slash = middle.rfind('/');
    const std::string group = slash == std::string::npos ? "" : middle.substr(0, slash);
    groups[group].push_back(slash == std::string::npos ? middle : middle.substr(slash + 1));
  }
  return groups;
}

// Every finite value of the panel's series in [0, 1]: a share or a 0/1 reward.
bool all_in_unit_interval(const PlotPanelSpec& panel, const MetricsHistory& history) {
  for (const auto& series : panel.series) {
    for (double v : history.metrics.at(series.key).values) {
      if (std::isfinite(v) && (v < 0.0 || v > 1.0)) return false;
    }
  }
  return true;
}

void add_common_tail(std::vector<PlotPanelSpec>& panels, const MetricsHistory& history) {
  PanelBuilder(history, "grad norm").add("grad_norm", "grad norm").from_zero().into(panels);
  PanelBuilder(history, "learning rate")
      .add("learning_rate", "learning rate", /*smooth=*/false)
      .from_zero()
      .into(panels);
}

void grpo_panels(std::vector<PlotPanelSpec>& panels, const MetricsHistory& history) {
  PanelBuilder(history, "reward")
      .band_std("reward", "reward_std", "± std over samples")
      .add("reward", "train (weighted sum)")
      .add_held_out("eval/reward", "held-out")
      .into(panels);
  for (const auto& [group, names] : reward_groups(history)) {
    const std::string base = group.empty() ? "rewards/" : "rewards/" + group + "/";
    PanelBuilder builder(history, group.empty() ? "mean of each reward" : "rewards: " + group);
    for (const auto& name : names) {
      builder.add(base + name + "/mean", name)
          .add_held_out("eval/" + base + name + "/mean", name + " (held-out)");
    }
    std::vector<PlotPanelSpec> one;
    builder.into(one);
    for (auto& panel : one) {
      panel.y_unit_interval = all_in_unit_interval(panel, history);
      panels.push_back(panel);
    }
  }
  PanelBuilder(history, "KL to reference").add("kl", "kl").from_zero().into(panels);
  PanelBuilder(history, "entropy (nats/token)").add("entropy", "entropy").from_zero().into(panels);
  PanelBuilder(history, "clip ratio")
      .add("clip_ratio/region_mean", "region")
      .add("clip_ratio/low_mean", "low")
      .add("clip_ratio/high_mean", "high")
      .from_zero()
      .into(panels);
  PanelBuilder(history, "completion length (tokens)")
      .band_range("completions/min_length", "completions/max_length", "min..max")
      .add("completions/mean_length", "mean")
      .add_held_out("eval/completions/mean_length", "held-out mean")
      .from_zero()
      .into(panels);
  PanelBuilder(history, "truncated completions")
      .add("completions/clipped_ratio", "share at max length")
      .unit_interval()
      .into(panels);
  add_common_tail(panels, history);
}

void language_model_panels(std::vector<PlotPanelSpec>& panels, const MetricsHistory& history) {
  PanelBuilder(history, "loss (nats/token)")
      .add("loss", "train")
      .add_held_out("eval/loss", "held-out")
      .into(panels);
  PanelBuilder(history, "distillation loss").add("distill/loss", "distill/loss").into(panels);
  PanelBuilder(history, "teacher agreement")
      .add("distill/top1_agreement", "top-1 agreement")
      .add("distill/teacher_topk_mass", "teacher top-k mass")
      .unit_interval()
      .into(panels);
  add_common_tail(panels, history);
  PanelBuilder(history, "tokens / s").add("tokens_per_second", "tokens/s").from_zero().into(panels);
}

void reward_model_panels(std::vector<PlotPanelSpec>& panels, const MetricsHistory& history) {
  PanelBuilder(history, "loss (pairwise)")
      .add("loss", "train")
      .add_held_out("eval/loss", "held-out")
      .into(panels);
  PanelBuilder(history, "pair accuracy")
      .add("accuracy", "train")
      .add_held_out("eval/accuracy", "held-out")
      .unit_interval()
      .into(panels);
  PanelBuilder(history, "margin (chosen - rejected)")
      .add("margin", "train")
      .add_held_out("eval/margin", "held-out")
      .into(panels);
  PanelBuilder(history, "scores")
      .add("chosen_reward", "chosen")
      .add("rejected_reward", "rejected")
      .into(panels);
  add_common_tail(panels, history);
  PanelBuilder(history, "tokens / s").add("tokens_per_second", "tokens/s").from_zero().into(panels);
}

// values of `key` at `steps` (NaN where it has none).
std::vector<double> values_at(const MetricsHistory& history,
                              const std::string& key,
                              const std::vector<double>& steps) {
  std::map<double, double> by_step;
  const MetricHistory& metric = history.metrics.at(key);
  for (size_t i = 0; i < metric.steps.size(); ++i) by_step[metric.steps[i]] = metric.values[i];
  std::vector<double> out;
  for (double step : steps) {
    auto it = by_step.find(step);
    out.push_back(it == by_step.end() ? kNaN : it->second);
  }
  return out;
}

}  // namespace

std::vector<PlotPanelSpec> stage_plot_panels(const std::string& stage_type,
                                             const MetricsHistory& history) {
  std::vector<PlotPanelSpec> panels;
  if (stage_type == "grpo") {
    grpo_panels(panels, history);
  } else if (stage_type == "reward_model") {
    reward_model_panels(panels, history);
  } else {
    language_model_panels(panels, history);  // sft, pretrain, distill, and any other trainer
  }
  return panels;
}

ChartFigure stage_chart_figure(const std::string& title,
                               const std::vector<PlotPanelSpec>& panels,
                               const MetricsHistory& history) {
  ChartFigure figure;
  figure.title = title;
  for (const auto& spec : panels) {
    ChartPanel panel;
    panel.title = spec.title;
    panel.y_from_zero = spec.y_from_zero;
    panel.y_unit_interval = spec.y_unit_interval;
    for (const auto& band : spec.bands) {
      ChartBand chart_band{band.label, {}, {}, {}, band.color};
      if (!band.center.empty()) {
        const MetricHistory& center = history.metrics.at(band.center);
        const std::vector<double> spread = values_at(history, band.spread, center.steps);
        chart_band.x = center.steps;
        for (size_t i = 0; i < center.steps.size(); ++i) {
          chart_band.low.push_back(center.values[i] - spread[i]);
          chart_band.high.push_back(center.values[i] + spread[i]);
        }
      } else {
        const MetricHistory& low = history.metrics.at(band.low);
        chart_band.x = low.steps;
        chart_band.low = low.values;
        chart_band.high = values_at(history, band.high, low.steps);
      }
      panel.bands.push_back(std::move(chart_band));
    }
    for (const auto& series : spec.series) {
      const MetricHistory& metric = history.metrics.at(series.key);
      ChartSeries chart_series;
      chart_series.label = series.label;
      chart_series.x = metric.steps;
      chart_series.y = metric.values;
      chart_series.color = series.color;
      chart_series.dashed = series.held_out;
      chart_series.markers = series.held_out;
      chart_series.smooth = series.smooth && !series.held_out;
      panel.series.push_back(std::move(chart_series));
    }
    figure.panels.push_back(std::move(panel));
  }
  return figure;
}

nlohmann::ordered_json plot_panels_json(const std::vector<PlotPanelSpec>& panels) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& panel : panels) {
    nlohmann::ordered_json entry = {{"title", panel.title},
                                    {"y_from_zero", panel.y_from_zero},
                                    {"y_unit_interval", panel.y_unit_interval},
                                    {"series", nlohmann::ordered_json::array()},
                                    {"bands", nlohmann::ordered_json::array()}};
    for (const auto& series : panel.series) {
      entry["series"].push_back({{"key", series.key},
                                 {"label", series.label},
                                 {"color", series.color},
                                 {"held_out", series.held_out},
                                 {"smooth", series.smooth}});
    }
    for (const auto& band : panel.bands) {
      nlohmann::ordered_json b = {{"label", band.label}, {"color", band.color}};
      if (!band.center.empty()) {
        b["center"] = band.center;
        b["spread"] = band.spread;
      } else {
        b["low"] = band.low;
        b["high"] = band.high;
      }
      entry["bands"].push_back(b);
    }
    out.push_back(entry);
  }
  return out;
}

}  // namespace r1forge
