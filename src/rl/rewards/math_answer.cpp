// Answer extraction and the equivalence entry point; see
// include/r1forge/rl/rewards/math_answer.h. Plain string scanning, no regex library (answers
// are short, but completions are long and std::regex is slow and recursion-hungry).
// Not here: LaTeX cleanup (answer_normalization.cpp), the grammar and numeric rules
// (math_parse.cpp, math_equivalence.cpp).
#include "r1forge/rl/rewards/math_answer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <utility>

#include "r1forge/rl/rewards/answer_normalization.h"
#include "r1forge/rl/rewards/latex_text.h"
#include "r1forge/rl/rewards/math_equivalence.h"

namespace r1forge::math {
namespace {

// One \boxed{...} (or \fbox{...}) found by scanning right to left.
struct Box {
  size_t start = 0;  // index of the backslash
  size_t end = 0;    // one past the box (its closing brace, or the content of "\boxed 5")
  std::string content;
};

// The last box that starts before `before`; nullopt if none or unbalanced.
std::optional<Box> box_before(std::string_view text, size_t before) {
  if (before == 0) return std::nullopt;
  size_t boxed = text.rfind("\\boxed", before - 1);
  size_t fbox = text.rfind("\\fbox", before - 1);
  if (boxed != std::string_view::npos && boxed >= before) boxed = std::string_view::npos;
  if (fbox != std::string_view::npos && fbox >= before) fbox = std::string_view::npos;
  if (boxed == std::string_view::npos && fbox == std::string_view::npos) return std::nullopt;
  Box box;
  bool is_boxed =
      fbox == std::string_view::npos || (boxed != std::string_view::npos && boxed > fbox);
  box.start = is_boxed ? boxed : fbox;
  size_t at = box.start + (is_boxed ? 6 : 5);
  while (at < text.size() && is_space(text[at])) ++at;
  if (at >= text.size()) return std::nullopt;
  if (text[at] == '{') {
    size_t close = closing_brace(text, at);
    if (close == std::string_view::npos) return std::nullopt;
    box.content = trim(text.substr(at + 1, close - at - 1));
    box.end = close + 1;
    return box;
  }
  if (at == box.start + (is_boxed ? 6 : 5)) return std::nullopt;  // "\boxedx": another command
  size_t end = at;  // "\boxed 5": up to the next space or $
  while (end < text.size() && !is_space(text[end]) && text[end] != '$') ++end;
  box.content = std::string(text.substr(at, end - at));
  box.end = end;
  return box;
}

// True when the text between two boxes only joins them into a list: "\boxed{1}, \boxed{2}",
// "\boxed{1} and \boxed{2}", "$\boxed{1}$ or $\boxed{2}$". (math-verify also joins boxes
// separated by any text under 10 characters or by a sentence with a comma, so a corrected
// "\boxed{3}, no wait: \boxed{4}" reads {3, 4} there; r1forge takes the last box, 4.)
bool only_list_separator(std::string_view between) {
  std::string words;
  for (char c : between) {
    if (c == '$' || c == ',' || c == ';' || is_space(c)) {
      if (!words.empty() && words.back() != ' ') words += ' ';
    } else {
      words += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  words = trim(words);
  return words.empty() || words == "and" || words == "or";
}

// A LaTeX math environment's content: $...$, $$...$$, \(...\), \[...\].
struct Environment {
  size_t start = 0;
  size_t end = 0;  // one past the closing delimiter
  std::string content;
};

// How far an environment's closing delimiter is looked for. Answers are short; the bound keeps a
// degenerate completion full of unclosed "$$" linear instead of quadratic.
constexpr size_t kMaxEnvironmentLength = 2000;
// How many "answer" words, from the end, answer_phrase looks behind.
constexpr int kMaxAnswerPhrases = 32;

std::optional<Environment> environment_at(std::string_view text, size_t at) {
  auto close_after = [&](size_t from, std::string_view closer, bool single_line) -> size_t {
    const size_t limit = std::min(text.size(), from + kMaxEnvironmentLength);
    for (size_t i = from; i + closer.size() <= limit; ++i) {
      if (single_line && text[i] == '\n') return std::string_view::npos;
      if (text.substr(i, closer.size()) == closer && (i == 0 || text[i - 1] != '\\')) return i;
    }
    return std::string_view::npos;
  };
  std::string_view opener, closer;
  bool single_line = false;
  if (text.substr(at).starts_with("$$")) {
    opener = closer = "$$";
  } else if (text[at] == '$') {
    if (at > 0 && (text[at - 1] == '\\' || is_digit(text[at - 1]))) return std::nullopt;
    opener = closer = "$";
    single_line = true;
  } else if (text.substr(at).starts_with("\\(")) {
    opener = "\\(";
    closer = "\\)";
    single_line = true;
  } else if (text.substr(at).starts_with("\\[")) {
    opener = "\\[";
    closer = "\\]";
  } else {
    return std::nullopt;
  }
  size_t close = close_after(at + opener.size(), closer, single_line);
  if (close == std::string_view::npos || close == at + opener.size()) return std::nullopt;
  Environment env{at, close + closer.size(),
                  std::string(text.substr(at + opener.size(), close - at - opener.size()))};
  // A percent sign right after the environment belongs to the answer: $50$\%.
  size_t after = env.end;
  while (after < text.size() && text[after] == ' ') ++after;
  if (text.substr(after).starts_with("\\%") || text.substr(after).starts_with("%")) {
    env.content += "%";
    env.end = after + (text[after] == '\\' ? 2 : 1);
  }
  return env;
}

// The first environment starting in [from, limit).
std::optional<Environment> first_environment(std::string_view text, size_t from, size_t limit) {
  for (size_t at = from; at < std::min(limit, text.size()); ++at) {
    if (text[at] != '$' && text[at] != '\\') continue;
    if (auto env = environment_at(text, at)) return env;
    if (text.substr(at).starts_with("$$")) ++at;
  }
  return std::nullopt;
}

std::optional<std::string> last_environment(std::string_view text) {
  std::optional<Environment> last;
  size_t at = 0;
  while (auto env = first_environment(text, at, text.size())) {
    last = env;
    at = env->end;
  }
  if (!last) return std::nullopt;
  return last->content;
}

// \text{} or a command that normalization turns into one: its words are words, not variables.
bool has_text_command(std::string_view answer) {
  for (std::string_view command : {"\\text", "\\mathrm", "\\mbox", "\\operatorname"}) {
    if (answer.find(command) != std::string_view::npos) return true;
  }
  return false;
}

// "-?12" or "1.5" / "1,5": the numbers math-verify's bare-fraction pattern accepts.
bool is_simple_number(std::string_view text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  size_t digits = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == digits) return false;
  if (i < text.size() && (text[i] == '.' || text[i] == ',')) {
    size_t decimals = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == decimals) return false;
  }
  return i == text.size();
}

// A bare \frac{12}{34} of plain numbers (math-verify's one LaTeX form without delimiters).
std::optional<std::string> bare_fraction(std::string_view text) {
  for (size_t at = text.rfind("\\frac{"); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : text.rfind("\\frac{", at - 1)) {
    size_t first = closing_brace(text, at + 5);
    if (first == std::string_view::npos || first + 1 >= text.size() || text[first + 1] != '{') {
      continue;
    }
    size_t second = closing_brace(text, first + 1);
    if (second == std::string_view::npos) continue;
    if (!is_simple_number(text.substr(at + 6, first - at - 6)) ||
        !is_simple_number(text.substr(first + 2, second - first - 2))) {
      continue;
    }
    size_t begin = at > 0 && text[at - 1] == '-' ? at - 1 : at;
    return std::string(text.substr(begin, second + 1 - begin));
  }
  return std::nullopt;
}

// A plain number (or a/b) right after "answer is" / "answer:" / "answer =".
std::optional<std::string> plain_number_after(std::string_view text, size_t at) {
  std::string_view rest = text.substr(at);
  size_t i = 0;
  auto skip = [&] {
    while (i < rest.size() && (is_space(rest[i]) || rest[i] == '*')) ++i;
  };
  skip();
  if (rest.substr(i).starts_with("is")) i += 2;
  skip();
  if (i < rest.size() && (rest[i] == ':' || rest[i] == '=')) ++i;
  skip();
  size_t begin = i;
  if (i < rest.size() && (rest[i] == '-' || rest[i] == '$')) ++i;
  size_t digits = i;
  while (i < rest.size() &&
         (is_digit(rest[i]) || rest[i] == ',' || rest[i] == '.' || rest[i] == '/')) {
    ++i;
  }
  while (i > digits && (rest[i - 1] == ',' || rest[i - 1] == '.' || rest[i - 1] == '/')) --i;
  if (i == digits) return std::nullopt;
  if (i < rest.size() && rest[i] == '%') ++i;
  return std::string(rest.substr(begin, i - begin));
}

std::optional<std::string> answer_phrase(std::string_view text, bool allow_plain) {
  const std::string folded = lower(text);
  size_t at = folded.rfind("answer");
  for (int seen = 0; at != std::string::npos && seen < kMaxAnswerPhrases; ++seen) {
    size_t after = at + 6;
    if (auto env = first_environment(text, after, after + 51)) return env->content;
    if (allow_plain) {
      if (auto number = plain_number_after(text, after)) return number;
    }
    if (at == 0) break;
    at = folded.rfind("answer", at - 1);
  }
  return std::nullopt;
}

// The answer inside <answer>...</answer>.
std::optional<std::string> answer_in_tag(std::string_view content, bool require_latex) {
  if (auto boxed = last_boxed(content)) return boxed;
  if (auto env = last_environment(content)) return env;
  if (auto phrase = answer_phrase(content, !require_latex)) return phrase;
  if (require_latex) return bare_fraction(content);
  std::string whole = trim(content);
  if (whole.empty()) return std::nullopt;
  return whole;
}

// A JSON float as the answer grammar reads it: its shortest round-trip digits with the decimal
// point moved instead of an exponent (1e+20 would parse as 1 * e + 20).
std::string plain_decimal(double value) {
  const std::string text = nlohmann::json(value).dump();  // e.g. "2.5e-07", "1e+20", "0.5"
  const size_t e = text.find_first_of("eE");
  if (e == std::string::npos) return text;
  std::string digits;
  long point = -1;  // digits before the decimal point
  for (char c : text.substr(0, e)) {
    if (c == '.') point = static_cast<long>(digits.size());
    if (is_digit(c)) digits.push_back(c);
  }
  if (point < 0) point = static_cast<long>(digits.size());
  point += std::strtol(text.c_str() + e + 1, nullptr, 10);
  std::string out;
  if (text[0] == '-') out.push_back('-');
  if (point <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-point), '0');
    out.append(digits);
  } else if (point >= static_cast<long>(digits.size())) {
    out.append(digits);
    out.append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out.append(digits, 0, static_cast<size_t>(point));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(point), std::string::npos);
  }
  return out;
}

}  // namespace

