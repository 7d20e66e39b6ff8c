// SHA-256 (FIPS 180-4) of byte strings and files, as lowercase hex: checkpoint manifests record
// each file's digest so a torn or corrupted checkpoint is detected on load.
//
// A plain, portable implementation (no OpenSSL dependency); tests pin the FIPS vectors and
// compare with Python's hashlib. Not here: the manifest itself (pipeline/checkpoint.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace r1forge {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  uint32_t state_[8];
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::string_view bytes);
// Streams the file in 1 MiB reads; IoError naming the path when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace r1forge
