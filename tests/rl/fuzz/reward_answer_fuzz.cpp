// libFuzzer target for the answer code behind the `accuracy` reward: extraction from a
// completion and a gold field, LaTeX normalization, the answer grammar and the equivalence
// test, plus UTF-8 decoding. None of them may throw, crash or trip a sanitizer on any input,
// and an answer must equal itself whenever it parses to something with a defined value.
// Built with clang by tests/rl/reward_tests.cmake; not part of the g++ build or gtest binary.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "r1forge/rl/rewards/answer_normalization.h"
#include "r1forge/rl/rewards/math_answer.h"
#include "r1forge/rl/rewards/math_equivalence.h"
#include "r1forge/rl/rewards/unicode_script.h"

using namespace r1forge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  // "gold|||completion" when the separator is present, else the same text for both.
  const size_t separator = input.find("|||");
  const std::string gold = separator == std::string::npos ? input : input.substr(0, separator);
  const std::string completion =
      separator == std::string::npos ? input : input.substr(separator + 3);

  unicode::decode_utf8(input);
  math::ExtractionOptions plain, latex;
  latex.require_latex = true;
  auto predicted = math::extract_completion_answer(completion, plain);
  math::extract_completion_answer(completion, latex);
  auto gold_answer = math::extract_gold_answer(gold);
  if (gold_answer && predicted) math::answers_equivalent(*gold_answer, *predicted);

  const std::string normalized = math::normalize_answer(gold);
  math::text_form(normalized);
  math::ParseOptions letters;
  letters.letter_runs_are_products = true;
  for (const math::ParseOptions& options : {math::ParseOptions{}, letters}) {
    auto parsed = math::parse_math(normalized, options);
    if (!parsed) continue;
    bool defined = true;
    for (size_t i = 0; i < parsed->items.size(); ++i) {
      double value = math::evaluate_constant(*parsed, i);
      if (!std::isfinite(value)) defined = false;
    }
    // A list, set, union or matrix of defined constants equals itself (sets match each item to
    // some item; unions of constant intervals compare as merged sets of reals).
    if (defined && !math::math_equivalent(*parsed, *parsed)) __builtin_trap();
  }
  return 0;
}
