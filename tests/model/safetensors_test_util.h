// Helpers shared by the safetensors tests: a scratch folder and raw file construction.
//
// ScratchDir exists because testing::TempDir's destructor calls std::filesystem::remove_all,
// which the dynamic linker binds to the copy libtorch.so exports, and that copy segfaults
// (reported to the lead); this one removes its tree with directory_iterator + remove instead.
// Not here: anything safetensors-specific beyond building raw bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace r1forge::testing {

// Removes `path` and everything below it without std::filesystem::remove_all.
inline void remove_tree(const std::filesystem::path& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored) && !std::filesystem::is_symlink(path, ignored)) {
    for (const auto& entry : std::filesystem::directory_iterator(path, ignored)) {
      remove_tree(entry.path());
    }
  }
  std::filesystem::remove(path, ignored);
}

// A fresh, empty folder under the system temp dir, removed when the object dies.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device device;
    path_ = std::filesystem::temp_directory_path() /
            ("r1forge-st-" + std::to_string(device()) + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { remove_tree(path_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The 8-byte little-endian length, `header` and `data`: one safetensors file's bytes.
inline std::string safetensors_bytes(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  const uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  return out + header + data;
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace r1forge::testing
