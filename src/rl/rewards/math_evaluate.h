// Evaluation of a parsed answer's expression tree at a point (values for its variables), private
// to src/rl/rewards: exact 128-bit rationals while the arithmetic fits, long double otherwise;
// NaN where the expression is undefined (1/0, sqrt(-1), log of 0, an equation).
// Not here: what counts as equal (math_equivalence.cpp), the grammar (math_parse.h).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "r1forge/rl/rewards/math_parse.h"

namespace r1forge::math {

using i128 = __int128;

struct Exact {
  i128 num = 0;
  i128 den = 1;  // > 0, gcd(num, den) == 1
};

struct Value {
  long double approx = 0;
  std::optional<Exact> exact;  // set while the value is a rational that fits
};

// Values of the variables, by name.
using Assignment = std::vector<std::pair<std::string, long double>>;

Value evaluate(const ParsedMath& math, int index, const Assignment& point);

// The variable names in the tree at `index`.
void collect_symbols(const ParsedMath& math, int index, std::set<std::string>* out);

// |a - b| <= relative * max(1, |a|, |b|); infinities only equal themselves.
bool approx_equal(long double a, long double b, long double relative);

}  // namespace r1forge::math
