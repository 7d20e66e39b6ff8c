// Logging: one console sink (stderr) and optionally one file sink in the run folder.
//
// A thin wrapper so that spdlog and its fmt never appear in a file that includes torch
// (LibTorch ships a different fmt; see CMakeLists.txt). Messages are built with the same
// stream concatenation as the check macros: R1F_LOG_INFO("loaded ", n, " tensors").
// Not here: metrics (metrics.h, JSONL and TensorBoard).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "r1forge/core/check.h"

namespace r1forge::log {

enum class Level { TRACE, DEBUG, INFO, WARN, ERROR, OFF };

// Parses "trace|debug|info|warn|error|off"; ConfigError otherwise.
Level parse_level(std::string_view name);

// Console logging at `level`; idempotent. Safe to call before anything else.
void setup_console(Level level);
// Adds (or replaces) the file sink: every message also goes to `path` (appending).
void add_file_sink(const std::filesystem::path& path);
// Removes the file sink (flushed and closed); no-op without one.
void remove_file_sink();
// Writes `message` to the file sink only (e.g. the final error, which the binary prints to
// the console itself); no-op without one.
void write_file_only(Level level, std::string_view message);
void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view message);
void flush();

// Whether the console (stderr) is a terminal that can redraw a line: isatty(2) and TERM not
// "dumb"; R1F_PROGRESS=1 or 0 forces the answer (tests, `script` recordings).
bool console_is_terminal();
// A one-line status (a progress bar) kept at the bottom of a terminal console: drawn now and
// redrawn after every console message, which first erases it ("\r\033[K"), so messages and the
// bar never share a line. No-op when the console is not a terminal. `text` must fit the
// terminal's width (console_width()) and hold no newline.
void set_status_line(std::string_view text);
// Erases the status line; no-op when none is shown.
void clear_status_line();
// Columns of the terminal (TIOCGWINSZ; COLUMNS when that fails; 100 otherwise).
int console_width();

}  // namespace r1forge::log

#define R1F_LOG_AT(level, ...)                                              \
  do {                                                                      \
    if (::r1forge::log::enabled(level))                                     \
      ::r1forge::log::write(level, ::r1forge::detail::concat(__VA_ARGS__)); \
  } while (0)
#define R1F_LOG_DEBUG(...) R1F_LOG_AT(::r1forge::log::Level::DEBUG, __VA_ARGS__)
#define R1F_LOG_INFO(...) R1F_LOG_AT(::r1forge::log::Level::INFO, __VA_ARGS__)
#define R1F_LOG_WARN(...) R1F_LOG_AT(::r1forge::log::Level::WARN, __VA_ARGS__)
#define R1F_LOG_ERROR(...) R1F_LOG_AT(::r1forge::log::Level::ERROR, __VA_ARGS__)
