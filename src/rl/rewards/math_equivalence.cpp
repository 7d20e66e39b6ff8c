// Evaluation and equivalence of parsed answers; see
// include/r1forge/rl/rewards/math_equivalence.h. Arithmetic is exact (128-bit rationals) while
// it fits and falls back to long double otherwise.
#include "r1forge/rl/rewards/math_equivalence.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>

namespace r1forge::math {
namespace {

// ---- evaluation ---------------------------------------------------------------------------------

using i128 = __int128;

i128 gcd128(i128 a, i128 b) {
  if (a < 0) a = -a;
  if (b < 0) b = -b;
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

struct Exact {
  i128 num = 0;
  i128 den = 1;  // > 0, gcd(num, den) == 1
};

std::optional<Exact> make_exact(i128 num, i128 den) {
  if (den == 0) return std::nullopt;
  if (den < 0) {
    if (num == std::numeric_limits<i128>::min() || den == std::numeric_limits<i128>::min()) {
      return std::nullopt;
    }
    num = -num;
    den = -den;
  }
  i128 g = gcd128(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  return Exact{num, den};
}

std::optional<Exact> exact_add(const Exact& a, const Exact& b, bool subtract) {
  i128 left, right, num, den;
  i128 b_num = b.num;
  if (subtract) {
    if (b_num == std::numeric_limits<i128>::min()) return std::nullopt;
    b_num = -b_num;
  }
  if (__builtin_mul_overflow(a.num, b.den, &left) || __builtin_mul_overflow(b_num, a.den, &right) ||
      __builtin_add_overflow(left, right, &num) || __builtin_mul_overflow(a.den, b.den, &den)) {
    return std::nullopt;
  }
  return make_exact(num, den);
}

std::optional<Exact> exact_mul(const Exact& a, const Exact& b) {
  i128 num, den;
  if (__builtin_mul_overflow(a.num, b.num, &num) || __builtin_mul_overflow(a.den, b.den, &den)) {
    return std::nullopt;
  }
  return make_exact(num, den);
}

// An integer power by repeated squaring; nullopt on overflow.
std::optional<Exact> exact_pow(Exact base, i128 exponent) {
  if (exponent < 0) {
    if (base.num == 0) return std::nullopt;
    base = *make_exact(base.den, base.num);
    exponent = -exponent;
  }
  Exact result{1, 1};
  while (exponent > 0) {
    if (exponent & 1) {
      auto next = exact_mul(result, base);
      if (!next) return std::nullopt;
      result = *next;
    }
    exponent >>= 1;
    if (exponent > 0) {
      auto squared = exact_mul(base, base);
      if (!squared) return std::nullopt;
      base = *squared;
    }
  }
  return result;
}

std::optional<i128> exact_isqrt(i128 value) {
  if (value < 0) return std::nullopt;
  i128 root = static_cast<i128>(std::sqrt(static_cast<long double>(value)));
  for (i128 r = root > 2 ? root - 2 : 0; r <= root + 2; ++r) {
    if (r * r == value) return r;
  }
  return std::nullopt;
}

struct Value {
  long double approx = 0;
  std::optional<Exact> exact;
};

Value from_exact(const Exact& e) {
  return {static_cast<long double>(e.num) / static_cast<long double>(e.den), e};
}
Value nan_value() {
  return {std::numeric_limits<long double>::quiet_NaN(), std::nullopt};
}

std::optional<Exact> parse_exact_literal(const std::string& digits) {
  i128 num = 0;
  i128 den = 1;
  bool after_point = false;
  for (char c : digits) {
    if (c == '.') {
      after_point = true;
      continue;
    }
    if (__builtin_mul_overflow(num, static_cast<i128>(10), &num) ||
        __builtin_add_overflow(num, static_cast<i128>(c - '0'), &num)) {
      return std::nullopt;
    }
    if (after_point && __builtin_mul_overflow(den, static_cast<i128>(10), &den)) {
      return std::nullopt;
    }
  }
  return make_exact(num, den);
}

using Assignment = std::vector<std::pair<std::string, long double>>;

Value evaluate(const ParsedMath& math, int index, const Assignment& point) {
  const Node& node = math.nodes[index];
  auto child = [&](size_t i) { return evaluate(math, node.children[i], point); };
  switch (node.kind) {
    case NodeKind::NUMBER: {
      std::optional<Exact> exact = parse_exact_literal(node.text);
      if (exact) return from_exact(*exact);
      return {std::strtold(node.text.c_str(), nullptr), std::nullopt};
    }
    case NodeKind::SYMBOL:
      for (const auto& [name, value] : point) {
        if (name == node.text) return {value, std::nullopt};
      }
      return nan_value();
    case NodeKind::PI: return {3.14159265358979323846264338327950288L, std::nullopt};
    case NodeKind::EULER: return {2.71828182845904523536028747135266250L, std::nullopt};
    case NodeKind::INFINITE: return {std::numeric_limits<long double>::infinity(), std::nullopt};
    case NodeKind::NEGATE: {
      Value a = child(0);
      if (a.exact && a.exact->num != std::numeric_limits<i128>::min()) {
        return from_exact({-a.exact->num, a.exact->den});
      }
      return {-a.approx, std::nullopt};
    }
    case NodeKind::ADD:
    case NodeKind::SUB: {
      Value a = child(0), b = child(1);
      bool subtract = node.kind == NodeKind::SUB;
      if (a.exact && b.exact) {
        if (auto sum = exact_add(*a.exact, *b.exact, subtract)) return from_exact(*sum);
      }
      return {subtract ? a.approx - b.approx : a.approx + b.approx, std::nullopt};
    }
    case NodeKind::MUL: {
      Value a = child(0), b = child(1);
      if (a.exact && b.exact) {
        if (auto product = exact_mul(*a.exact, *b.exact)) return from_exact(*product);
      }
      return {a.approx * b.approx, std::nullopt};
    }
    case NodeKind::DIV: {
      Value a = child(0), b = child(1);
      if (b.approx == 0) return nan_value();  // 1/0 is no number (sympy's zoo)
      if (a.exact && b.exact) {
        if (auto quotient = exact_mul(*a.exact, *make_exact(b.exact->den, b.exact->num))) {
          return from_exact(*quotient);
        }
      }
      return {a.approx / b.approx, std::nullopt};
    }
    case NodeKind::POW: {
      Value base = child(0), exponent = child(1);
      if (base.exact && exponent.exact && exponent.exact->den == 1 &&
          exponent.exact->num >= -4096 && exponent.exact->num <= 4096) {
        if (auto power = exact_pow(*base.exact, exponent.exact->num)) return from_exact(*power);
      }
      if (base.approx == 0 && exponent.approx < 0) return nan_value();
      return {std::pow(base.approx, exponent.approx), std::nullopt};
    }
    case NodeKind::FACTORIAL: {
      Value a = child(0);
      if (!a.exact || a.exact->den != 1 || a.exact->num < 0) return nan_value();
      if (a.exact->num > 170) return {std::numeric_limits<long double>::infinity(), std::nullopt};
      Exact product{1, 1};
      bool exact = true;
      long double approx = 1;
      for (i128 k = 2; k <= a.exact->num; ++k) {
        approx *= static_cast<long double>(k);
        if (exact) {
          auto next = exact_mul(product, Exact{k, 1});
          exact = next.has_value();
          if (next) product = *next;
        }
      }
      return exact ? from_exact(product) : Value{approx, std::nullopt};
    }
    case NodeKind::PERCENT: {
      Value a = child(0);
      if (a.exact) {
        if (auto scaled = exact_mul(*a.exact, Exact{1, 100})) return from_exact(*scaled);
      }
      return {a.approx / 100, std::nullopt};
    }
    case NodeKind::SQRT: {
      Value radicand = child(0);
      if (node.children.size() == 2) {
        Value index = child(1);
        if (index.approx == 0) return nan_value();
        if (radicand.approx < 0) {
          // An odd integer root of a negative number is real: \sqrt[3]{-8} = -2.
          bool odd = index.exact && index.exact->den == 1 && (index.exact->num % 2 != 0);
          if (!odd) return nan_value();
          return {-std::pow(-radicand.approx, 1 / index.approx), std::nullopt};
        }
        return {std::pow(radicand.approx, 1 / index.approx), std::nullopt};
      }
      if (radicand.approx < 0) return nan_value();
      if (radicand.exact) {
        auto num = exact_isqrt(radicand.exact->num);
        auto den = exact_isqrt(radicand.exact->den);
        if (num && den) return from_exact(*make_exact(*num, *den));
      }
      return {std::sqrt(radicand.approx), std::nullopt};
    }
    case NodeKind::FUNCTION: {
      long double x = child(0).approx;
      if (node.text == "sin") return {std::sin(x), std::nullopt};
      if (node.text == "cos") return {std::cos(x), std::nullopt};
      if (node.text == "tan") return {std::tan(x), std::nullopt};
      if (node.text == "exp") return {std::exp(x), std::nullopt};
      if (node.text == "abs") {
        Value a = child(0);
        if (a.exact)
          return from_exact({a.exact->num < 0 ? -a.exact->num : a.exact->num, a.exact->den});
        return {std::fabs(x), std::nullopt};
      }
      if (x <= 0) return nan_value();
      if (node.text == "ln") return {std::log(x), std::nullopt};
      if (node.text == "log") return {std::log10(x), std::nullopt};  // latex2sympy: base 10
      return nan_value();
    }
  }
  return nan_value();
}

void collect_symbols(const ParsedMath& math, int index, std::set<std::string>* out) {
  const Node& node = math.nodes[index];
  if (node.kind == NodeKind::SYMBOL) out->insert(node.text);
  for (int child : node.children) collect_symbols(math, child, out);
}

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

bool approx_equal(long double a, long double b, long double relative) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  long double scale = std::max({1.0L, std::fabs(a), std::fabs(b)});
  return std::fabs(a - b) <= relative * scale;
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

// Fixed, irregular sample points: equal functions agree at all of them, different ones
// (almost surely) do not.
constexpr std::array<long double, 12> kSamplePoints = {0.5377L, 1.8339L,  -2.2588L, 0.8622L,
                                                       0.3188L, -1.3077L, -0.4336L, 0.3426L,
                                                       3.5784L, 2.7694L,  -1.3499L, 3.0349L};

bool scalars_equal(const ParsedMath& gold, int g, const ParsedMath& pred, int p) {
  std::set<std::string> gold_symbols, pred_symbols;
  collect_symbols(gold, g, &gold_symbols);
  collect_symbols(pred, p, &pred_symbols);
  if (gold_symbols.empty() && pred_symbols.empty()) return constants_equal(gold, g, pred, p);
  if (gold_symbols != pred_symbols) return false;
  int compared = 0;
  for (int k = 0; k < 4; ++k) {
    Assignment point;
    int i = 0;
    for (const std::string& name : gold_symbols) {
      point.emplace_back(name, kSamplePoints[(3 * i + k) % kSamplePoints.size()] + 0.25L * i);
      ++i;
    }
    Value a = evaluate(gold, g, point), b = evaluate(pred, p, point);
    bool a_finite = std::isfinite(a.approx), b_finite = std::isfinite(b.approx);
    if (a_finite != b_finite) return false;
    if (!a_finite) continue;
    if (!approx_equal(a.approx, b.approx, 1e-9L)) return false;
    ++compared;
  }
  return compared > 0;
}

}  // namespace

double evaluate_constant(const ParsedMath& math, size_t item) {
  if (item >= math.items.size()) return std::numeric_limits<double>::quiet_NaN();
  std::set<std::string> symbols;
  collect_symbols(math, math.items[item], &symbols);
  if (!symbols.empty()) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(evaluate(math, math.items[item], {}).approx);
}

bool math_equivalent(const ParsedMath& gold, const ParsedMath& predicted) {
  if (gold.items.size() != predicted.items.size()) return false;
  if (!gold.is_list) return scalars_equal(gold, gold.items[0], predicted, predicted.items[0]);
  const bool gold_tuple = gold.open == '(' || gold.open == '[';
  const bool pred_tuple = predicted.open == '(' || predicted.open == '[';
  if (gold_tuple && pred_tuple && (gold.open != predicted.open || gold.close != predicted.close)) {
    return false;  // (0, 1] is not [0, 1]
  }
  // A closed or half-open interval is no tuple and no set: [1, 2] != {1, 2}.
  auto interval_like = [](const ParsedMath& m) { return m.open == '[' || m.close == ']'; };
  if (gold_tuple != pred_tuple && (interval_like(gold) || interval_like(predicted))) return false;
  const size_t n = gold.items.size();
  if (gold_tuple || pred_tuple) {
    for (size_t i = 0; i < n; ++i) {
      if (!scalars_equal(gold, gold.items[i], predicted, predicted.items[i])) return false;
    }
    return true;
  }
  // Two sets (or bare lists "1, 2"): order does not matter.
  std::vector<bool> used(n, false);
  for (size_t i = 0; i < n; ++i) {
    bool found = false;
    for (size_t j = 0; j < n && !found; ++j) {
      if (!used[j] && scalars_equal(gold, gold.items[i], predicted, predicted.items[j])) {
        used[j] = found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace r1forge::math
