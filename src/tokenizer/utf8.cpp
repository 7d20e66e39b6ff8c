// UTF-8 helpers; see include/r1forge/tokenizer/utf8.h.
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

namespace {

bool in_range(unsigned char byte, unsigned char low, unsigned char high) {
  return byte >= low && byte <= high;
}

// How many bytes of the sequence at text[at] are a valid prefix (lead byte included), and the
// full length the lead byte asks for; Unicode Table 3-7 (well-formed byte sequences).
struct Prefix {
  size_t valid = 0;
  size_t wanted = 0;
};

Prefix scan_sequence(std::string_view text, size_t at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {1, 1};
  unsigned char second_low = 0x80, second_high = 0xBF;
  size_t wanted = 0;
  if (in_range(lead, 0xC2, 0xDF)) {
    wanted = 2;
  } else if (lead == 0xE0) {
    wanted = 3, second_low = 0xA0;
  } else if (in_range(lead, 0xE1, 0xEC) || in_range(lead, 0xEE, 0xEF)) {
    wanted = 3;
  } else if (lead == 0xED) {
    wanted = 3, second_high = 0x9F;  // no surrogates
  } else if (lead == 0xF0) {
    wanted = 4, second_low = 0x90;
  } else if (in_range(lead, 0xF1, 0xF3)) {
    wanted = 4;
  } else if (lead == 0xF4) {
    wanted = 4, second_high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {0, 1};  // 0x80..0xC1, 0xF5..0xFF never start a sequence
  }
  size_t valid = 1;
  for (; valid < wanted && at + valid < text.size(); ++valid) {
    unsigned char low = valid == 1 ? second_low : 0x80;
    unsigned char high = valid == 1 ? second_high : 0xBF;
    if (!in_range(byte(valid), low, high)) break;
  }
  return {valid, wanted};
}

}  // namespace

size_t utf8_sequence_length(std::string_view text, size_t at) {
  Prefix prefix = scan_sequence(text, at);
  return prefix.valid == prefix.wanted ? prefix.wanted : 0;
}

std::optional<size_t> first_invalid_utf8(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    // ASCII runs are the common case: skip them eight bytes at a time.
    while (at + 8 <= text.size()) {
      uint64_t word = 0;
      for (int i = 0; i < 8; ++i)
        word |= static_cast<uint64_t>(static_cast<unsigned char>(text[at + i])) << (8 * i);
      if (word & 0x8080808080808080ull) break;
      at += 8;
    }
    if (at >= text.size()) break;
    size_t length = utf8_sequence_length(text, at);
    if (length == 0) return at;
    at += length;
  }
  return std::nullopt;
}

uint32_t next_code_point(std::string_view text, size_t& at) {
  auto byte = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(text[at + i]));
  };
  uint32_t lead = byte(0);
  uint32_t code_point = 0;
  if (lead < 0x80) {
    code_point = lead;
    at += 1;
  } else if (lead < 0xE0) {
    code_point = ((lead & 0x1F) << 6) | (byte(1) & 0x3F);
    at += 2;
  } else if (lead < 0xF0) {
    code_point = ((lead & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    at += 3;
  } else {
    code_point = ((lead & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
                 (byte(3) & 0x3F);
    at += 4;
  }
  return code_point;
}

void append_utf8(std::string& out, uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  size_t at = 0;
  while (at < bytes.size()) {
    Prefix prefix = scan_sequence(bytes, at);
    if (prefix.valid == prefix.wanted) {
      out.append(bytes.substr(at, prefix.valid));
      at += prefix.valid;
    } else {
      out.append("\xEF\xBF\xBD");  // U+FFFD for the maximal ill-formed subpart
      at += prefix.valid == 0 ? 1 : prefix.valid;
    }
  }
  return out;
}

bool is_unicode_whitespace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

}  // namespace r1forge
