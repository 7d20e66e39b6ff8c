// The GPT-2 byte-level alphabet (formats.md §4.4, HF pre_tokenizers/byte_level.rs bytes_char):
// every byte maps to one printable code point so a byte-level BPE vocabulary can be written as
// text. Printable bytes '!'..'~', 0xA1..0xAC and 0xAE..0xFF map to themselves; the other 68
// map, in increasing byte order, to U+0100, U+0101, ...
//
// Not here: the pre-tokenizer that applies it (pre_tokenizer.h) or the decoder (decoder.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace r1forge {

// The code point byte `b` maps to.
uint32_t byte_level_char(uint8_t byte);
// The UTF-8 text of byte_level_char(b) for each byte (1 or 2 bytes each).
const std::array<std::string, 256>& byte_level_strings();
// The byte a byte-level code point stands for, or nullopt for a code point outside the alphabet.
std::optional<uint8_t> byte_level_byte(uint32_t code_point);

// Raw bytes -> their byte-level text ("a b" -> "aĠb").
std::string byte_level_encode(std::string_view bytes);
// Byte-level text -> raw bytes; nullopt when a character is outside the alphabet (HF then keeps
// the token's own UTF-8, which the ByteLevel decoder does).
std::optional<std::string> byte_level_decode(std::string_view text);

}  // namespace r1forge
