// spdlog-backed logging; see include/r1forge/core/log.h. This file is compiled without the
// torch include path so that spdlog sees Debian's fmt, the one it was built against.
#include "r1forge/core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace r1forge::log {
namespace {

std::mutex logger_mutex;
std::shared_ptr<spdlog::logger> logger;
std::shared_ptr<spdlog::sinks::basic_file_sink_mt> file_sink;
// The status line (progress bar) shown below the messages on a terminal; guarded by
// status_mutex, which write() also holds so a message never lands inside a redraw.
std::mutex status_mutex;
std::string status_text;

void erase_status_locked() {
  if (status_text.empty()) return;
  std::fputs("\r\033[K", stderr);
}

void draw_status_locked() {
  if (status_text.empty()) return;
  std::fputs(status_text.c_str(), stderr);
  std::fflush(stderr);
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::TRACE: return spdlog::level::trace;
    case Level::DEBUG: return spdlog::level::debug;
    case Level::INFO: return spdlog::level::info;
    case Level::WARN: return spdlog::level::warn;
    case Level::ERROR: return spdlog::level::err;
    case Level::OFF: return spdlog::level::off;
  }
  return spdlog::level::info;
}

spdlog::logger& get_logger() {
  std::lock_guard<std::mutex> lock(logger_mutex);
  if (!logger) {
    auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    console->set_pattern("[%H:%M:%S.%e] %^%l%$ %v");
    logger = std::make_shared<spdlog::logger>("r1forge", console);
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::warn);
  }
  return *logger;
}

}  // namespace

Level parse_level(std::string_view name) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"trace", Level::TRACE}, {"debug", Level::DEBUG}, {"info", Level::INFO},
      {"warn", Level::WARN},   {"error", Level::ERROR}, {"off", Level::OFF}};
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  R1F_THROW(ConfigError, "unknown log level '", name,
            "' (expected trace, debug, info, warn, error or off)");
}

void setup_console(Level level) {
  get_logger().set_level(to_spdlog(level));
}

void add_file_sink(const std::filesystem::path& path) {
  auto& target = get_logger();
  std::lock_guard<std::mutex> lock(logger_mutex);
  auto& sinks = target.sinks();
  if (file_sink) {
    sinks.erase(std::remove(sinks.begin(), sinks.end(), file_sink), sinks.end());
  }
  try {
    file_sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path.string(), false);
  } catch (const spdlog::spdlog_ex& error) {
    R1F_THROW(IoError, "cannot open log file ", path, ": ", error.what());
  }
  file_sink->set_pattern("[%Y-%m-%d %H:%M:%S.%e] %l %v");
  sinks.push_back(file_sink);
  // Every line reaches the file at once: a SIGKILLed run's log ends where the run did.
  target.flush_on(spdlog::level::trace);
}

void remove_file_sink() {
  auto& target = get_logger();
  std::lock_guard<std::mutex> lock(logger_mutex);
  if (!file_sink) return;
  file_sink->flush();
  auto& sinks = target.sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), file_sink), sinks.end());
  file_sink.reset();
}

void write_file_only(Level level, std::string_view message) {
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink;
  {
    std::lock_guard<std::mutex> lock(logger_mutex);
    sink = file_sink;
  }
  if (!sink) return;
  spdlog::details::log_msg entry(get_logger().name(), to_spdlog(level),
                                 spdlog::string_view_t(message.data(), message.size()));
  sink->log(entry);
  sink->flush();
}

void set_level(Level level) {
  get_logger().set_level(to_spdlog(level));
}

bool enabled(Level level) {
  return get_logger().should_log(to_spdlog(level));
}

void write(Level level, std::string_view message) {
  std::lock_guard<std::mutex> lock(status_mutex);
  erase_status_locked();
  get_logger().log(to_spdlog(level), "{}", message);
  if (!status_text.empty()) {
    get_logger().flush();  // the message must reach stderr before the bar is drawn under it
    draw_status_locked();
  }
}

bool console_is_terminal() {
  static const bool terminal = [] {
    if (const char* forced = std::getenv("R1F_PROGRESS"); forced && *forced) {
      return std::strcmp(forced, "0") != 0;
    }
    const char* term = std::getenv("TERM");
    return isatty(STDERR_FILENO) == 1 && !(term && std::strcmp(term, "dumb") == 0);
  }();
  return terminal;
}

void set_status_line(std::string_view text) {
  if (!console_is_terminal()) return;
  std::lock_guard<std::mutex> lock(status_mutex);
  erase_status_locked();
  status_text.assign(text);
  draw_status_locked();
}

void clear_status_line() {
  std::lock_guard<std::mutex> lock(status_mutex);
  erase_status_locked();
  std::fflush(stderr);
  status_text.clear();
}

int console_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const int value = std::atoi(columns);
    if (value > 0) return value;
  }
  return 100;
}

void flush() {
  get_logger().flush();
}

}  // namespace r1forge::log
