// The byte-level alphabet; see include/r1forge/tokenizer/byte_level.h.
#include "r1forge/tokenizer/byte_level.h"

#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

namespace {

struct Tables {
  std::array<uint32_t, 256> chars{};
  std::array<std::string, 256> strings;
  std::array<int16_t, 0x144> bytes{};  // every mapped code point is below U+0144

  Tables() {
    bytes.fill(-1);
    uint32_t next_unprintable = 0x100;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      chars[b] = printable ? static_cast<uint32_t>(b) : next_unprintable++;
      append_utf8(strings[b], chars[b]);
      bytes[chars[b]] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables instance;
  return instance;
}

}  // namespace

uint32_t byte_level_char(uint8_t byte) {
  return tables().chars[byte];
}

const std::array<std::string, 256>& byte_level_strings() {
  return tables().strings;
}

std::optional<uint8_t> byte_level_byte(uint32_t code_point) {
  const auto& bytes = tables().bytes;
  if (code_point >= bytes.size() || bytes[code_point] < 0) return std::nullopt;
  return static_cast<uint8_t>(bytes[code_point]);
}

std::string byte_level_encode(std::string_view bytes) {
  const auto& strings = tables().strings;
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) out += strings[static_cast<uint8_t>(c)];
  return out;
}

std::optional<std::string> byte_level_decode(std::string_view text) {
  if (first_invalid_utf8(text)) return std::nullopt;
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  while (at < text.size()) {
    auto byte = byte_level_byte(next_code_point(text, at));
    if (!byte) return std::nullopt;
    out.push_back(static_cast<char>(*byte));
  }
  return out;
}

}  // namespace r1forge