std::optional<AnswerSource> parse_answer_source(std::string_view name) {
  if (name == "answer_tag") return AnswerSource::ANSWER_TAG;
  if (name == "boxed") return AnswerSource::BOXED;
  if (name == "gsm8k") return AnswerSource::GSM8K;
  if (name == "answer_phrase") return AnswerSource::ANSWER_PHRASE;
  return std::nullopt;
}

std::optional<std::string> last_boxed(std::string_view text) {
  std::optional<Box> last = box_before(text, text.size());
  if (!last) return std::nullopt;
  std::vector<std::string> parts = {last->content};
  Box current = *last;
  while (auto previous = box_before(text, current.start)) {
    if (previous->end > current.start) break;
    std::string_view between = text.substr(previous->end, current.start - previous->end);
    if (!only_list_separator(between)) break;
    if (previous->content != parts.back()) parts.push_back(previous->content);
    current = *previous;
  }
  std::string joined;
  for (auto part = parts.rbegin(); part != parts.rend(); ++part) {
    if (!joined.empty()) joined += ",";
    joined += *part;
  }
  return joined;
}

std::optional<std::string> last_answer_tag(std::string_view text) {
  size_t close = text.rfind("</answer>");
  if (close == std::string_view::npos) return std::nullopt;
  size_t open = text.rfind("<answer>", close);
  if (open == std::string_view::npos) return std::nullopt;
  return std::string(text.substr(open + 8, close - open - 8));
}

