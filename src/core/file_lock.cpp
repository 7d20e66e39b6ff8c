// flock(2)-based file locks; see include/r1forge/core/file_lock.h.
#include "r1forge/core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/core/utc_time.h"

namespace r1forge {
namespace fs = std::filesystem;

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() {
  release();
}

void FileLock::release() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor drops the flock
  fd_ = -1;
}

bool FileLock::try_lock(const fs::path& path, bool exclusive) {
  return acquire(path, exclusive, /*wait=*/false);
}

void FileLock::lock(const fs::path& path) {
  acquire(path, /*exclusive=*/true, /*wait=*/true);
}

bool FileLock::acquire(const fs::path& path, bool exclusive, bool wait) {
  release();
  std::error_code error;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), error);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  R1F_CHECK_IO(fd >= 0, "cannot open the lock file ", path.string(), ": ", std::strerror(errno));
  int result;
  do {
    result = ::flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB));
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const int saved = errno;
    ::close(fd);
    R1F_CHECK_IO(saved == EWOULDBLOCK, "cannot lock ", path.string(), ": ", std::strerror(saved));
    return false;
  }
  fd_ = fd;
  path_ = path;
  return true;
}

void FileLock::record_holder() {
  R1F_CHECK(fd_ >= 0, "record_holder without the lock");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown");
  const std::string text = nlohmann::json{{"pid", static_cast<int64_t>(::getpid())},
                                          {"host", host},
                                          {"since", utc_time_iso()},
                                          {"command", process_command_line()}}
                               .dump() +
                           "\n";
  // In place, not by rename: the lock belongs to this inode, and renaming another file over
  // it would leave the next process locking a file nobody else looks at.
  R1F_CHECK_IO(::ftruncate(fd_, 0) == 0 &&
                   ::pwrite(fd_, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()),
               "cannot write the lock file ", path_.string(), ": ", std::strerror(errno));
}

std::string describe_lock_holder(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json holder = nlohmann::json::parse(text.str(), nullptr, false);
  if (!holder.is_object() || !holder.contains("pid") || !holder["pid"].is_number_integer()) {
    return "an unknown process";
  }
  std::ostringstream out;
  out << "PID " << holder["pid"].get<int64_t>() << " on host " << holder.value("host", "?")
      << " since " << holder.value("since", "?") << " (" << holder.value("command", "") << ")";
  return out.str();
}

std::string process_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  for (char& c : raw) {
    if (c == '\0') c = ' ';
  }
  return raw;
}

}  // namespace r1forge
