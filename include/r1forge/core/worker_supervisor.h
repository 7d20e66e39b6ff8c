// Runs a fixed set of worker processes and supervises them: the process side of
// `r1forge launch` (src/apps/commands/launch.cpp).
//
// Each worker is fork + execve'd with its own environment, in its own process group (so a
// terminal's Ctrl-C reaches only the supervisor, which forwards it once), with stdin from
// /dev/null and stdout/stderr through pipes; every complete line is copied to the
// supervisor's stdout/stderr behind the worker's prefix, whole lines only, so workers never
// interleave mid-line. When one worker fails (non-zero exit or a signal) or the supervisor gets
// SIGINT/SIGTERM/SIGHUP, the others are signalled, given a grace period, then SIGKILLed.
// Not here: what the environment holds (torchrun's variables: launch.cpp), the workers' side
// of the rendezvous (core/distributed.h), restarts (a failed run is rerun and resumes).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace r1forge {

struct WorkerCommand {
  std::string name;               // in the supervisor's messages: "rank 3"
  std::string output_prefix;      // put before each output line: "[rank 3] "; "" = none
  std::string program;            // a path; a name without '/' is looked up on PATH
  std::vector<std::string> argv;  // argv[0] included
  // Set on top of the supervisor's own environment (an existing name is replaced).
  std::vector<std::pair<std::string, std::string>> environment;
};

struct SupervisorOptions {
  double grace_seconds = 30;        // SIGTERM (or the forwarded signal) -> SIGKILL; workers save a
                                    // checkpoint in between
  int stdout_fd = 1;                // where the workers' stdout lines go
  int stderr_fd = 2;                // where their stderr lines and the supervisor's messages go
  size_t max_line_bytes = 1 << 20;  // a longer line is cut into pieces of this size, each
                                    // prefixed, so a worker without newlines cannot exhaust memory
};

// Starts every worker, copies their output, and returns once all have exited and their pipes
// are drained (output of a process a worker left behind in its group is cut off: the group is
// SIGKILLed when its leader exits). Returns the exit code for the whole set: 0 when every
// worker exited 0; else that of the first worker that failed (128+N for signal N, as shells
// report it); else, when a signal to the supervisor stopped workers that then exited 0,
// 128+that signal. Messages (one line each, "r1forge launch: ..." on stderr_fd) name the
// failing worker, its pid and its exit code or signal. Throws IoError when a program is not
// found or a pipe or process cannot be created (workers already started are killed first). Installs
// its own SIGINT, SIGTERM, SIGHUP, SIGCHLD and SIGPIPE handlers for the duration and restores the
// previous ones. Call it from the main thread: workers get PR_SET_PDEATHSIG(SIGKILL), which fires
// when the thread that forked them ends.
int run_workers(const std::vector<WorkerCommand>& workers, const SupervisorOptions& options);

// "exited with code 3" or "was killed by signal 9 (SIGKILL)" for a waitpid() status.
std::string describe_wait_status(int status);
// The shell's exit code for a waitpid() status: the exit code, or 128+N for signal N.
int exit_code_of_wait_status(int status);

// The file `name` names: itself when it holds a '/', else the first executable regular file
// of that name in $PATH's folders (an empty entry is the current folder); "" when none.
std::string find_on_path(const std::string& name);

// A TCP port that was free on 127.0.0.1 a moment ago: binds port 0, reads the port the kernel
// chose, closes the socket. Another process may take it before the workers bind it; good for
// tests and single-node runs, not a reservation.
int pick_free_loopback_port();

}  // namespace r1forge
