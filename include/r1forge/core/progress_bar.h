// A progress bar for the long phases of a step or stage (rollouts, evaluation, rejection
// sampling): on a terminal, one line kept under the log messages, drawn once the phase has
// run half a second (a shorter one would only flicker) and redrawn at most ten times a
// second; elsewhere (CI logs, files) a plain line every
// `plain_interval` seconds once the phase has run that long, so short phases print nothing and
// long ones show they are alive. Only the main rank draws. Not here: the per-step metric line
// (pipeline/step_log.h).
#pragma once

#include <cstdint>
#include <string>

#include "r1forge/core/timer.h"

namespace r1forge {

class ProgressBar {
 public:
  // `label` names the phase ("reasoning_rl rollout"), `unit` what is counted ("samples").
  ProgressBar(std::string label,
              int64_t total,
              std::string unit,
              double plain_interval_seconds = 30.0);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `done` of `total` finished (clamped to [0, total]).
  void set(int64_t done);
  void add(int64_t count) { set(done_ + count); }
  int64_t done() const { return done_; }
  // A short note shown after the counts ("113 accepted"), drawn at the next update.
  void set_note(std::string note) { note_ = std::move(note); }
  // Erases the bar (terminal) or prints the closing plain line when periodic ones were shown.
  // Idempotent; the destructor calls it.
  void finish();

 private:
  std::string label_, unit_, note_;
  int64_t total_ = 0, done_ = 0;
  double plain_interval_ = 30.0;
  bool enabled_ = false, terminal_ = false, finished_ = false;
  int plain_lines_ = 0;
  double last_draw_ = -1.0;
  Timer timer_;
};

// "label |██████░░░░| 612/1024 samples  59% 3.2s ETA 2.2s | note" fitted to `width` columns
// (the bar takes what the text leaves, at least 10 cells; the label is cut first when it does
// not fit). The ETA (the average rate so far) shows once 5% is done: generation finishes its
// samples in waves, so the first few say little about the rest.
std::string format_progress_bar(const std::string& label,
                                int64_t done,
                                int64_t total,
                                const std::string& unit,
                                double elapsed_seconds,
                                int width,
                                const std::string& note = "");
// "label: 612/1024 samples (59%), 3.2s, ETA 2.2s, note" for logs that are not terminals.
std::string format_progress_plain(const std::string& label,
                                  int64_t done,
                                  int64_t total,
                                  const std::string& unit,
                                  double elapsed_seconds,
                                  const std::string& note = "");
// "45s", "2m31s", "1h02m": durations for ETAs and the step line.
std::string format_duration(double seconds);

}  // namespace r1forge
