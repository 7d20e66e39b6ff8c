// Peak-memory readings of this process and a runner that does one measured computation in a
// forked child (a fresh heap: nothing freed-but-cached from an earlier measurement) and hands
// back its JSON. Used by `r1forge bench` (its memory columns) and `r1forge plan --measure`.
// Not here: what is measured; tensor-byte counting (core/counting_allocator.h).
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/core/check.h"

namespace r1forge {

// Current resident set in bytes (/proc/self/statm).
inline int64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  R1F_CHECK(statm, "cannot read /proc/self/statm");
  return resident_pages * sysconf(_SC_PAGESIZE);
}

// Peak resident set of this process so far, in bytes (getrusage; Linux reports KiB).
inline int64_t peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

// Runs `work` in a forked child and returns the JSON it produced. The parent must have run
// no torch computation (so no thread pool exists to be broken by fork); the child leaves with
// _exit so it never unwinds into the parent's CLI. `what` names the variant in errors.
inline nlohmann::json run_in_child(const std::function<nlohmann::json()>& work,
                                   const std::string& what) {
  int fds[2];
  R1F_CHECK(pipe(fds) == 0, "pipe failed");
  std::fflush(stdout);
  const pid_t pid = fork();
  R1F_CHECK(pid >= 0, "fork failed");
  if (pid == 0) {
    close(fds[0]);
    std::string message;
    int code = 0;
    try {
      message = work().dump();
    } catch (const std::exception& error) {
      message = nlohmann::json{{"error", error.what()}}.dump();
      code = 1;
    }
    const char* data = message.data();
    for (size_t left = message.size(); left > 0;) {
      const ssize_t written = write(fds[1], data, left);
      if (written <= 0) break;
      data += written, left -= static_cast<size_t>(written);
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t got; (got = read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, got);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  R1F_CHECK(!WIFSIGNALED(status), "the ", what, " child was killed by signal ", WTERMSIG(status),
            " (9: out of memory?)");
  nlohmann::json result = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  R1F_CHECK(result.is_object() && !result.contains("error"), what, " child failed: ", text);
  return result;
}

}  // namespace r1forge
