// Worker processes under one supervisor; see include/r1forge/core/worker_supervisor.h.
#include "r1forge/core/worker_supervisor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "prefixed_lines.h"
#include "r1forge/core/check.h"

extern char** environ;

namespace r1forge {
namespace {

using Clock = std::chrono::steady_clock;

// The signals the supervisor handles while it runs. SIGPIPE is ignored instead: a closed
// stdout must not kill the supervisor while workers still run.
constexpr int kHandledSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGCHLD};
constexpr const char* kMessagePrefix = "r1forge launch: ";
// After every worker exited, how long to wait for their pipes to reach end of file: only a
// descendant that left the worker's process group can hold them open that long.
constexpr auto kDrainTimeout = std::chrono::seconds(2);

// Self-pipe: the handler writes the signal number, the supervision loop polls the read end.
int g_signal_pipe_write = -1;

void on_signal(int signal_number) {
  int saved_errno = errno;
  unsigned char byte = static_cast<unsigned char>(signal_number);
  ssize_t ignored = ::write(g_signal_pipe_write, &byte, 1);  // full pipe: a wakeup is pending
  (void)ignored;
  errno = saved_errno;
}

void report(const SupervisorOptions& options, const std::string& message) {
  detail::write_all(options.stderr_fd, kMessagePrefix + message + "\n");
}

// "SIGKILL", or "signal N" for a number glibc has no name for.
std::string signal_name(int signal_number) {
  const char* name = ::sigabbrev_np(signal_number);
  return name ? std::string("SIG") + name : "signal " + std::to_string(signal_number);
}

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

struct Worker {
  const WorkerCommand* command = nullptr;
  pid_t pid = -1;
  bool running = false;
  detail::PrefixedLines out, err;
};

// Installs the handlers and the self-pipe; restores everything on destruction, so an
// exception leaves the process as it found it.
class SignalGuard {
 public:
  SignalGuard() {
    int fds[2];
    R1F_CHECK_IO(::pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0,
                 "launch: cannot create a pipe: ", std::strerror(errno));
    read_fd_ = fds[0];
    g_signal_pipe_write = fds[1];
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (size_t i = 0; i < std::size(kHandledSignals); ++i) {
      ::sigaction(kHandledSignals[i], &action, &previous_[i]);
    }
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &previous_pipe_);
  }
  ~SignalGuard() {
    for (size_t i = 0; i < std::size(kHandledSignals); ++i) {
      ::sigaction(kHandledSignals[i], &previous_[i], nullptr);
    }
    ::sigaction(SIGPIPE, &previous_pipe_, nullptr);
    ::close(g_signal_pipe_write);
    g_signal_pipe_write = -1;
    ::close(read_fd_);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  int read_fd() const { return read_fd_; }

 private:
  int read_fd_ = -1;
  struct sigaction previous_[std::size(kHandledSignals)]{};
  struct sigaction previous_pipe_ {};
};

// Blocks the handled signals in this thread while a child is forked, so no handler runs in
// the child before it has reset them; restores the mask on destruction.
class BlockSignals {
 public:
  BlockSignals() {
    sigset_t block;
    sigemptyset(&block);
    for (int signal_number : kHandledSignals) sigaddset(&block, signal_number);
    ::pthread_sigmask(SIG_BLOCK, &block, &previous_);
  }
  ~BlockSignals() { ::pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
  BlockSignals(const BlockSignals&) = delete;
  BlockSignals& operator=(const BlockSignals&) = delete;

 private:
  sigset_t previous_;
};

// The environment a worker starts with: ours, with `overrides` replacing or adding names.
std::vector<std::string> worker_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> entries;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    std::string_view name = text.substr(0, text.find('='));
    bool replaced = std::any_of(overrides.begin(), overrides.end(),
                                [&](const auto& item) { return item.first == name; });
    if (!replaced) entries.emplace_back(text);
  }
  for (const auto& [name, value] : overrides) entries.push_back(name + "=" + value);
  return entries;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Makes `fd` the child's descriptor `target`, kept across exec.
void move_to(int fd, int target) {
  if (fd == target) {
    ::fcntl(fd, F_SETFD, 0);
  } else {
    ::dup2(fd, target);
  }
}

// Forks and execs one worker. Between fork and exec the child calls only async-signal-safe
// functions: everything it needs is prepared here first.
void start_worker(Worker& worker, int dev_null) {
  const WorkerCommand& command = *worker.command;
  std::string program = find_on_path(command.program);
  R1F_CHECK_IO(!program.empty(), "launch: ", command.name, ": cannot run '", command.program,
               "': not found", command.program.find('/') == std::string::npos ? " on PATH" : "",
               " or not executable");
  std::vector<std::string> environment = worker_environment(command.environment);
  std::vector<std::string> arguments = command.argv;
  std::vector<char*> envp = pointers_to(environment);
  std::vector<char*> argv = pointers_to(arguments);
  const std::string exec_failed =
      std::string(kMessagePrefix) + command.name + ": execve of '" + program + "' failed\n";

  int out_pipe[2], err_pipe[2];
  R1F_CHECK_IO(::pipe2(out_pipe, O_CLOEXEC) == 0, "launch: cannot create a pipe for ", command.name,
               ": ", std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    int error = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    R1F_THROW(IoError, "launch: cannot create a pipe for ", command.name, ": ",
              std::strerror(error));
  }
  const pid_t supervisor = ::getpid();
  pid_t pid;
  {
    BlockSignals blocked;
    pid = ::fork();
    if (pid == 0) {
      // Die with the supervisor, even when it is SIGKILLed; it may already be gone.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != supervisor) ::_exit(127);
      ::setpgid(0, 0);
      struct sigaction default_action {};
      default_action.sa_handler = SIG_DFL;
      sigemptyset(&default_action.sa_mask);
      for (int signal_number : kHandledSignals)
        ::sigaction(signal_number, &default_action, nullptr);
      ::sigaction(SIGPIPE, &default_action, nullptr);
      sigset_t none;
      sigemptyset(&none);
      ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
      move_to(dev_null, STDIN_FILENO);
      move_to(out_pipe[1], STDOUT_FILENO);
      move_to(err_pipe[1], STDERR_FILENO);
      ::execve(program.c_str(), argv.data(), envp.data());
      ssize_t ignored = ::write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
      (void)ignored;
      ::_exit(127);
    }
  }
  int fork_error = errno;
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    R1F_THROW(IoError, "launch: cannot start ", command.name,
              ": fork failed: ", std::strerror(fork_error));
  }
  ::setpgid(pid, pid);  // also here, so the group exists before we may signal it
  worker.pid = pid;
  worker.running = true;
  worker.out.fd = out_pipe[0];
  worker.err.fd = err_pipe[0];
  ::fcntl(worker.out.fd, F_SETFL, O_NONBLOCK);
  ::fcntl(worker.err.fd, F_SETFL, O_NONBLOCK);
}

