// LaTeX cleanup of an extracted answer before it is parsed or compared as text: \dfrac and
// \tfrac become \frac, $ and \( \) delimiters, \left/\right, spacing commands and
// \displaystyle go, {,} and the Unicode minus become ASCII, degrees and trailing units
// (\text{ cm}, "apples") are dropped, "percent" becomes %, \text{X} becomes X.
// Not here: finding the answer (math_answer.h), parsing it (math_parse.h).
#pragma once

#include <string>
#include <string_view>

namespace r1forge::math {

// The cleaned answer (see the file comment; docs/rewards.md has the full list).
std::string normalize_answer(std::string_view answer);

// Text comparison form of a normalized answer: \text{} unwrapped, lower case, no whitespace,
// no trailing period, "(b)" read as "b".
std::string text_form(std::string_view normalized);

}  // namespace r1forge::math
