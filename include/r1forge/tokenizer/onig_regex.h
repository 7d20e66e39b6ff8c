// A compiled Oniguruma regex (UTF-8, Oniguruma's default syntax, no options), the engine HF's
// tokenizers crate uses for Split patterns (SysRegex). Needed because the pre-tokenizer regexes
// use \p{L}/\p{N}/\p{M}/\p{P}/\p{S}, (?i:...) groups and (?!\S) look-ahead (formats.md §4.3).
//
// Searching is const and thread-safe (Oniguruma keeps no state in the compiled regex during a
// search). Not here: what a Split does with the matches (pre_tokenizer.h).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace r1forge {

class OnigRegex {
 public:
  // Compiles `pattern`; ConfigError "<where>: invalid regex ...: <Oniguruma's message>".
  OnigRegex(const std::string& pattern, const std::string& where);
  ~OnigRegex();
  OnigRegex(const OnigRegex&) = delete;
  OnigRegex& operator=(const OnigRegex&) = delete;

  // Calls on_match(begin, end) for each match in `text`, left to right, as the onig crate's
  // find_iter does (an empty match right after the previous match is skipped). `text` must be
  // well-formed UTF-8; the regex sees nothing outside it (look-around stops at its ends).
  void for_each_match(std::string_view text,
                      const std::function<void(size_t begin, size_t end)>& on_match) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* regex_ = nullptr;  // regex_t*, kept opaque so oniguruma.h stays out of this header
};

}  // namespace r1forge