// "rank 3 (pid 1234)" for messages.
std::string worker_label(const Worker& worker) {
  return worker.command->name + " (pid " + std::to_string(worker.pid) + ")";
}

// Signals a worker's whole process group (its own children too, as a terminal would).
void signal_worker(const Worker& worker, int signal_number) {
  if (::kill(-worker.pid, signal_number) != 0) ::kill(worker.pid, signal_number);
}

// Everything one run_workers call tracks; the destructor kills and reaps what still runs, so
// no worker outlives an exception.
struct Supervision {
  const SupervisorOptions& options;
  std::vector<Worker> workers;
  int dev_null = -1;
  bool stopping = false;      // SIGTERM (or a forwarded signal) went out
  bool killed = false;        // the grace period ended and SIGKILL went out
  Clock::time_point kill_at;  // end of the grace period
  int first_failure = -1;     // exit code of the first worker that failed
  int stop_signal = 0;        // signal that made the supervisor stop the workers

  explicit Supervision(const SupervisorOptions& supervisor_options) : options(supervisor_options) {}
  ~Supervision() {
    for (auto& worker : workers) {
      if (worker.running) {
        signal_worker(worker, SIGKILL);
        ::waitpid(worker.pid, nullptr, 0);
      }
      if (worker.out.fd >= 0) ::close(worker.out.fd);
      if (worker.err.fd >= 0) ::close(worker.err.fd);
    }
    if (dev_null >= 0) ::close(dev_null);
  }

  bool any_running() const {
    return std::any_of(workers.begin(), workers.end(), [](const Worker& w) { return w.running; });
  }

  void stop_all(int signal_number) {
    if (!stopping) {
      stopping = true;
      kill_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.grace_seconds));
    }
    for (const auto& worker : workers) {
      if (worker.running) signal_worker(worker, signal_number);
    }
  }

  void reap() {
    for (auto& worker : workers) {
      if (!worker.running) continue;
      int status = 0;
      pid_t done = ::waitpid(worker.pid, &status, WNOHANG);
      if (done != worker.pid) continue;
      worker.running = false;
      // What the worker left behind in its group would hold its pipes open: end it.
      ::kill(-worker.pid, SIGKILL);
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
      std::string what = worker_label(worker) + " " + describe_wait_status(status);
      if (first_failure < 0) first_failure = exit_code_of_wait_status(status);
      if (stopping) {
        report(options, what);
      } else {
        report(options, what + "; stopping the other workers");
        stop_all(SIGTERM);
      }
    }
  }

  void on_supervisor_signal(int signal_number) {
    if (signal_number == SIGCHLD) return;  // reap() runs on every pass
    if (!any_running()) return;            // too late to matter: keep the workers' own exit codes
    if (stop_signal == 0) stop_signal = signal_number;
    // SIGHUP (a closed terminal) becomes SIGTERM: r1forge workers save a checkpoint on it.
    int forwarded = signal_number == SIGHUP ? SIGTERM : signal_number;
    report(options, "got " + signal_name(signal_number) + "; forwarding " + signal_name(forwarded) +
                        " to the workers");
    stop_all(forwarded);
  }

  void kill_stragglers() {
    for (const auto& worker : workers) {
      if (!worker.running) continue;
      report(options, worker_label(worker) + " still running " +
                          format_seconds(options.grace_seconds) +
                          " s after it was asked to stop; sending SIGKILL");
      signal_worker(worker, SIGKILL);
    }
    killed = true;
  }
};

}  // namespace

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int signal_number = WTERMSIG(status);
    std::string name = signal_name(signal_number);
    return "was killed by signal " + std::to_string(signal_number) +
           (name.rfind("SIG", 0) == 0 ? " (" + name + ")" : std::string());
  }
  return "changed state (wait status " + std::to_string(status) + ")";
}

