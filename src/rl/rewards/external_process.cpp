// Child process with line-based pipes and deadlines; see
// include/r1forge/rl/rewards/external_process.h.
#include "r1forge/rl/rewards/external_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "r1forge/core/check.h"

extern char** environ;

namespace r1forge {
namespace {

// Blocks SIGPIPE on this thread for its lifetime; a SIGPIPE raised by a failed write is
// consumed before the old mask comes back, so it is never delivered.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

}  // namespace

ScorerProcess::~ScorerProcess() {
  stop(std::chrono::milliseconds(200));
}

void ScorerProcess::start() {
  R1F_CHECK(pid_ <= 0, "scorer process already started");
  int to_child[2], from_child[2];
  R1F_CHECK_IO(pipe2(to_child, O_CLOEXEC) == 0,
               "external reward: pipe() failed: ", std::strerror(errno));
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    int error = errno;
    ::close(to_child[0]);
    ::close(to_child[1]);
    R1F_THROW(IoError, "external reward: pipe() failed: ", std::strerror(error));
  }
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<std::string> env_storage;
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "PYTHONUNBUFFERED=", 17) != 0) env_storage.emplace_back(*e);
  }
  env_storage.emplace_back("PYTHONUNBUFFERED=1");  // a Python scorer's print() reaches us now
  std::vector<char*> envp;
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c";
  char* argv[] = {shell.data(), dash_c.data(), command_.data(), nullptr};

  pid_t pid = fork();
  if (pid < 0) {
    int error = errno;
    for (int fd : {to_child[0], to_child[1], from_child[0], from_child[1]}) ::close(fd);
    R1F_THROW(IoError, "external reward: fork() failed: ", std::strerror(error));
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execve(argv[0], argv, envp.data());
    _exit(127);
  }
  setpgid(pid, pid);  // also in the parent, so a kill right after start reaches the group
  ::close(to_child[0]);
  ::close(from_child[1]);
  pid_ = pid;
  stdin_fd_ = to_child[1];
  stdout_fd_ = from_child[0];
  set_nonblocking(stdin_fd_);
  set_nonblocking(stdout_fd_);
  partial_.clear();
  reaped_ = false;
  wait_status_ = 0;
}

bool ScorerProcess::read_available(std::vector<std::string>* lines) {
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(stdout_fd_, buffer, sizeof(buffer));
    if (n > 0) {
      partial_.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while ((newline = partial_.find('\n')) != std::string::npos) {
        std::string line = partial_.substr(0, newline);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines->push_back(std::move(line));
        partial_.erase(0, newline + 1);
      }
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    return false;  // EIO and friends: treat as closed
  }
}

ScorerProcess::Exchange ScorerProcess::exchange(
    const std::string& input,
    size_t expected_lines,
    Clock::time_point deadline,
    const std::function<bool(const std::string&)>& is_stale,
    size_t* stale_lines) {
  R1F_CHECK(pid_ > 0, "scorer process not started");
  Exchange result;
  std::vector<std::string> stale;
  if (!read_available(&stale)) result.closed = true;
  *stale_lines = stale.size() + (partial_.empty() ? 0 : 1);
  partial_.clear();
  if (result.closed) return result;

  SigpipeGuard guard;
  size_t written = 0;
  while (result.lines.size() < expected_lines) {
    const auto now = Clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t count = 0;
    const bool writing = written < input.size() && !result.write_failed;
    if (writing) fds[count++] = {stdin_fd_, POLLOUT, 0};
    fds[count++] = {stdout_fd_, POLLIN, 0};
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    int ready = ::poll(fds, count, static_cast<int>(std::max<int64_t>(1, wait)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      R1F_THROW(IoError, "external reward: poll() failed: ", std::strerror(errno));
    }
    if (ready == 0) continue;
    if (writing && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      size_t chunk = std::min<size_t>(input.size() - written, 65536);
      ssize_t n = ::write(stdin_fd_, input.data() + written, chunk);
      if (n > 0) {
        written += static_cast<size_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        result.write_failed = true;  // EPIPE: the scorer closed its stdin or died
      }
    }
    const pollfd& out = fds[count - 1];
    if (out.revents & (POLLIN | POLLHUP | POLLERR)) {
      std::vector<std::string> lines;
      const bool open = read_available(&lines);
      for (std::string& line : lines) {
        if (is_stale(line)) {
          ++*stale_lines;
        } else {
          result.lines.push_back(std::move(line));
        }
      }
      if (!open) {
        result.closed = true;
        break;
      }
    }
  }
  return result;
}

bool ScorerProcess::reap(bool block_briefly) {
  if (pid_ <= 0 || reaped_) return true;
  for (int attempt = 0; attempt < (block_briefly ? 200 : 1); ++attempt) {
    pid_t done = waitpid(pid_, &wait_status_, WNOHANG);
    if (done == pid_ || (done < 0 && errno == ECHILD)) {
      reaped_ = true;
      return true;
    }
    if (block_briefly) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

void ScorerProcess::close_fds() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdin_fd_ = stdout_fd_ = -1;
}

void ScorerProcess::kill_now() {
  if (pid_ <= 0) return;
  // The group id stays reserved while any member lives, so this also reaches what the scorer
  // left running after it exited itself.
  ::kill(-pid_, SIGKILL);
  if (!reaped_) ::kill(pid_, SIGKILL);  // in case setpgid lost a race; never a reaped pid
  reap(/*block_briefly=*/true);         // at most ~2 s; a child stuck in the kernel stays a zombie
  close_fds();
  pid_ = -1;
}

void ScorerProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return;
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);  // EOF: a well-behaved scorer exits now
    stdin_fd_ = -1;
  }
  const auto until = Clock::now() + grace;
  while (!reap(false) && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill_now();  // also takes down anything it left running in its group
}

std::string ScorerProcess::status_text() {
  if (pid_ > 0 && !reap(false)) return "still running";
  if (WIFEXITED(wait_status_))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status_));
  if (WIFSIGNALED(wait_status_))
    return "killed by signal " + std::to_string(WTERMSIG(wait_status_));
  return "stopped";
}

}  // namespace r1forge
