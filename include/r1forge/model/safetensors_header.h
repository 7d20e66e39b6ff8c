// safetensors header: dtype table, header parsing with full validation, and header serialisation.
//
// Pure C++ (nlohmann::json only, no torch) so the parser can be fuzzed on its own
// (tests/fuzz/safetensors_header_fuzz.cpp). Implements formats.md §1.1-1.3: the 8-byte
// little-endian length N, the JSON header, and every check of the reference reader.
// Not here: reading tensor bytes or mapping files (safetensors.h), sharded folders.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge::safetensors {

// Largest header the reference reader accepts (MAX_HEADER_SIZE), in bytes.
constexpr uint64_t kMaxHeaderLength = 100'000'000;
// serde_json's default recursion limit; deeper JSON is rejected like the reference does.
constexpr int kMaxJsonDepth = 128;

// In the reference's declaration order, which is increasing alignment: the writer lays tensors
// out by this order descending, so files match the Python writer byte for byte.
enum class Dtype {
  BOOL,
  F4,
  F6_E2M3,
  F6_E3M2,
  U8,
  I8,
  F8_E5M2,
  F8_E4M3,
  F8_E8M0,
  F8_E4M3FNUZ,
  F8_E5M2FNUZ,
  I16,
  U16,
  F16,
  BF16,
  I32,
  U32,
  F32,
  C64,
  F64,
  I64,
  U64,
};

// "F32" -> Dtype::F32; nullopt for a string not in the table.
std::optional<Dtype> parse_dtype(std::string_view name);
std::string_view dtype_name(Dtype dtype);
// Bits per element (4 and 6 for the sub-byte float formats).
int64_t dtype_bits(Dtype dtype);

struct TensorInfo {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<int64_t> shape;  // row-major; [] is a scalar (1 element)
  uint64_t begin = 0;          // byte offsets relative to the data buffer, end one past the last
  uint64_t end = 0;
  int64_t numel() const;
  uint64_t byte_size() const { return end - begin; }
};

struct Header {
  std::map<std::string, std::string> metadata;  // the "__metadata__" map (may be empty)
  std::vector<TensorInfo> tensors;              // sorted by name
  uint64_t header_length = 0;                   // N: bytes of JSON (with padding)
  uint64_t data_length = 0;                     // bytes of the data buffer
  uint64_t data_offset() const { return 8 + header_length; }
  // nullptr when absent.
  const TensorInfo* find(std::string_view name) const;
};

// Parses and validates the header of a safetensors file of `file_size` bytes from its first
// `available` bytes (at least min(file_size, 8 + N) are needed; a whole mapped file is fine).
// Every problem throws IoError whose message names `source` and, where it applies, the tensor:
// header too large, length past the end of the file, not starting with '{', invalid UTF-8 or
// JSON, nesting deeper than kMaxJsonDepth, duplicate keys, unknown dtype, non-string metadata,
// bad shape or offsets (non-integer, negative), offsets that do not tile the buffer exactly
// (first not 0, holes, overlaps, end before begin), byte size != numel * dtype size, arithmetic
// overflow, and a file longer or shorter than the header says (trailing bytes, truncation).
Header parse_header(const uint8_t* bytes,
                    size_t available,
                    uint64_t file_size,
                    const std::string& source);

// Serialises a header the way the reference writer does: compact JSON, "__metadata__" first
// (omitted when `metadata` is empty), then the tensors in the given order (the data order),
// right-padded with spaces so its length is a multiple of 8. The 8-byte length is not included.
// Throws DataError for a name that is not valid UTF-8 or is "__metadata__".
std::string build_header_json(const std::map<std::string, std::string>& metadata,
                              const std::vector<TensorInfo>& tensors);

}  // namespace r1forge::safetensors
