// Internal to the run report (pipeline/run_report.h): what the report knows of one finished
// stage, gathered once and rendered as JSON, markdown and HTML, and the HTML page itself
// (run_report_html.cpp).
// Not here: gathering the rows and writing the files (run_report.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1forge {

struct RunReportRow {
  std::string name;
  std::string type;
  double seconds = 0.0;
  nlohmann::json eval;            // eval.json, or null
  nlohmann::json reward_model;    // reward_model.json, or null
  std::string directory;          // "NN-<name>"
  std::string plot;               // "plots/NN-<name>.svg", or empty when the stage has none
  std::string svg;                // the chart itself
  nlohmann::ordered_json panels;  // its panels (stage_plots.h plot_panels_json)
  int64_t steps = 0;              // logged training steps behind the chart
};

// The table cell of eval[key]: "57.7%" (percent) or "8", "-" when absent.
std::string report_cell(const nlohmann::json& eval, const char* key, bool percent);

// The sentence under the table that says what pass@1, cons@k and format are.
extern const char* const kReportTableNote;

// One line per reward-model stage (held-out pair accuracy) and per evaluation with reward
// means beyond correctness and format, without the list marker; names in `code` (markdown)
// or <code> (html, the rest escaped).
std::vector<std::string> report_reward_lines(const std::vector<RunReportRow>& rows, bool html);

// The self-contained report.html page.
std::string render_report_html(const std::string& run_dir, const std::vector<RunReportRow>& rows);

}  // namespace r1forge
