// The output side of core/worker_supervisor.h: a worker's pipe copied to the supervisor's
// stdout or stderr as whole lines behind a prefix ("[rank 3] "). Only whole lines are written,
// so with the supervisor as the one writer two workers never mix within a line. Not here:
// polling the pipes and the processes (worker_supervisor.cpp).
#pragma once

#include <cstddef>
#include <string>

namespace r1forge::detail {

// Writes all of `data`, waiting when `fd` is non-blocking and full. Errors (a closed stdout)
// drop the output: supervising the workers matters more than their log.
void write_all(int fd, const std::string& data);

// One output pipe of a worker and the bytes after its last newline.
struct PrefixedLines {
  int fd = -1;  // the pipe's read end; -1 once closed
  int out_fd = -1;
  const std::string* prefix = nullptr;  // outlives this
  size_t max_line_bytes = 1 << 20;      // longer lines are cut into prefixed pieces
  std::string pending;
};

// One read() from a readable or hung-up pipe; its complete lines are written. At end of file
// (or a read error) it does what finish_lines does.
void read_lines(PrefixedLines& lines);
// Writes the partial last line, newline added, and closes the pipe. No-op once closed.
void finish_lines(PrefixedLines& lines);

}  // namespace r1forge::detail
