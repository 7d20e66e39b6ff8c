// LaTeX cleanup of answers; see include/r1forge/rl/rewards/answer_normalization.h.
#include "r1forge/rl/rewards/answer_normalization.h"

#include <array>
#include <utility>

#include "r1forge/rl/rewards/latex_text.h"

namespace r1forge::math {
namespace {

// Replaces every `from` for which keep_going(end of match) holds, building a new string (in-place
// std::string::replace trips a GCC 12 -Wstringop-overflow false positive).
template <class Accept>
void replace_where(std::string& text, std::string_view from, std::string_view to, Accept accept) {
  if (from.empty()) return;
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
    if (!accept(at + from.size())) {
      at += from.size();
      continue;
    }
    out.append(text, copied, at - copied);
    out.append(to);
    at += from.size();
    copied = at;
  }
  out.append(text, copied, std::string::npos);
  text = std::move(out);
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  replace_where(text, from, to, [](size_t) { return true; });
}

// Replaces "\name" only where the command is not a prefix of a longer one (\left vs \leftarrow).
void replace_command(std::string& text, std::string_view name, std::string_view to) {
  std::string command = "\\";
  command.append(name);
  const bool letters = is_letter(command.back());
  replace_where(text, command, to, [&](size_t end) {
    return !(letters && end < text.size() && is_letter(text[end]));
  });
}

// Units dropped after a number (math-verify's `units=True` list, abridged, plus dollars).
constexpr std::string_view kUnitWords[] = {
    "cm",    "mm",   "km",      "m",     "kg",     "g",       "mg",     "lb",   "lbs",
    "oz",    "ft",   "feet",    "foot",  "inch",   "inches",  "yard",   "mile", "mph",
    "kmh",   "kmph", "hour",    "hr",    "minute", "min",     "second", "sec",  "s",
    "h",     "day",  "week",    "month", "year",   "yr",      "degree", "deg",  "dollar",
    "cent",  "unit", "meter",   "metre", "liter",  "litre",   "gallon", "sq",   "square",
    "cubic", "acre", "hectare", "mile",  "apple",  "student", "people"};

bool strip_unit_word(std::string& text) {
  for (std::string_view unit : kUnitWords) {
    for (std::string_view suffix : {"", "s", "es"}) {
      std::string word = std::string(unit) + std::string(suffix);
      if (text.size() <= word.size() || !text.ends_with(word)) continue;
      size_t at = text.size() - word.size();
      std::string head = text.substr(0, at);
      size_t last = head.find_last_not_of(' ');
      if (last == std::string::npos) continue;
      char before = head[last];
      bool spaced = last + 1 < head.size();
      if (!(is_digit(before) || before == '}' || (spaced && before != '\\'))) continue;
      if (!spaced && is_letter(before)) continue;
      text = trim(head);
      return true;
    }
  }
  return false;
}

// Drops a trailing "\text{...}" (optionally squared) after something else: 10\text{ cm}^2.
bool strip_trailing_text_unit(std::string& text) {
  size_t at = text.rfind("\\text{");
  if (at == std::string::npos || at == 0) return false;
  size_t close = closing_brace(text, at + 5);
  if (close == std::string::npos) return false;
  std::string_view tail = std::string_view(text).substr(close + 1);
  if (!(tail.empty() || tail == "^2" || tail == "^3" || tail == "^{2}" || tail == "^{3}")) {
    return false;
  }
  std::string head = trim(text.substr(0, at));
  if (head.empty()) return false;
  text = head;
  return true;
}

// \text{X} -> X everywhere.
void unwrap_text(std::string& text) {
  size_t at;
  while ((at = text.find("\\text{")) != std::string::npos) {
    size_t close = closing_brace(text, at + 5);
    if (close == std::string::npos) return;
    text = text.substr(0, at) + text.substr(at + 6, close - at - 6) + text.substr(close + 1);
  }
}

// "50 percent" / "50 pct" / "50 percentage" -> "50%".
void replace_percent_words(std::string& text) {
  for (std::string_view word : {"percentage", "percent", "pct"}) {
    const std::string folded = lower(text);
    std::string out;
    size_t copied = 0;
    for (size_t at = folded.find(word); at != std::string::npos; at = folded.find(word, at + 1)) {
      bool left = at == 0 || !is_letter(text[at - 1]);
      bool right = at + word.size() >= text.size() || !is_letter(text[at + word.size()]);
      if (!left || !right || at < copied) continue;
      size_t begin = at;
      while (begin > copied && text[begin - 1] == ' ') --begin;
      out.append(text, copied, begin - copied);
      out.push_back('%');
      copied = at + word.size();
    }
    out.append(text, copied, std::string::npos);
    text = std::move(out);
  }
}

// "42." and "42," end a sentence, not a number.
void strip_trailing_punctuation(std::string& text) {
  text = trim(text);
  while (!text.empty() && (text.back() == '.' || text.back() == ',')) {
    text.pop_back();
    text = trim(text);
  }
}

}  // namespace

