// SHA-256 (FIPS 180-4) of byte strings and files, as lowercase hex: checkpoint manifests record
// each file's digest so a torn or corrupted checkpoint is detected on load.
//
// Computed by OpenSSL's libcrypto (EVP), which picks the CPU's SHA extensions (SHA-NI) or its
// AVX2 code at run time: several GB/s per core where portable C++ does ~0.3. The portable
// implementation stays as the reference the tests compare with (core/sha256_reference.h).
// Not here: the manifest itself (pipeline/checkpoint.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace r1forge {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest as 64 lowercase hex digits; the object must not be updated afterwards.
  std::string hex_digest();

 private:
  struct Context;  // OpenSSL's EVP_MD_CTX, kept out of this header
  std::unique_ptr<Context> context_;
};

std::string sha256_hex(std::string_view bytes);
// Streams the file in 4 MiB reads; IoError naming the path when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);
// The name of the SHA-256 code OpenSSL runs on this CPU ("SHA-NI" when the CPU has the SHA
// extensions, else "portable or AVX2"), for benchmark tables.
std::string sha256_implementation();

}  // namespace r1forge
