// UTF-8 decoding and a coarse Unicode script classification (Latin, Han, Cyrillic, Arabic, ...)
// for counting words by writing system, as the language_consistency reward needs. Hand-rolled
// from the Unicode block ranges: no ICU, no locale. Invalid UTF-8 decodes to U+FFFD.
// Not here: the reward (language_consistency.h), normalization or case folding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace r1forge::unicode {

enum class Script {
  NEUTRAL,  // digits, punctuation, symbols, spaces, marks, unknown code points
  LATIN,
  GREEK,
  CYRILLIC,
  ARMENIAN,
  HEBREW,
  ARABIC,
  DEVANAGARI,
  BENGALI,
  THAI,
  HANGUL,
  HIRAGANA,
  KATAKANA,
  HAN,  // CJK ideographs
};

// The code points of `text`; each invalid or truncated sequence becomes one U+FFFD.
std::vector<char32_t> decode_utf8(std::string_view text);

Script script_of(char32_t code_point);

// Han, Hiragana and Katakana characters are words on their own (no spaces between words).
inline bool is_ideographic(Script script) {
  return script == Script::HAN || script == Script::HIRAGANA || script == Script::KATAKANA;
}

// A combining mark (accents written as separate code points) continues the word before it.
bool is_combining_mark(char32_t code_point);
// a-z or A-Z.
inline bool is_ascii_letter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
// Index one past a markup tag such as <think> or </answer> starting at text[i]; i if none.
size_t skip_markup_tag(const std::vector<char32_t>& text, size_t i);

}  // namespace r1forge::unicode
