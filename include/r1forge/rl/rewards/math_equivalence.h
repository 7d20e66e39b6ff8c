// Whether two parsed answers are equal the way math-verify (HF math_verify.verify, as TRL's
// accuracy_reward calls it) judges them, without a computer-algebra system: constants compare
// exactly as 128-bit rationals while they fit, a decimal literal compares rounded to 6 places,
// 50% equals both 0.5 and 50, expressions with variables compare by evaluating both sides at
// fixed sample points, equations up to a constant factor, tuples in order, sets in any order (a
// scalar is a one-element set), unions of intervals as sets of reals, matrices entry by entry.
// Rules: docs/rewards.md.
// Not here: the grammar (math_parse.h), extraction and text answers (math_answer.h).
#pragma once

#include <cstddef>

#include "r1forge/rl/rewards/math_parse.h"

namespace r1forge::math {

// math-verify's verdict on (gold, prediction), both parsed: see the rules in docs/rewards.md.
bool math_equivalent(const ParsedMath& gold, const ParsedMath& predicted);

// Numeric value of a constant expression (no variables); NaN if undefined (division by zero,
// sqrt of a negative) or not constant. For tests and diagnostics.
double evaluate_constant(const ParsedMath& math, size_t item = 0);

}  // namespace r1forge::math