int exit_code_of_wait_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

std::string find_on_path(const std::string& name) {
  auto executable = [](const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return executable(name) ? name : "";
  const char* path = std::getenv("PATH");
  std::string folders = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (true) {
    size_t end = folders.find(':', start);
    std::string folder = folders.substr(start, end == std::string::npos ? end : end - start);
    std::string candidate = (folder.empty() ? "." : folder) + "/" + name;
    if (executable(candidate)) return candidate;
    if (end == std::string::npos) return "";
    start = end + 1;
  }
}

int pick_free_loopback_port() {
  int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  R1F_CHECK_IO(socket_fd >= 0, "launch: cannot create a socket: ", std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  bool ok = ::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
            ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  int error = errno;
  ::close(socket_fd);
  R1F_CHECK_IO(ok, "launch: cannot find a free port on 127.0.0.1: ", std::strerror(error));
  return ntohs(address.sin_port);
}

int run_workers(const std::vector<WorkerCommand>& commands, const SupervisorOptions& options) {
  R1F_CHECK(!commands.empty(), "run_workers needs at least one worker");
  R1F_CHECK(options.grace_seconds >= 0 && options.max_line_bytes > 0);
  SignalGuard signals;
  Supervision supervision(options);
  supervision.dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  R1F_CHECK_IO(supervision.dev_null >= 0, "launch: cannot open /dev/null: ", std::strerror(errno));
  supervision.workers.resize(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    Worker& worker = supervision.workers[i];
    worker.command = &commands[i];
    worker.out.out_fd = options.stdout_fd;
    worker.err.out_fd = options.stderr_fd;
    worker.out.prefix = worker.err.prefix = &commands[i].output_prefix;
    worker.out.max_line_bytes = worker.err.max_line_bytes = options.max_line_bytes;
    start_worker(worker, supervision.dev_null);  // throws: ~Supervision kills those started
  }

  std::optional<Clock::time_point> drain_until;
  std::vector<pollfd> polled;
  std::vector<detail::PrefixedLines*> streams;
  while (true) {
    supervision.reap();
    bool running = supervision.any_running();
    streams.clear();
    polled.assign(1, pollfd{signals.read_fd(), POLLIN, 0});
    for (auto& worker : supervision.workers) {
      for (detail::PrefixedLines* stream : {&worker.out, &worker.err}) {
        if (stream->fd < 0) continue;
        streams.push_back(stream);
        polled.push_back(pollfd{stream->fd, POLLIN, 0});
      }
    }
    if (!running && streams.empty()) break;
    auto now = Clock::now();
    if (!running && !drain_until) drain_until = now + kDrainTimeout;
    if (drain_until && now >= *drain_until) break;  // what stays open is flushed below

    std::optional<Clock::time_point> wake_at = drain_until;
    if (supervision.stopping && !supervision.killed) wake_at = supervision.kill_at;
    int timeout_ms = -1;
    if (wake_at) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(*wake_at - now).count();
      timeout_ms = static_cast<int>(std::clamp<int64_t>(wait, 0, 60'000));
    }
    int ready = ::poll(polled.data(), polled.size(), timeout_ms);
    R1F_CHECK_IO(ready >= 0 || errno == EINTR, "launch: poll failed: ", std::strerror(errno));
    if (ready > 0) {
      if (polled[0].revents & POLLIN) {
        unsigned char received[64];
        ssize_t count;
        while ((count = ::read(signals.read_fd(), received, sizeof(received))) > 0) {
          for (ssize_t i = 0; i < count; ++i) supervision.on_supervisor_signal(received[i]);
        }
      }
      for (size_t i = 0; i < streams.size(); ++i) {
        if (polled[i + 1].revents == 0) continue;
        detail::read_lines(*streams[i]);
      }
    }
    supervision.reap();  // so a worker that just exited is not reported as a straggler
    if (supervision.stopping && !supervision.killed && Clock::now() >= supervision.kill_at &&
        supervision.any_running()) {
      supervision.kill_stragglers();
    }
  }
  for (auto& worker : supervision.workers) {
    detail::finish_lines(worker.out);
    detail::finish_lines(worker.err);
  }
  if (supervision.first_failure >= 0) return supervision.first_failure;
  if (supervision.stop_signal != 0) return 128 + supervision.stop_signal;
  return 0;
}

}  // namespace r1forge
