// Evaluation of parsed answers; see math_evaluate.h. Arithmetic is exact (128-bit rationals)
// while it fits and falls back to long double otherwise; functions, logarithms with a base,
// binomial coefficients and angles in degrees are evaluated in long double.
#include "math_evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace r1forge::math {
namespace {

// ---- evaluation ---------------------------------------------------------------------------------

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

Value approx_value(long double x) {
  return {x, std::nullopt};
}

// sin cos tan, their reciprocals and inverses, exp, ln; NaN outside the domain.
Value elementary_function(const std::string& name, long double x) {
  if (name == "sin") return approx_value(std::sin(x));
  if (name == "cos") return approx_value(std::cos(x));
  if (name == "tan") return approx_value(std::tan(x));
  if (name == "sec" || name == "csc" || name == "cot") {
    const long double denominator = name == "sec" ? std::cos(x) : std::sin(x);
    if (denominator == 0) return nan_value();
    return approx_value(name == "cot" ? std::cos(x) / denominator : 1 / denominator);
  }
  if (name == "arctan") return approx_value(std::atan(x));
  if (name == "arcsin" || name == "arccos") {
    if (x < -1 || x > 1) return nan_value();
    return approx_value(name == "arcsin" ? std::asin(x) : std::acos(x));
  }
  if (name == "exp") return approx_value(std::exp(x));
  if (x <= 0) return nan_value();
  if (name == "ln") return approx_value(std::log(x));
  if (name == "log") return approx_value(std::log10(x));  // latex2sympy: \log is base 10
  return nan_value();
}

// Loop bound for the falling factorial of \binom{n}{k}; beyond it, log-gamma.
constexpr i128 kMaxBinomialSteps = 1000;

// \binom{n}{k}: 0 for a negative integer k (or k > n >= 0), n (n-1) ... (n-k+1) / k! for an
// integer k (exact for a rational n, as sympy expands it), Gamma functions otherwise.
Value binomial(const Value& n, const Value& k) {
  if (std::isnan(n.approx) || std::isnan(k.approx)) return nan_value();
  const bool integer_k = k.exact && k.exact->den == 1;
  const bool integer_n = n.exact && n.exact->den == 1;
  if (integer_k &&
      (k.exact->num < 0 || (integer_n && n.exact->num >= 0 && k.exact->num > n.exact->num))) {
    return from_exact({0, 1});
  }
  i128 steps = integer_k ? k.exact->num : -1;
  if (integer_k && integer_n && n.exact->num >= 0) steps = std::min(steps, n.exact->num - steps);
  if (steps >= 0 && steps <= kMaxBinomialSteps) {
    const Value& top = n;
    std::optional<Exact> exact = Exact{1, 1};
    long double approx = 1;
    // C(n, k) = C(n, n - k): the same product (n - i) / (i + 1) over the shorter range.
    for (i128 i = 0; i < steps; ++i) {
      const long double factor =
          (top.approx - static_cast<long double>(i)) / static_cast<long double>(i + 1);
      approx *= factor;
      if (exact && top.exact) {
        auto numerator = exact_add(*top.exact, Exact{i, 1}, /*subtract=*/true);
        auto scaled = numerator ? exact_mul(*exact, *numerator) : std::nullopt;
        exact = scaled ? exact_mul(*scaled, Exact{1, i + 1}) : std::nullopt;
      } else {
        exact.reset();
      }
    }
    if (exact && top.exact) return from_exact(*exact);
    return approx_value(approx);
  }
  const long double result = std::tgamma(n.approx + 1) /
                             (std::tgamma(k.approx + 1) * std::tgamma(n.approx - k.approx + 1));
  return std::isfinite(result) ? approx_value(result) : nan_value();
}

}  // namespace

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
      if (node.text == "abs") {
        Value a = child(0);
        if (a.exact && a.exact->num != std::numeric_limits<i128>::min()) {
          return from_exact({a.exact->num < 0 ? -a.exact->num : a.exact->num, a.exact->den});
        }
        return approx_value(std::fabs(a.approx));
      }
      const long double x = child(0).approx;
      if (node.children.size() == 2) {  // \log_b x
        const long double base = child(1).approx;
        if (!(x > 0) || !(base > 0) || base == 1) return nan_value();
        return approx_value(std::log(x) / std::log(base));
      }
      return elementary_function(node.text, x);
    }
    case NodeKind::BINOMIAL: return binomial(child(0), child(1));
    case NodeKind::DEGREES:  // only inside a trig function's argument
      return approx_value(child(0).approx * 3.14159265358979323846264338327950288L / 180);
    case NodeKind::EQUATION:
    case NodeKind::PLUS_MINUS: return nan_value();  // compared, never evaluated
  }
  return nan_value();
}

void collect_symbols(const ParsedMath& math, int index, std::set<std::string>* out) {
  const Node& node = math.nodes[index];
  if (node.kind == NodeKind::SYMBOL) out->insert(node.text);
  for (int child : node.children) collect_symbols(math, child, out);
}

bool approx_equal(long double a, long double b, long double relative) {
  if (std::isinf(a) || std::isinf(b)) return a == b;
  long double scale = std::max({1.0L, std::fabs(a), std::fabs(b)});
  return std::fabs(a - b) <= relative * scale;
}

}  // namespace r1forge::math
