// Oniguruma wrapper; see include/r1forge/tokenizer/onig_regex.h.
#include "r1forge/tokenizer/onig_regex.h"

#include <oniguruma.h>

#include <mutex>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

namespace {

void initialize_oniguruma_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

const OnigUChar* bytes_of(std::string_view text) {
  return reinterpret_cast<const OnigUChar*>(text.data());
}

// An OnigRegion for one for_each_match call, freed on any exit.
struct RegionGuard {
  OnigRegion* region = onig_region_new();
  ~RegionGuard() { onig_region_free(region, 1); }
};

}  // namespace

OnigRegex::OnigRegex(const std::string& pattern, const std::string& where) : pattern_(pattern) {
  initialize_oniguruma_once();
  R1F_CHECK_CONFIG(!first_invalid_utf8(pattern), where, ": the regex is not valid UTF-8");
  regex_t* regex = nullptr;
  OnigErrorInfo info;
  int status = onig_new(&regex, bytes_of(pattern), bytes_of(pattern) + pattern.size(),
                        ONIG_OPTION_NONE, ONIG_ENCODING_UTF8, ONIG_SYNTAX_DEFAULT, &info);
  if (status != ONIG_NORMAL) {
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, status, &info);
    R1F_THROW(ConfigError, where, ": invalid regex '", pattern,
              "': ", reinterpret_cast<const char*>(message));
  }
  regex_ = regex;
}

OnigRegex::~OnigRegex() {
  if (regex_ != nullptr) onig_free(static_cast<regex_t*>(regex_));
}

void OnigRegex::for_each_match(std::string_view text,
                               const std::function<void(size_t, size_t)>& on_match) const {
  auto* regex = static_cast<regex_t*>(regex_);
  const OnigUChar* begin = bytes_of(text);
  const OnigUChar* end = begin + text.size();
  RegionGuard guard;
  R1F_CHECK(guard.region != nullptr, "Oniguruma could not allocate a match region");
  size_t search_from = 0;
  bool have_previous = false;
  size_t previous_end = 0;
  while (search_from <= text.size()) {
    onig_region_clear(guard.region);
    int found =
        onig_search(regex, begin, end, begin + search_from, end, guard.region, ONIG_OPTION_NONE);
    if (found == ONIG_MISMATCH) return;
    if (found < 0) {
      // Oniguruma gives up on pathological backtracking (its retry limit); HF's onig crate
      // panics there. A text problem, not an r1forge bug.
      OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
      onig_error_code_to_str(message, found);
      R1F_THROW(DataError, "the regex '", pattern_, "' failed on a text of ", text.size(),
                " bytes: ", reinterpret_cast<const char*>(message));
    }
    auto match_begin = static_cast<size_t>(guard.region->beg[0]);
    auto match_end = static_cast<size_t>(guard.region->end[0]);
    if (match_begin == match_end && have_previous && previous_end == match_end) {
      // The onig crate's rule against looping on an empty match: step one character on.
      if (search_from >= text.size()) return;
      size_t step = utf8_sequence_length(text, search_from);
      search_from += step == 0 ? 1 : step;
      continue;
    }
    search_from = match_end;
    have_previous = true;
    previous_end = match_end;
    on_match(match_begin, match_end);
  }
}

}  // namespace r1forge
