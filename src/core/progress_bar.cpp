// Progress bars on a terminal, periodic lines elsewhere; see core/progress_bar.h.
#include "r1forge/core/progress_bar.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "r1forge/core/distributed.h"
#include "r1forge/core/log.h"

namespace r1forge {
namespace {

// Remaining time at the average rate so far; negative until 5% is done.
double eta_seconds(int64_t done, int64_t total, double elapsed) {
  if (done <= 0 || done * 20 < total) return -1.0;
  return elapsed * static_cast<double>(total - done) / static_cast<double>(done);
}

int percent(int64_t done, int64_t total) {
  return total > 0 ? static_cast<int>(100 * done / total) : 100;
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  char text[32];
  if (seconds < 10) {
    std::snprintf(text, sizeof text, "%.1fs", seconds);
  } else if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.0fs", seconds);
  } else if (seconds < 3600) {
    const int64_t whole = std::llround(seconds);
    std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(whole / 60),
                  static_cast<long long>(whole % 60));
  } else {
    const int64_t minutes = std::llround(seconds / 60);
    std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(minutes / 60),
                  static_cast<long long>(minutes % 60));
  }
  return text;
}

std::string format_progress_bar(const std::string& label,
                                int64_t done,
                                int64_t total,
                                const std::string& unit,
                                double elapsed_seconds,
                                int width,
                                const std::string& note) {
  char counts[96];
  std::snprintf(counts, sizeof counts, " %lld/%lld %s %3d%% %s", static_cast<long long>(done),
                static_cast<long long>(total), unit.c_str(), percent(done, total),
                format_duration(elapsed_seconds).c_str());
  std::string tail = counts;
  const double eta = eta_seconds(done, total, elapsed_seconds);
  if (done < total && eta >= 0) tail += " ETA " + format_duration(eta);
  if (!note.empty()) tail += " | " + note;
  constexpr int kMinimumCells = 10, kMaximumCells = 30;
  // Columns: label, " |", cells, "|", tail; the bar's cells are one column each (UTF-8
  // blocks take 3 bytes but one column), and one column stays free so the cursor never wraps.
  std::string shown = label;
  int cells = width - 1 - static_cast<int>(shown.size()) - 3 - static_cast<int>(tail.size());
  if (cells < kMinimumCells) {
    const int cut = kMinimumCells - cells;
    shown = static_cast<int>(shown.size()) > cut ? shown.substr(0, shown.size() - cut) : "";
    cells = kMinimumCells;
  }
  cells = std::min(cells, kMaximumCells);
  const int filled = total > 0 ? static_cast<int>(cells * std::min(done, total) / total) : cells;
  std::string bar = shown + " |";
  for (int i = 0; i < cells; ++i) bar += i < filled ? "\u2588" : "\u2591";  // █ and ░
  return bar + "|" + tail;
}

std::string format_progress_plain(const std::string& label,
                                  int64_t done,
                                  int64_t total,
                                  const std::string& unit,
                                  double elapsed_seconds,
                                  const std::string& note) {
  char text[160];
  std::snprintf(text, sizeof text, ": %lld/%lld %s (%d%%), %s", static_cast<long long>(done),
                static_cast<long long>(total), unit.c_str(), percent(done, total),
                format_duration(elapsed_seconds).c_str());
  std::string line = label + text;
  const double eta = eta_seconds(done, total, elapsed_seconds);
  if (done < total && eta >= 0) line += ", ETA " + format_duration(eta);
  if (!note.empty()) line += ", " + note;
  return line;
}

ProgressBar::ProgressBar(std::string label,
                         int64_t total,
                         std::string unit,
                         double plain_interval_seconds)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(std::max<int64_t>(total, 0)),
      plain_interval_(plain_interval_seconds),
      enabled_(world().is_main() && log::enabled(log::Level::INFO)),
      terminal_(log::console_is_terminal()) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::set(int64_t done) {
  done_ = std::clamp<int64_t>(done, 0, total_);
  if (!enabled_ || finished_) return;
  const double now = timer_.seconds();
  if (terminal_) {
    // Nothing for the first half second (a short phase would only flicker), then ten
    // redraws a second at most: a decode loop reports every few milliseconds.
    if (now < 0.5 || (last_draw_ >= 0 && now - last_draw_ < 0.1)) return;
    last_draw_ = now;
    log::set_status_line(
        format_progress_bar(label_, done_, total_, unit_, now, log::console_width(), note_));
    return;
  }
  if (now >= plain_interval_ * (plain_lines_ + 1) && done_ < total_) {
    ++plain_lines_;
    R1F_LOG_INFO(format_progress_plain(label_, done_, total_, unit_, now, note_));
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  if (terminal_) {
    if (last_draw_ >= 0) log::clear_status_line();
  } else if (plain_lines_ > 0) {
    R1F_LOG_INFO(format_progress_plain(label_, done_, total_, unit_, timer_.seconds(), note_));
  }
}

}  // namespace r1forge
