// The run report's files; see pipeline/run_report.h.
#include "r1forge/pipeline/run_report.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/core/log.h"
#include "r1forge/core/metrics_history.h"
#include "r1forge/core/svg_chart.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_plots.h"
#include "run_report_rows.h"

namespace r1forge {
namespace fs = std::filesystem;

const char* const kReportTableNote =
    "pass@1 is estimated from k samples per held-out problem, cons@k is the majority vote over "
    "those k samples, format is the share of samples in the required format (docs/eval.md).";

std::string report_cell(const nlohmann::json& eval, const char* key, bool percent) {
  if (!eval.is_object() || !eval.contains(key) || !eval[key].is_number()) return "-";
  char cell[32];
  const double value = eval[key].get<double>();
  std::snprintf(cell, sizeof cell, percent ? "%.1f%%" : "%.0f", percent ? 100.0 * value : value);
  return cell;
}

std::vector<std::string> report_reward_lines(const std::vector<RunReportRow>& rows, bool html) {
  auto code = [html](const std::string& text) {
    return html ? "<code>" + xml_escape(text) + "</code>" : "`" + text + "`";
  };
  std::vector<std::string> lines;
  for (const auto& row : rows) {
    // An evaluation scored by rewards beyond its correctness and format rewards (reward
    // models on general prompts): their means.
    const nlohmann::json& eval = row.eval;
    if (eval.is_object() && eval.contains("rewards") && eval["rewards"].is_object()) {
      std::string list;
      for (const auto& [label, value] : eval["rewards"].items()) {
        if (label == eval.value("correct_reward", "") || label == eval.value("format_reward", "")) {
          continue;
        }
        char number[32];
        std::snprintf(number, sizeof number, "%.3f", value.is_number() ? value.get<double>() : NAN);
        list += (list.empty() ? "" : ", ") + (html ? xml_escape(label) : label) + " " + number;
      }
      if (!list.empty()) lines.push_back(code(row.name) + " mean reward scores: " + list);
    }
    const nlohmann::json& summary = row.reward_model;
    if (summary.is_object() && summary.contains("held_out_accuracy") &&
        summary["held_out_accuracy"].is_number()) {
      char accuracy[32];
      std::snprintf(accuracy, sizeof accuracy, "%.1f%%",
                    100.0 * summary["held_out_accuracy"].get<double>());
      lines.push_back("reward model " + code(row.name) + ": held-out pair accuracy " + accuracy +
                      " over " + std::to_string(summary.value("held_out_pairs", 0)) +
                      " pairs (chosen scored above rejected)");
    }
  }
  return lines;
}

namespace {

// pipeline_state.json's finished stages by name; IoError / ConfigError / DataError naming it.
std::map<std::string, nlohmann::json> finished_stages(const fs::path& run_dir) {
  const fs::path path = run_dir / "pipeline_state.json";
  R1F_CHECK_IO(fs::exists(path), path.string(),
               ": not found; a run folder has one once a stage of `r1forge run` finished");
  const nlohmann::json state = read_json_file(path);
  R1F_CHECK_DATA(state.is_object() && state.contains("stages") && state["stages"].is_array(),
                 path.string(), ": no \"stages\" list; not a pipeline state file");
  std::map<std::string, nlohmann::json> stages;
  for (const auto& entry : state["stages"]) {
    R1F_CHECK_DATA(entry.is_object() && entry.contains("name") && entry["name"].is_string() &&
                       entry.contains("seconds") && entry["seconds"].is_number(),
                   path.string(), ": a stages entry without a name and seconds: ", entry.dump());
    stages[entry["name"].get<std::string>()] = entry;
  }
  return stages;
}

// The stage's chart from its metrics.jsonl, when it has one with any panel's metrics.
void add_stage_chart(RunReportRow& row, const fs::path& directory) {
  const fs::path metrics = directory / "metrics.jsonl";
  if (!fs::exists(metrics)) return;
  const MetricsHistory history = read_metrics_history(metrics);
  if (history.skipped_lines > 0) {
    R1F_LOG_WARN(metrics.string(), ": ", history.skipped_lines,
                 " line(s) without a JSON object with a numeric step left out of the chart (first: "
                 "line ",
                 history.first_skipped_line, ")");
  }
  const std::vector<PlotPanelSpec> panels = stage_plot_panels(row.type, history);
  if (panels.empty()) return;
  int64_t steps = 0;
  for (const auto& [name, metric] : history.metrics) {
    steps = std::max<int64_t>(steps, static_cast<int64_t>(metric.steps.size()));
  }
  row.steps = steps;
  row.plot = "plots/" + row.directory + ".svg";
  row.svg = render_svg_figure(stage_chart_figure(
      row.name + " (" + row.type + ", " + std::to_string(steps) + " steps)", panels, history));
  row.panels = plot_panels_json(panels);
}

std::string render_markdown(const std::string& run_dir, const std::vector<RunReportRow>& rows) {
  std::ostringstream markdown;
  markdown << "# r1forge run report\n\nRun folder: `" << run_dir << "`\n\n"
           << "| stage | type | seconds | pass@1 | cons@k | format | k | problems |\n"
           << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& row : rows) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", row.seconds);
    markdown << "| " << row.name << " | " << row.type << " | " << seconds << " | "
             << report_cell(row.eval, "pass_at_1", true) << " | "
             << report_cell(row.eval, "cons_at_k", true) << " | "
             << report_cell(row.eval, "format_rate", true) << " | "
             << report_cell(row.eval, "k", false) << " | "
             << report_cell(row.eval, "problems", false) << " |\n";
  }
  markdown << "\n" << kReportTableNote << "\n";
  const std::vector<std::string> lines = report_reward_lines(rows, /*html=*/false);
  if (!lines.empty()) markdown << "\n";
  for (const auto& line : lines) markdown << "- " << line << "\n";
  bool any_chart = false;
  for (const auto& row : rows) {
    if (row.plot.empty()) continue;
    if (!any_chart) {
      markdown << "\n## Training curves\n\nEach training stage's metrics.jsonl, drawn by r1forge "
                  "(with many steps the faint line is every step and the solid one its moving "
                  "average; dashed lines with dots are held-out evaluations). report.html shows "
                  "this report in a browser.\n";
      any_chart = true;
    }
    markdown << "\n### " << row.name << " (" << row.type << ")\n\n![" << row.name << "]("
             << row.plot << ")\n";
  }
  return markdown.str();
}

}  // namespace

