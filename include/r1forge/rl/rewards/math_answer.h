// Final answers of math problems: where the answer sits in a completion (<answer> tags, the last
// \boxed{}, GSM8K's "#### n", an "answer is $x$" phrase) or in a gold solution (GSM8K, MATH or a
// bare answer), and whether two answers are equivalent: as math when both parse
// (math_parse.h, math_equivalence.h), else as normalized text. Shared by the `accuracy` and
// `length` rewards.
// Not here: the reward classes (accuracy.h, length.h), LaTeX cleanup (answer_normalization.h).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge::math {

// Where `extract_completion_answer` looks, tried in the order given; the first that finds
// something wins (registry option `accuracy.sources`).
enum class AnswerSource {
  ANSWER_TAG,     // "answer_tag": the last <answer>...</answer>; inside it a \boxed{} or $...$
                  // if there is one, else the whole content
  BOXED,          // "boxed": the last balanced \boxed{...} or \fbox{...}
  GSM8K,          // "gsm8k": the text after the last "####" on its line
  ANSWER_PHRASE,  // "answer_phrase": "... answer is $x$" / "answer: $x$" (LaTeX within 50
                  // characters of the word), or a plain number there
};

struct ExtractionOptions {
  std::vector<AnswerSource> sources = {AnswerSource::ANSWER_TAG, AnswerSource::BOXED,
                                       AnswerSource::GSM8K, AnswerSource::ANSWER_PHRASE};
  // TRL parity: count an answer only when written as LaTeX (\boxed{}, $...$, \(...\), \[...\]
  // or a bare \frac{a}{b}), as math-verify's LatexExtractionConfig does; "<answer>42</answer>"
  // and "#### 42" then find nothing.
  bool require_latex = false;
};

// Parses "answer_tag, boxed, ..." names; nullopt (with the bad name in *bad) for an unknown one.
std::optional<AnswerSource> parse_answer_source(std::string_view name);

// The content of the last balanced \boxed{...} / \fbox{...} (also "\boxed 5"), with the boxes
// before it that only a comma, "and" or "or" separate joined as a list ("\boxed{1}, \boxed{2}"
// -> "1,2"). Boxes separated by any other text are earlier attempts: only the last counts.
std::optional<std::string> last_boxed(std::string_view text);
// The content of the last complete <answer>...</answer>.
std::optional<std::string> last_answer_tag(std::string_view text);
// The rest of the line after the last "####".
std::optional<std::string> gsm8k_answer(std::string_view text);

// The answer text a completion gives, before normalization; nullopt when it gives none.
std::optional<std::string> extract_completion_answer(std::string_view completion,
                                                     const ExtractionOptions& options);
// The answer in a gold field: a JSON number, or a string that is a GSM8K solution ("... #### 72"),
// a MATH solution (its last \boxed{}), or the bare answer. nullopt when missing or empty.
std::optional<std::string> extract_gold_answer(const nlohmann::json& gold);

// Whether the predicted answer is equivalent to the gold one: both normalized; math when both
// parse (math_equivalence.h), else their text forms must be equal (and non-empty), else, when
// neither has \text, math again with runs of letters read as products (abc = cba, as sympy).
bool answers_equivalent(std::string_view gold, std::string_view predicted);

// A gold answer that can be compared: non-empty after normalization and balanced braces.
bool gold_is_usable(std::string_view gold);

}  // namespace r1forge::math