std::string normalize_answer(std::string_view answer) {
  std::string text(answer);
  // Unicode forms of ASCII math.
  static const std::array<std::pair<std::string_view, std::string_view>, 13> kUnicode = {{
      {"\u2212", "-"},
      {"\u00d7", "\\times "},
      {"\u00f7", "\\div "},
      {"\u00b7", "\\cdot "},
      {"\u22c5", "\\cdot "},
      {"\u03c0", "\\pi "},
      {"\u221e", "\\infty "},
      {"\u221a", "\\sqrt"},
      {"\u00a0", " "},
      {"\u2009", " "},
      {"\u202f", " "},
      {"\uff05", "%"},
      {"\u00b0", "^\\circ "},
  }};
  for (const auto& [from, to] : kUnicode) replace_all(text, from, to);
  replace_all(text, "\\$", "");
  replace_all(text, "$", "");
  for (std::string_view delimiter : {"\\(", "\\)", "\\[", "\\]"}) replace_all(text, delimiter, "");
  replace_command(text, "displaystyle", "");
  for (std::string_view sizing : {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"}) {
    replace_command(text, sizing, "");
  }
  // A matrix row break \\ becomes \cr before "\ " (a spacing command) can eat its second half.
  replace_all(text, "\\\\", " \\cr ");
  replace_all(text, "\\!", "");
  for (std::string_view space : {"\\,", "\\;", "\\:", "\\ ", "~"}) replace_all(text, space, " ");
  replace_command(text, "qquad", " ");
  replace_command(text, "quad", " ");
  for (std::string_view frac : {"dfrac", "tfrac", "cfrac"}) replace_command(text, frac, "\\frac");
  for (std::string_view binom : {"dbinom", "tbinom"}) replace_command(text, binom, "\\binom");
  for (std::string_view style : {"mathrm", "mathbf", "mathit", "textbf", "textit", "textrm",
                                 "textnormal", "mbox", "operatorname"}) {
    replace_command(text, style, "\\text");
  }
  replace_all(text, "{,}", ",");
  // Every degree sign as ^\circ: the grammar drops it, except in a trig function's argument.
  replace_all(text, "^{\\circ}", "^\\circ ");
  replace_command(text, "degree", "^\\circ ");
  replace_where(text, "\\circ", "", [&](size_t end) {
    const bool longer_command = end < text.size() && is_letter(text[end]);
    return !longer_command && (end < 6 || text[end - 6] != '^');
  });
  replace_all(text, "\\%", "%");
  replace_all(text, "\\text{percent}", "%");
  replace_percent_words(text);
  replace_all(text, "\n", " ");
  replace_all(text, "\t", " ");
  strip_trailing_punctuation(text);
  for (int round = 0; round < 2; ++round) {
    bool changed = strip_trailing_text_unit(text);
    changed = strip_unit_word(text) || changed;
    if (!changed) break;
  }
  unwrap_text(text);
  strip_trailing_punctuation(text);
  return text;
}

std::string text_form(std::string_view normalized) {
  std::string text(normalized);
  unwrap_text(text);
  replace_all(text, "^\\circ", "");
  std::string out;
  for (char c : text) {
    if (!is_space(c)) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  while (!out.empty() && out.back() == '.') out.pop_back();
  // "(b)" and "b" name the same choice.
  if (out.size() >= 3 && out.front() == '(' && out.back() == ')' &&
      out.find_first_of("(),", 1) == out.size() - 1) {
    out = out.substr(1, out.size() - 2);
  }
  return out;
}

}  // namespace r1forge::math