void write_report(const Config& config) {
  const fs::path run_dir = config.run.dir;
  const std::map<std::string, nlohmann::json> finished = finished_stages(run_dir);
  // Everything is read and rendered first, then written: a bad file leaves the old report.
  std::vector<RunReportRow> rows;
  for (const auto& stage : config.stages) {
    auto entry = finished.find(stage.name);
    if (entry == finished.end()) continue;
    RunReportRow row;
    row.name = stage.name;
    row.type = stage.type;
    row.seconds = entry->second["seconds"].get<double>();
    const fs::path directory = stage_directory(config, stage);
    row.directory = directory.filename().string();
    if (fs::exists(directory / "eval.json")) row.eval = read_json_file(directory / "eval.json");
    if (fs::exists(directory / "reward_model.json")) {
      row.reward_model = read_json_file(directory / "reward_model.json");
    }
    add_stage_chart(row, directory);
    rows.push_back(std::move(row));
  }

  nlohmann::ordered_json report = {{"stages", nlohmann::json::array()}};
  nlohmann::ordered_json panels = {{"version", 1}, {"stages", nlohmann::json::array()}};
  for (const auto& row : rows) {
    nlohmann::ordered_json line = {
        {"name", row.name}, {"type", row.type}, {"seconds", row.seconds}};
    if (!row.eval.is_null()) line["eval"] = row.eval;
    if (!row.reward_model.is_null()) line["reward_model"] = row.reward_model;
    if (!row.plot.empty()) {
      line["plot"] = row.plot;
      panels["stages"].push_back({{"name", row.name},
                                  {"type", row.type},
                                  {"metrics", "stages/" + row.directory + "/metrics.jsonl"},
                                  {"svg", row.plot},
                                  {"panels", row.panels}});
    }
    report["stages"].push_back(line);
  }
  const std::string markdown = render_markdown(config.run.dir, rows);
  const std::string html = render_report_html(config.run.dir, rows);

  if (!panels["stages"].empty()) {
    fs::create_directories(run_dir / "plots");
    for (const auto& row : rows) {
      if (!row.plot.empty()) atomic_write_file(run_dir / row.plot, row.svg);
    }
    atomic_write_file(run_dir / "plots" / "panels.json", panels.dump(2) + "\n");
  }
  atomic_write_file(run_dir / "report.json", report.dump(2) + "\n");
  atomic_write_file(run_dir / "report.md", markdown);
  atomic_write_file(run_dir / "report.html", html);
}

void write_run_folder_report(const fs::path& run_dir) {
  R1F_CHECK_IO(fs::is_directory(run_dir), run_dir.string(), ": no such folder");
  const fs::path resolved = run_dir / "config.resolved.yaml";
  R1F_CHECK_IO(fs::exists(resolved), resolved.string(),
               ": not found; is this a run folder? (`r1forge run` writes it when it starts)");
  Config config = load_config(resolved);
  config.run.dir = run_dir.string();
  write_report(config);
}

}  // namespace r1forge
