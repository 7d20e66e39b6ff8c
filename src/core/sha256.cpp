// SHA-256 through OpenSSL's EVP interface; see core/sha256.h.
#include "r1forge/core/sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "r1forge/core/check.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace r1forge {

struct Sha256::Context {
  EVP_MD_CTX* context = nullptr;
  ~Context() { EVP_MD_CTX_free(context); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  context_->context = EVP_MD_CTX_new();
  R1F_CHECK(context_->context != nullptr, "OpenSSL: cannot allocate a digest context");
  R1F_CHECK(EVP_DigestInit_ex(context_->context, EVP_sha256(), nullptr) == 1,
            "OpenSSL: cannot initialise SHA-256");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(const void* data, size_t size) {
  R1F_CHECK(EVP_DigestUpdate(context_->context, data, size) == 1, "OpenSSL: SHA-256 update failed");
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  R1F_CHECK(EVP_DigestFinal_ex(context_->context, digest, &length) == 1 && length == 32,
            "OpenSSL: SHA-256 final failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (unsigned int i = 0; i < length; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 15];
  }
  return hex;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex_digest();
}

std::string sha256_file(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  R1F_CHECK_IO(file != nullptr, "cannot open ", path, " to hash it: ", std::strerror(errno));
  // The file is read once front to back: tell the kernel, so it reads ahead in larger steps.
  posix_fadvise(fileno(file), 0, 0, POSIX_FADV_SEQUENTIAL);
  Sha256 hash;
  std::vector<char> chunk(4 << 20);
  size_t got = 0;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), file)) > 0)
    hash.update(chunk.data(), got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  R1F_CHECK_IO(!failed, "read error while hashing ", path);
  return hash.hex_digest();
}

std::string sha256_implementation() {
  // CPUID leaf 7, sub-leaf 0: EBX bit 29 is the SHA extensions, which OpenSSL's x86_64 code
  // selects at run time (OPENSSL_ia32cap).
#if defined(__x86_64__) || defined(__i386__)
  unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 29))) return "SHA-NI";
  return "portable or AVX2";
#else
  return "OpenSSL's code for this CPU";
#endif
}

}  // namespace r1forge
