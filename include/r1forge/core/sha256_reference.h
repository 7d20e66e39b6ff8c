// SHA-256 (FIPS 180-4 section 6.2) in plain, portable C++: the reference beside the OpenSSL
// implementation that r1forge hashes with (core/sha256.h). Tests check the two against each
// other and against the FIPS vectors; `r1forge bench sha256` times both in one run.
// About 0.3 GB/s per core; not used on any checkpoint path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace r1forge {

class Sha256Reference {
 public:
  Sha256Reference();
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

std::string sha256_reference_hex(std::string_view bytes);

}  // namespace r1forge
