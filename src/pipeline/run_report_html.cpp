// report.html: the run report as one self-contained page (inline CSS and SVG charts, no
// scripts, nothing fetched), readable at 1280 px; see pipeline/run_report.h.
// Not here: gathering the rows and the other report files (run_report.cpp).
#include <cstdio>
#include <sstream>

#include "r1forge/core/svg_chart.h"
#include "run_report_rows.h"

namespace r1forge {
namespace {

const char* const kStyle = R"(
body { margin: 0; background: #f5f6f8; color: #222;
       font: 15px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 20px 20px 48px; }
h1 { font-size: 26px; margin: 4px 0; }
h2 { font-size: 20px; margin: 32px 0 10px; border-bottom: 1px solid #dcdfe4; padding-bottom: 4px; }
p.folder { color: #555; margin: 0 0 16px; }
code { background: #eceef2; padding: 1px 5px; border-radius: 3px; font-size: 13px; }
table { border-collapse: collapse; background: #fff; border: 1px solid #dcdfe4; }
th, td { padding: 6px 14px; border-bottom: 1px solid #e8eaee; text-align: right;
         font-variant-numeric: tabular-nums; }
th { background: #eceef2; font-weight: 600; }
th:nth-child(-n+2), td:nth-child(-n+2) { text-align: left; }
tr:last-child td { border-bottom: none; }
p.note, p.legend { color: #555; font-size: 14px; max-width: 900px; }
ul.rewards { padding-left: 20px; }
nav.charts a { margin-right: 14px; white-space: nowrap; }
section.chart { background: #fff; border: 1px solid #dcdfe4; border-radius: 6px;
                padding: 6px; margin: 14px 0; }
section.chart svg { display: block; width: 100%; height: auto; }
)";

std::string anchor(const RunReportRow& row) {
  return "stage-" + xml_escape(row.directory);
}

}  // namespace

std::string render_report_html(const std::string& run_dir, const std::vector<RunReportRow>& rows) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       << "<title>r1forge run report: " << xml_escape(run_dir) << "</title>\n<style>" << kStyle
       << "</style>\n</head>\n<body>\n<main>\n<h1>r1forge run report</h1>\n"
       << "<p class=\"folder\">Run folder: <code>" << xml_escape(run_dir) << "</code></p>\n";

  html << "<h2>Stages and evaluations</h2>\n<table>\n<thead><tr><th>stage</th><th>type</th>"
       << "<th>seconds</th><th>pass@1</th><th>cons@k</th><th>format</th><th>k</th>"
       << "<th>problems</th></tr></thead>\n<tbody>\n";
  for (const auto& row : rows) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", row.seconds);
    const std::string name =
        row.plot.empty() ? xml_escape(row.name)
                         : "<a href=\"#" + anchor(row) + "\">" + xml_escape(row.name) + "</a>";
    html << "<tr><td>" << name << "</td><td>" << xml_escape(row.type) << "</td><td>" << seconds
         << "</td><td>" << report_cell(row.eval, "pass_at_1", true) << "</td><td>"
         << report_cell(row.eval, "cons_at_k", true) << "</td><td>"
         << report_cell(row.eval, "format_rate", true) << "</td><td>"
         << report_cell(row.eval, "k", false) << "</td><td>"
         << report_cell(row.eval, "problems", false) << "</td></tr>\n";
  }
  html << "</tbody>\n</table>\n<p class=\"note\">" << xml_escape(kReportTableNote) << "</p>\n";
  const std::vector<std::string> lines = report_reward_lines(rows, /*html=*/true);
  if (!lines.empty()) {
    html << "<ul class=\"rewards\">\n";
    for (const auto& line : lines) html << "<li>" << line << "</li>\n";
    html << "</ul>\n";
  }

  bool any_chart = false;
  for (const auto& row : rows) any_chart = any_chart || !row.plot.empty();
  if (any_chart) {
    html << "<h2>Training curves</h2>\n<p class=\"legend\">Each training stage's "
         << "<code>metrics.jsonl</code>. With many steps the faint line is every step and the "
         << "solid one its moving average (TensorBoard's smoothing); shaded areas are ± one "
         << "standard deviation or min..max; dashed lines with dots are held-out evaluations. "
         << "The same charts are in <code>plots/</code> as SVG files.</p>\n<nav class=\"charts\">";
    for (const auto& row : rows) {
      if (!row.plot.empty()) {
        html << "<a href=\"#" << anchor(row) << "\">" << xml_escape(row.name) << "</a> ";
      }
    }
    html << "</nav>\n";
    for (const auto& row : rows) {
      if (row.plot.empty()) continue;
      html << "<section class=\"chart\" id=\"" << anchor(row) << "\">\n"
           << row.svg << "</section>\n";
    }
  }
  html << "</main>\n</body>\n</html>\n";
  return html.str();
}

}  // namespace r1forge
