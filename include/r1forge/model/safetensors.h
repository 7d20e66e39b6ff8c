// One safetensors file: a memory-mapped, validated reader and a streaming, atomic writer.
//
// The reader maps the file read-only, validates the whole header up front (parse_header), and
// hands out owning CPU tensors copied from the mapping. The writer lays data out like the
// reference writer (dtype alignment descending, then name; header space-padded to 8 bytes;
// "__metadata__" {"format": "pt"} always present), so re-saving a loaded file reproduces it.
// Data is little-endian on disk and in memory: r1forge assumes a little-endian host. Like any
// mmap reader, a file truncated by another process while open can fault on access.
// Not here: sharded folders and model.safetensors.index.json (safetensors_folder.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "r1forge/model/safetensors_header.h"

namespace r1forge::safetensors {

// LibTorch's dtype for a safetensors dtype; nullopt for F4/F6 (no LibTorch equivalent).
std::optional<at::ScalarType> to_scalar_type(Dtype dtype);
// safetensors dtype for a LibTorch dtype; nullopt for those safetensors cannot store
// (complex double, quantized types, ...).
std::optional<Dtype> from_scalar_type(at::ScalarType type);

class SafetensorsFile {
 public:
  // Maps and validates `path`; IoError naming the path on any problem.
  explicit SafetensorsFile(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const Header& header() const { return header_; }
  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  std::vector<std::string> names() const;  // sorted
  bool contains(std::string_view name) const { return header_.find(name) != nullptr; }
  // DataError naming the file when `name` is absent.
  const TensorInfo& info(std::string_view name) const;

  // An owning, contiguous CPU tensor with the file's dtype and shape (a copy of the bytes).
  // IoError for dtypes LibTorch cannot represent; DataError when `name` is absent.
  at::Tensor tensor(std::string_view name) const;
  // The same, converted to `target` (e.g. BF16 -> F32, which is exact).
  at::Tensor tensor(std::string_view name, at::ScalarType target) const;
  // The tensor's raw little-endian bytes inside the mapping (valid while this object lives).
  std::string_view raw_bytes(std::string_view name) const;

 private:
  void unmap();

  std::filesystem::path path_;
  Header header_;
  const uint8_t* mapping_ = nullptr;
  size_t mapping_size_ = 0;
};

// Writes `tensors` to `path` atomically (AtomicFileWriter), streaming one tensor at a time:
// each is made contiguous on CPU and its bytes written, so the file is never built in memory.
// "format": "pt" is added to `metadata` when it has no "format". DataError (naming the path
// and tensor) for duplicate or reserved names, undefined or non-strided tensors and dtypes
// safetensors cannot store; IoError when writing fails. On any error the target is untouched.
void save_file(const std::filesystem::path& path,
               const std::vector<std::pair<std::string, at::Tensor>>& tensors,
               const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace r1forge::safetensors
