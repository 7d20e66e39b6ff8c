// Small string helpers shared by the answer extraction and normalization code: ASCII
// character classes, trimming, lower-casing, counting tags and LaTeX brace matching.
// Not here: anything that knows about answers (math_answer.h, answer_normalization.h).
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace r1forge::math {

inline bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
inline bool is_letter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
inline bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

inline std::string trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

inline std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Index of the '}' closing the '{' at `open`, or npos.
inline size_t closing_brace(std::string_view text, size_t open) {
  int depth = 0;
  for (size_t i = open; i < text.size(); ++i) {
    if (text[i] == '{') ++depth;
    if (text[i] == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// Non-overlapping occurrences of `needle` in `text` (tags such as "<think>").
inline size_t count_occurrences(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

inline bool braces_balanced(std::string_view text) {
  int depth = 0;
  for (char c : text) {
    if (c == '{') ++depth;
    if (c == '}' && --depth < 0) return false;
  }
  return depth == 0;
}

}  // namespace r1forge::math
