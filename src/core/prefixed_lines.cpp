// Whole output lines behind a prefix; see prefixed_lines.h.
#include "prefixed_lines.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>

namespace r1forge::detail {

namespace {

// Writes the complete lines of `lines.pending` (and, when `at_end`, the partial last one with
// a newline added) behind the prefix, in one write.
void write_complete_lines(PrefixedLines& lines, bool at_end) {
  const std::string& prefix = *lines.prefix;
  const std::string& pending = lines.pending;
  std::string out;
  size_t start = 0;
  for (size_t newline; (newline = pending.find('\n', start)) != std::string::npos;) {
    out.append(prefix).append(pending, start, newline + 1 - start);
    start = newline + 1;
  }
  while (pending.size() - start >= lines.max_line_bytes || (at_end && start < pending.size())) {
    size_t piece = std::min(lines.max_line_bytes, pending.size() - start);
    out.append(prefix).append(pending, start, piece).push_back('\n');
    start += piece;
  }
  lines.pending.erase(0, start);
  if (!out.empty()) write_all(lines.out_fd, out);
}

}  // namespace

void write_all(int fd, const std::string& data) {
  const char* next = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t written = ::write(fd, next, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd wait_writable{fd, POLLOUT, 0};
        ::poll(&wait_writable, 1, 100);
        continue;
      }
      return;
    }
    next += written;
    left -= static_cast<size_t>(written);
  }
}

void read_lines(PrefixedLines& lines) {
  char buffer[1 << 16];
  ssize_t got = ::read(lines.fd, buffer, sizeof(buffer));
  if (got > 0) {
    lines.pending.append(buffer, static_cast<size_t>(got));
    write_complete_lines(lines, /*at_end=*/false);
  } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
    finish_lines(lines);
  }
}

void finish_lines(PrefixedLines& lines) {
  if (lines.fd < 0) return;
  write_complete_lines(lines, /*at_end=*/true);
  ::close(lines.fd);
  lines.fd = -1;
}

}  // namespace r1forge::detail
