// SHA-256: the OpenSSL-backed digest (core/sha256.h) and the portable reference
// (core/sha256_reference.h) against the FIPS 180-4 vectors and against each other on every
// length around the 64-byte block and padding boundaries, streamed in any chunks, and on files.
#include <gtest/gtest.h>

#include <random>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/sha256.h"
#include "r1forge/core/sha256_reference.h"
#include "test_util.h"

namespace r1forge {
namespace {

TEST(Sha256Test, FipsVectorsBothImplementations) {
  // FIPS 180-4 examples (and the NIST one-million-'a' vector).
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'),
       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"}};
  for (const auto& [text, digest] : vectors) {
    EXPECT_EQ(sha256_hex(text), digest) << text.size();
    EXPECT_EQ(sha256_reference_hex(text), digest) << text.size();
  }
}

TEST(Sha256Test, OpenSslEqualsReferenceOnEveryLengthNearTheBlockBoundaries) {
  std::mt19937 random(7);
  std::string bytes(5000, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random() & 0xff);
  // 0..200 covers the 55/56/63/64-byte padding cases three times over; then larger ones.
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 200; ++n) lengths.push_back(n);
  for (size_t n : {447u, 448u, 511u, 512u, 513u, 4095u, 4096u, 5000u}) lengths.push_back(n);
  for (size_t n : lengths) {
    const std::string_view text(bytes.data(), n);
    EXPECT_EQ(sha256_hex(text), sha256_reference_hex(text)) << n;
  }
}

TEST(Sha256Test, StreamingInAnyChunksEqualsOneShot) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += static_cast<char>((i * 37) % 251);
  for (size_t chunk : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 999u}) {
    Sha256 hash;
    Sha256Reference reference;
    for (size_t at = 0; at < text.size(); at += chunk) {
      hash.update(text.data() + at, std::min(chunk, text.size() - at));
      reference.update(text.data() + at, std::min(chunk, text.size() - at));
    }
    const std::string digest = hash.hex_digest();
    EXPECT_EQ(digest, sha256_hex(text)) << chunk;
    EXPECT_EQ(reference.hex_digest(), digest) << chunk;
  }
  // A moved-from digest's state travels with it.
  Sha256 first;
  first.update("ab");
  Sha256 second = std::move(first);
  second.update("c");
  EXPECT_EQ(second.hex_digest(), sha256_hex("abc"));
}

TEST(Sha256Test, FilesAcrossTheReadChunkAndMissingFiles) {
  testing::TempDir dir;
  // 4 MiB + 3 bytes: one full read chunk and a short one.
  std::string text((4 << 20) + 3, '\0');
  for (size_t i = 0; i < text.size(); ++i) text[i] = static_cast<char>((i * 131) >> 3);
  atomic_write_file(dir / "f.bin", text);
  EXPECT_EQ(sha256_file(dir / "f.bin"), sha256_reference_hex(text));
  atomic_write_file(dir / "empty.bin", "");
  EXPECT_EQ(sha256_file(dir / "empty.bin"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_THROW(sha256_file(dir / "missing"), IoError);
  EXPECT_FALSE(sha256_implementation().empty());
}

}  // namespace
}  // namespace r1forge
