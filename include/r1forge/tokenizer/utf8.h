// UTF-8 helpers for the tokenizer.json pipeline: validation, code point iteration, encoding, and
// the lossy decoding of byte sequences that HF's decoders do with Rust's String::from_utf8_lossy.
//
// Not here: Unicode normalization (normalizer.h) or character classes (the regex engine's job,
// pre_tokenizer.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace r1forge {

// The byte offset of the first ill-formed UTF-8 sequence in `text` (Unicode §3.9: no overlong
// forms, no surrogates, nothing above U+10FFFF), or nullopt when it is all well-formed.
std::optional<size_t> first_invalid_utf8(std::string_view text);

// Length of the well-formed UTF-8 sequence starting at text[at], or 0 when it is ill-formed
// there (the lossy decoder below then replaces the maximal ill-formed subpart).
size_t utf8_sequence_length(std::string_view text, size_t at);

// Decodes the code point of the well-formed sequence at text[at] and advances `at` past it.
// Precondition: text is well-formed UTF-8 from `at` on.
uint32_t next_code_point(std::string_view text, size_t& at);

// Appends the UTF-8 encoding of `code_point` (<= U+10FFFF, not a surrogate).
void append_utf8(std::string& out, uint32_t code_point);

// `bytes` as UTF-8, each maximal ill-formed subpart replaced by one U+FFFD, exactly as Rust's
// String::from_utf8_lossy (and so HF's ByteLevel decoder) does.
std::string utf8_lossy(std::string_view bytes);

// Rust's char::is_whitespace (the Unicode White_Space property), used by added-token
// lstrip/rstrip.
bool is_unicode_whitespace(uint32_t code_point);

}  // namespace r1forge
