// Filesystem helpers: atomic file writes and whole-file reads with clear errors.
//
// Atomic protocol (reliability.md §1): write a temporary file beside the target, fsync it,
// rename it over the target, fsync the directory. A crash at any point leaves either the old
// file or the new one, never a torn one; the temporary is removed on failure.
// Not here: checkpoint manifests and folder-level atomicity (pipeline/checkpoint.h, [order 5]).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace r1forge {

// Streams bytes into `<target>.tmp-<pid>-<n>`; commit() fsyncs and renames it into place.
// Destroying an uncommitted writer deletes the temporary (nothing half-written is left).
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path target);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  void commit();  // fsync file, rename over target, fsync directory
  const std::filesystem::path& target() const { return target_; }

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `contents` to `path` atomically (see AtomicFileWriter).
void atomic_write_file(const std::filesystem::path& path, std::string_view contents);

// Reads a whole file; IoError naming the path when it cannot.
std::string read_file(const std::filesystem::path& path);

// fsyncs a directory so a rename inside it is durable.
void fsync_directory(const std::filesystem::path& directory);

}  // namespace r1forge
