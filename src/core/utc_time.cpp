// UTC time stamps; see include/r1forge/core/utc_time.h.
#include "r1forge/core/utc_time.h"

#include <chrono>
#include <ctime>

namespace r1forge {
namespace {

std::string format_now(const char* format) {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  const size_t length = std::strftime(text, sizeof text, format, &tm);
  return std::string(text, length);
}

}  // namespace

std::string utc_time_iso() {
  return format_now("%Y-%m-%dT%H:%M:%SZ");
}

std::string utc_time_compact() {
  return format_now("%Y%m%dT%H%M%SZ");
}

}  // namespace r1forge
