// Atomic writes and file reads; see include/r1forge/core/fs.h.
#include "r1forge/core/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "r1forge/core/check.h"

namespace r1forge {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::filesystem::path temporary_path_for(const std::filesystem::path& target) {
  static std::atomic<uint64_t> counter{0};
  return target.string() + ".tmp-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::filesystem::path target)
    : target_(std::move(target)), temporary_(temporary_path_for(target_)) {
  auto parent = target_.parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    R1F_CHECK_IO(!error, "cannot create directory ", parent, " for ", target_, ": ",
                 error.message());
  }
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  R1F_CHECK_IO(fd_ >= 0, "cannot create ", temporary_, " (writing ", target_, "): ", errno_text());
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temporary_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t size) {
  R1F_CHECK(fd_ >= 0 && !committed_, "write after commit on ", target_);
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t written = ::write(fd_, bytes, size);
    if (written < 0 && errno == EINTR) continue;
    R1F_CHECK_IO(written > 0, "cannot write ", target_, ": ", errno_text());
    bytes += written;
    size -= static_cast<size_t>(written);
  }
}

void AtomicFileWriter::commit() {
  R1F_CHECK(fd_ >= 0 && !committed_, "commit twice on ", target_);
  R1F_CHECK_IO(::fsync(fd_) == 0, "cannot fsync ", temporary_, ": ", errno_text());
  int close_result = ::close(fd_);
  fd_ = -1;
  R1F_CHECK_IO(close_result == 0, "cannot close ", temporary_, ": ", errno_text());
  R1F_CHECK_IO(::rename(temporary_.c_str(), target_.c_str()) == 0, "cannot rename ", temporary_,
               " to ", target_, ": ", errno_text());
  committed_ = true;
  auto parent = target_.parent_path();
  fsync_directory(parent.empty() ? std::filesystem::path(".") : parent);
}

void atomic_write_file(const std::filesystem::path& path, std::string_view contents) {
  AtomicFileWriter writer(path);
  writer.write(contents);
  writer.commit();
}

std::string read_file(const std::filesystem::path& path) {
  std::error_code error;
  R1F_CHECK_IO(std::filesystem::is_regular_file(path, error), "cannot read ", path,
               ": not a regular file or does not exist");
  std::ifstream in(path, std::ios::binary);
  R1F_CHECK_IO(in.good(), "cannot open ", path, ": ", errno_text());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  R1F_CHECK_IO(!in.bad(), "error reading ", path);
  return buffer.str();
}

void fsync_directory(const std::filesystem::path& directory) {
  int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  R1F_CHECK_IO(fd >= 0, "cannot open directory ", directory, ": ", errno_text());
  int result = ::fsync(fd);
  ::close(fd);
  R1F_CHECK_IO(result == 0, "cannot fsync directory ", directory, ": ", errno_text());
}

}  // namespace r1forge
