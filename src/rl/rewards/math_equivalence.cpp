// Equivalence of parsed answers; see include/r1forge/rl/rewards/math_equivalence.h. Items
// compare as math-verify's sympy_expr_eq does (constants with its rounding and percent rules,
// expressions with variables by their values at fixed sample points, equations up to a constant
// factor); lists as tuples, intervals or sets; matrices entry by entry. Unions are
// math_set_union.cpp's.
#include "r1forge/rl/rewards/math_equivalence.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "math_compare.h"
#include "math_evaluate.h"

namespace r1forge::math {
namespace {

// ---- constants ----------------------------------------------------------------------------------

// How math-verify sees a constant: sympy keeps literals (5, 0.5, \frac{1}{2}, 3\frac{1}{2},
// 50%) as atomic Numbers and everything else (2^{10}, 0.1+0.2, \sqrt{2}) as expressions.
struct Atom {
  bool atomic = false;
  bool is_float = false;    // a decimal literal (sympy Float)
  bool is_integer = false;  // an integer literal, or a fraction that reduces to one
  bool percent = false;
  int inner = -1;  // the node under the percent sign (the node itself without one)
};

bool is_integer_literal(const ParsedMath& math, int index) {
  const Node& node = math.nodes[index];
  if (node.kind == NodeKind::NEGATE) return is_integer_literal(math, node.children[0]);
  return node.kind == NodeKind::NUMBER && node.text.find('.') == std::string::npos;
}

Atom classify(const ParsedMath& math, int index) {
  Atom atom;
  if (math.nodes[index].kind == NodeKind::PERCENT) {
    atom.percent = true;
    index = math.nodes[index].children[0];
  }
  atom.inner = index;
  const Node* node = &math.nodes[index];
  if (node->kind == NodeKind::NEGATE) node = &math.nodes[node->children[0]];
  if (node->kind == NodeKind::NUMBER) {
    atom.atomic = true;
    atom.is_float = node->text.find('.') != std::string::npos;
    atom.is_integer = !atom.is_float;
  } else if ((node->kind == NodeKind::DIV || node->kind == NodeKind::ADD) &&
             is_integer_literal(math, node->children[0]) &&
             (node->kind == NodeKind::DIV ? is_integer_literal(math, node->children[1])
                                          : math.nodes[node->children[1]].kind == NodeKind::DIV)) {
    // \frac{a}{b} and the mixed number 3\frac{1}{2} evaluate to a sympy Rational.
    atom.atomic = true;
    Value value = evaluate(math, index, {});
    atom.is_integer = value.exact && value.exact->den == 1;
  }
  return atom;
}

bool values_equal(const Value& a, const Value& b) {
  if (std::isnan(a.approx) || std::isnan(b.approx)) return false;
  if (a.exact && b.exact) return a.exact->num == b.exact->num && a.exact->den == b.exact->den;
  return approx_equal(a.approx, b.approx, 1e-12L);
}

// sympy's Float.round(6) equality, done in decimal: both rounded to 6 places.
bool rounded_equal(const Value& a, const Value& b) {
  if (std::isnan(a.approx) || std::isnan(b.approx)) return false;
  if (std::fabs(a.approx) < 1e12L && std::fabs(b.approx) < 1e12L) {
    return std::llround(a.approx * 1e6L) == std::llround(b.approx * 1e6L);
  }
  return approx_equal(a.approx, b.approx, 1e-15L);
}

// Integer literals too long for 128 bits compare by their digits.
std::string integer_digits(const ParsedMath& math, int index) {
  const Node& node = math.nodes[index];
  if (node.kind == NodeKind::NEGATE) {
    std::string digits = "-";
    digits.append(integer_digits(math, node.children[0]));
    return digits;
  }
  if (node.kind != NodeKind::NUMBER) return "";
  size_t first = node.text.find_first_not_of('0');
  return first == std::string::npos ? "0" : node.text.substr(first);
}

bool constants_equal(const ParsedMath& gold, int g, const ParsedMath& pred, int p) {
  Value gold_value = evaluate(gold, g, {});
  Value pred_value = evaluate(pred, p, {});
  Atom a = classify(gold, g);
  Atom b = classify(pred, p);
  if (!a.atomic && !b.atomic) return values_equal(gold_value, pred_value);
  if (a.is_float || b.is_float) return rounded_equal(gold_value, pred_value);
  if (a.is_integer && b.is_integer) {
    // math-verify: 9% equals 9 (the percent sign is dropped when both sides are integers).
    Value inner_gold = evaluate(gold, a.inner, {});
    Value inner_pred = evaluate(pred, b.inner, {});
    if (inner_gold.exact && inner_pred.exact) return values_equal(inner_gold, inner_pred);
    std::string left = integer_digits(gold, a.inner), right = integer_digits(pred, b.inner);
    if (!left.empty() && !right.empty()) return left == right;
    return values_equal(inner_gold, inner_pred);
  }
  return values_equal(gold_value, pred_value);
}

// ---- expressions with variables and equations -------------------------------------------------

// Fixed, irregular sample points: equal functions agree at all of them, different ones
// (almost surely) do not.
constexpr std::array<long double, 12> kSamplePoints = {0.5377L, 1.8339L,  -2.2588L, 0.8622L,
                                                       0.3188L, -1.3077L, -0.4336L, 0.3426L,
                                                       3.5784L, 2.7694L,  -1.3499L, 3.0349L};
constexpr int kPointCount = 4;

// The k-th sample point for the variables of both trees (a variable one side lacks may cancel
// out: \sin^2 x + \cos^2 x equals 1).
Assignment sample_point(const std::set<std::string>& symbols, int k) {
  Assignment point;
  int i = 0;
  for (const std::string& name : symbols) {
    point.emplace_back(name, kSamplePoints[(3 * i + k) % kSamplePoints.size()] + 0.25L * i);
    ++i;
  }
  return point;
}

std::set<std::string> symbols_of(const ParsedMath& gold, int g, const ParsedMath& pred, int p) {
  std::set<std::string> symbols;
  collect_symbols(gold, g, &symbols);
  collect_symbols(pred, p, &symbols);
  return symbols;
}

bool scalars_equal(const ParsedMath& gold, int g, const ParsedMath& pred, int p) {
  const std::set<std::string> symbols = symbols_of(gold, g, pred, p);
  if (symbols.empty()) return constants_equal(gold, g, pred, p);
  int compared = 0;
  for (int k = 0; k < kPointCount; ++k) {
    const Assignment point = sample_point(symbols, k);
    Value a = evaluate(gold, g, point), b = evaluate(pred, p, point);
    bool a_finite = std::isfinite(a.approx), b_finite = std::isfinite(b.approx);
    if (a_finite != b_finite) return false;
    if (!a_finite) continue;
    if (!approx_equal(a.approx, b.approx, 1e-9L)) return false;
    ++compared;
  }
  return compared > 0;
}

// lhs - rhs of an equation at a point, and the scale of its sides (for "is it zero").
std::pair<long double, long double> imbalance(const ParsedMath& math,
                                              int equation,
                                              const Assignment& point) {
  const Node& node = math.nodes[equation];
  const long double lhs = evaluate(math, node.children[0], point).approx;
  const long double rhs = evaluate(math, node.children[1], point).approx;
  return {lhs - rhs, std::max({1.0L, std::fabs(lhs), std::fabs(rhs)})};
}

// Two equations are equal when one's lhs - rhs is a constant non-zero multiple of the other's
// (same solutions: math-verify solves both; x^2 + y^2 = 25 equals 2x^2 + 2y^2 = 50 and
// 25 = x^2 + y^2, not x^2 - y^2 = 25; x = 1 is not y = 1).
bool equations_equal(const ParsedMath& gold, int g, const ParsedMath& pred, int p) {
  const std::set<std::string> symbols = symbols_of(gold, g, pred, p);
  long double ratio = std::numeric_limits<long double>::quiet_NaN();
  int compared = 0;
  for (int k = 0; k < kPointCount; ++k) {
    const Assignment point = sample_point(symbols, k);
    auto [a, a_scale] = imbalance(gold, g, point);
    auto [b, b_scale] = imbalance(pred, p, point);
    if (std::isfinite(a) != std::isfinite(b)) return false;
    if (!std::isfinite(a)) continue;
    const bool a_zero = std::fabs(a) <= 1e-12L * a_scale;
    const bool b_zero = std::fabs(b) <= 1e-12L * b_scale;
    ++compared;
    if (a_zero || b_zero) {
      if (a_zero != b_zero) return false;
      continue;
    }
    if (std::isnan(ratio)) {
      ratio = a / b;
    } else if (!approx_equal(a / b, ratio, 1e-9L)) {
      return false;
    }
  }
  return compared > 0;
}

// math-verify's is_expr_of_only_symbols: x, x + y, f(x), a/s, f^{-1} -- no numbers.
bool only_symbols(const ParsedMath& math, int index) {
  const Node& node = math.nodes[index];
  switch (node.kind) {
    case NodeKind::SYMBOL: return true;
    case NodeKind::POW: {  // s^{-1}
      const Node& exponent = math.nodes[node.children[1]];
      const bool minus_one = exponent.kind == NodeKind::NEGATE &&
                             math.nodes[exponent.children[0]].kind == NodeKind::NUMBER &&
                             math.nodes[exponent.children[0]].text == "1";
      return minus_one && only_symbols(math, node.children[0]);
    }
    case NodeKind::ADD:
    case NodeKind::SUB:
    case NodeKind::MUL:
    case NodeKind::DIV:
    case NodeKind::FUNCTION:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](int child) { return only_symbols(math, child); });
    default: return false;
  }
}