std::optional<std::string> gsm8k_answer(std::string_view text) {
  size_t at = text.rfind("####");
  if (at == std::string_view::npos) return std::nullopt;
  size_t end = text.find('\n', at);
  std::string answer =
      trim(text.substr(at + 4, end == std::string_view::npos ? end : end - at - 4));
  if (answer.empty()) return std::nullopt;
  return answer;
}

std::optional<std::string> extract_completion_answer(std::string_view completion,
                                                     const ExtractionOptions& options) {
  for (AnswerSource source : options.sources) {
    std::optional<std::string> found;
    switch (source) {
      case AnswerSource::ANSWER_TAG:
        if (auto content = last_answer_tag(completion)) {
          found = answer_in_tag(*content, options.require_latex);
        }
        break;
      case AnswerSource::BOXED: found = last_boxed(completion); break;
      case AnswerSource::GSM8K:
        if (!options.require_latex) found = gsm8k_answer(completion);
        break;
      case AnswerSource::ANSWER_PHRASE:
        found = answer_phrase(completion, !options.require_latex);
        break;
    }
    if (found && !trim(*found).empty()) return found;
  }
  return std::nullopt;
}

std::optional<std::string> extract_gold_answer(const nlohmann::json& gold) {
  if (gold.is_number_integer() || gold.is_number_unsigned()) return gold.dump();
  if (gold.is_number_float()) return plain_decimal(gold.get<double>());
  if (!gold.is_string()) return std::nullopt;
  const std::string& text = gold.get_ref<const std::string&>();
  if (trim(text).empty()) return std::nullopt;
  if (auto answer = gsm8k_answer(text)) return answer;
  if (auto boxed = last_boxed(text)) return boxed;
  std::string normalized = normalize_answer(text);
  if (!parse_math(normalized) && text.find('$') != std::string::npos) {
    if (auto env = last_environment(text)) return env;
  }
  return trim(text);
}

bool gold_is_usable(std::string_view gold) {
  std::string normalized = normalize_answer(gold);
  return !normalized.empty() && braces_balanced(normalized);
}

bool answers_equivalent(std::string_view gold, std::string_view predicted) {
  std::string gold_text = normalize_answer(gold);
  std::string pred_text = normalize_answer(predicted);
  if (gold_text.empty() || pred_text.empty()) return false;
  std::optional<ParsedMath> gold_math = parse_math(gold_text);
  std::optional<ParsedMath> pred_math = parse_math(pred_text);
  if (gold_math && pred_math) return math_equivalent(*gold_math, *pred_math);
  std::string gold_form = text_form(gold_text);
  if (!gold_form.empty() && gold_form == text_form(pred_text)) return true;
  // Letters outside \text are variables, as sympy reads them: abc equals cba and a \cdot b c.
  if (has_text_command(gold) || has_text_command(predicted)) return false;
  const ParseOptions letters{.letter_runs_are_products = true};
  if (!gold_math) gold_math = parse_math(gold_text, letters);
  if (!pred_math) pred_math = parse_math(pred_text, letters);
  return gold_math && pred_math && math_equivalent(*gold_math, *pred_math);
}

}  // namespace r1forge::math
