// The comparisons behind math_equivalent (math_equivalence.h), private to src/rl/rewards and
// shared by its two files: math_equivalence.cpp (items, lists, sets, matrices) and
// math_set_union.cpp (unions of intervals and sets, compared as sets of real numbers).
// Not here: evaluation (math_evaluate.h), parsing (math_parse.h).
#pragma once

#include <vector>

#include "r1forge/rl/rewards/math_parse.h"

namespace r1forge::math {

// A list-shaped part of an answer: the whole answer, or one part of a union.
struct ListView {
  const ParsedMath* math = nullptr;
  std::vector<int> items;
  bool is_list = false;  // false: one scalar item
  char open = 0;
  char close = 0;
};

ListView whole_view(const ParsedMath& math);
std::vector<ListView> union_part_views(const ParsedMath& math);

// Two items (expressions or equations), as math-verify compares them.
bool items_equal(const ParsedMath& gold, int g, const ParsedMath& pred, int p);
// Two lists, tuples, intervals, sets or scalars (not matrices, not unions).
bool lists_equal(const ListView& gold, const ListView& pred);
// Either side a union: equal as sets of real numbers, or part by part.
bool unions_equal(const ParsedMath& gold, const ParsedMath& pred);

}  // namespace r1forge::math
