// The current UTC time as text, for records and file names (pipeline_state.json's
// finished_at, lock holders, log file names). Not here: durations (timer.h).
#pragma once

#include <string>

namespace r1forge {

// "2025-01-02T03:04:05Z" (ISO 8601, seconds).
std::string utc_time_iso();
// "20250102T030405Z": the same instant without separators, for file names.
std::string utc_time_compact();

}  // namespace r1forge
