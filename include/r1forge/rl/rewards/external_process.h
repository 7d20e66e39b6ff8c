// A long-lived child process spoken to over pipes, line by line, with a hard deadline: the
// transport under the `external` reward. Started with fork/exec of `/bin/sh -c COMMAND` in its
// own process group (so a kill reaches everything it spawned), stdin/stdout are pipes, stderr
// is inherited (the scorer's logs show up in ours). I/O is non-blocking with poll(), so a
// scorer that hangs, stops reading or dies can delay a batch by at most the deadline. SIGPIPE
// is blocked around writes on the calling thread (the process-wide disposition is untouched);
// a write to a dead scorer is an EPIPE error.
// Not here: the JSON protocol, restarts and counters (external.h).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace r1forge {

class ScorerProcess {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ScorerProcess(std::string command) : command_(std::move(command)) {}
  ~ScorerProcess();
  ScorerProcess(const ScorerProcess&) = delete;
  ScorerProcess& operator=(const ScorerProcess&) = delete;

  // IoError if the pipes or the fork fail; a command that does not exist starts (the shell
  // does) and then exits 127, which the first exchange sees as a closed stdout.
  void start();
  bool started() const { return pid_ > 0; }
  // True when the started child has exited (it is reaped then; status_text() says how).
  bool exited() { return pid_ > 0 && reap(false); }

  struct Exchange {
    std::vector<std::string> lines;  // complete reply lines, without the newline
    bool timed_out = false;          // the deadline passed first
    bool closed = false;             // the scorer closed stdout (exited or crashed)
    bool write_failed = false;       // it stopped reading its stdin (EPIPE)
  };
  // Writes `input`, then reads until `expected_lines` reply lines arrived, the deadline passed,
  // or stdout closed. Lines for which is_stale(line) holds (late answers to an earlier
  // exchange) and lines already waiting before the write are dropped and counted in
  // *stale_lines.
  Exchange exchange(const std::string& input,
                    size_t expected_lines,
                    Clock::time_point deadline,
                    const std::function<bool(const std::string&)>& is_stale,
                    size_t* stale_lines);

  // SIGKILL to the whole process group, then reap the child; safe to call when not started.
  void kill_now();
  // Closes stdin, gives the scorer `grace` to exit on its own, then kill_now().
  void stop(std::chrono::milliseconds grace);
  // "exited with status 1", "killed by signal 9", or "still running".
  std::string status_text();

 private:
  std::string command_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string partial_;  // bytes after the last newline read so far
  int wait_status_ = 0;
  bool reaped_ = false;

  void close_fds();
  bool reap(bool block_briefly);
  // Reads what is available; appends complete lines. Returns false on EOF or a read error.
  bool read_available(std::vector<std::string>* lines);
};

}  // namespace r1forge