bool is_equation(const ParsedMath& math, int index) {
  return math.nodes[index].kind == NodeKind::EQUATION;
}
int rhs_of(const ParsedMath& math, int equation) {
  return math.nodes[equation].children[1];
}

// ---- lists ------------------------------------------------------------------------------------

// Each item of `from` equals some item of `to`.
bool included(const ListView& from, const ListView& to, bool from_is_gold) {
  for (int a : from.items) {
    bool found = false;
    for (int b : to.items) {
      found = from_is_gold ? items_equal(*from.math, a, *to.math, b)
                           : items_equal(*to.math, b, *from.math, a);
      if (found) break;
    }
    if (!found) return false;
  }
  return true;
}

bool is_set_like(const ListView& view) {
  return !view.is_list || view.open == '{' || view.open == 0;
}

bool matrices_equal(const ParsedMath& gold, const ParsedMath& pred) {
  if (gold.open != 'M' || pred.open != 'M' || gold.columns != pred.columns ||
      gold.items.size() != pred.items.size()) {
    return false;
  }
  for (size_t i = 0; i < gold.items.size(); ++i) {
    if (!items_equal(gold, gold.items[i], pred, pred.items[i])) return false;
  }
  return true;
}

}  // namespace

bool items_equal(const ParsedMath& gold, int g, const ParsedMath& pred, int p) {
  // math-verify: an equation predicted for a value answers with its right-hand side
  // ("x = 5" for 5); an assignment gold ("x = 5") compares its value with a value.
  const bool gold_equation = is_equation(gold, g), pred_equation = is_equation(pred, p);
  if (pred_equation && !gold_equation) {
    p = rhs_of(pred, p);
  } else if (gold_equation && !pred_equation && only_symbols(gold, gold.nodes[g].children[0])) {
    g = rhs_of(gold, g);
  }
  if (is_equation(gold, g) && is_equation(pred, p)) return equations_equal(gold, g, pred, p);
  if (is_equation(gold, g) || is_equation(pred, p)) return false;
  return scalars_equal(gold, g, pred, p);
}

