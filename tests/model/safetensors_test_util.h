// Helpers shared by the safetensors tests: raw file construction. Scratch folders come from
// testing::TempDir (test_util.h).
// Not here: anything safetensors-specific beyond building raw bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace r1forge::testing {

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