bool lists_equal(const ListView& gold, const ListView& pred) {
  if (!gold.is_list && !pred.is_list) {
    return items_equal(*gold.math, gold.items[0], *pred.math, pred.items[0]);
  }
  const bool gold_tuple = gold.is_list && (gold.open == '(' || gold.open == '[');
  const bool pred_tuple = pred.is_list && (pred.open == '(' || pred.open == '[');
  if (gold_tuple && pred_tuple && (gold.open != pred.open || gold.close != pred.close)) {
    return false;  // (0, 1] is not [0, 1]
  }
  // A closed or half-open interval is no tuple and no set: [1, 2] != {1, 2}.
  auto interval_like = [](const ListView& v) { return v.open == '[' || v.close == ']'; };
  if (gold_tuple != pred_tuple && (interval_like(gold) || interval_like(pred))) return false;
  if (gold_tuple) {  // in order, a predicted set as written
    if (!pred.is_list || gold.items.size() != pred.items.size()) return false;
    for (size_t i = 0; i < gold.items.size(); ++i) {
      if (!items_equal(*gold.math, gold.items[i], *pred.math, pred.items[i])) return false;
    }
    return true;
  }
  // A set (or bare list) against a set or a scalar (a one-element set: \{3\} equals 3): the
  // same elements in any order, repeats counted once; against a tuple of its size (math-verify
  // sorts both): the same elements in any order.
  if (!is_set_like(gold)) return false;
  if (pred_tuple && (!gold.is_list || gold.items.size() != pred.items.size())) return false;
  return included(gold, pred, true) && included(pred, gold, false);
}

ListView whole_view(const ParsedMath& math) {
  return {&math, math.items, math.is_list, math.open, math.close};
}

double evaluate_constant(const ParsedMath& math, size_t item) {
  if (item >= math.items.size()) return std::numeric_limits<double>::quiet_NaN();
  std::set<std::string> symbols;
  collect_symbols(math, math.items[item], &symbols);
  if (!symbols.empty()) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(evaluate(math, math.items[item], {}).approx);
}

bool math_equivalent(const ParsedMath& gold, const ParsedMath& predicted) {
  if (gold.open == 'U' || predicted.open == 'U') return unions_equal(gold, predicted);
  if (gold.open == 'M' || predicted.open == 'M') return matrices_equal(gold, predicted);
  return lists_equal(whole_view(gold), whole_view(predicted));
}

}  // namespace r1forge::math
