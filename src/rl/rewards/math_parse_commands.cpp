// The answer grammar's LaTeX commands: \frac, \sqrt[n]{}, \binom, \pi, \infty, Greek letters,
// variables with subscripts, and functions as latex2sympy reads them: \sin^2 x = (sin x)^2,
// \sin^{-1} x = arcsin x, \log_2 8, and an argument without parentheses that runs over a product
// (\sin 2x = sin(2x), \sin x \cos x = sin(x) cos(x)). See math_parser.h.
#include <algorithm>
#include <cctype>
#include <set>

#include "math_parser.h"

namespace r1forge::math {
namespace {

const std::set<std::string_view>& function_names() {
  static const std::set<std::string_view> names = {
      "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "ln", "log", "exp"};
  return names;
}
const std::set<std::string_view>& greek_names() {
  static const std::set<std::string_view> names = {
      "alpha",    "beta",    "gamma", "delta",  "epsilon", "varepsilon", "zeta", "eta", "theta",
      "vartheta", "iota",    "kappa", "lambda", "mu",      "nu",         "xi",   "rho", "sigma",
      "tau",      "upsilon", "phi",   "varphi", "chi",     "psi",        "omega"};
  return names;
}

// Trig functions: their argument may be in degrees, their power -1 is the inverse.
bool is_trig(std::string_view name) {
  return name == "sin" || name == "cos" || name == "tan" || name == "sec" || name == "csc" ||
         name == "cot";
}

}  // namespace

bool is_function_name(std::string_view name) {
  return function_names().count(name) != 0;
}
bool is_greek_name(std::string_view name) {
  return greek_names().count(name) != 0;
}

int Parser::parse_command() {
  size_t end = pos_ + 1;
  while (end < text_.size() && is_letter(text_[end])) ++end;
  std::string name(text_.substr(pos_ + 1, end - pos_ - 1));
  pos_ = end;
  if (name == "frac") {
    int numerator = parse_argument();
    return add(NodeKind::DIV, "", {numerator, parse_argument()});
  }
  if (name == "binom") {  // also \dbinom and \tbinom (normalization)
    int n = parse_argument();
    return add(NodeKind::BINOMIAL, "", {n, parse_argument()});
  }
  if (name == "sqrt") {
    skip_spaces();
    int index = -1;
    if (peek() == '[') {
      index = parse_group('[', ']');
      if (failed_) return -1;
    }
    int radicand = parse_argument();
    if (index < 0) return add(NodeKind::SQRT, "", {radicand});
    return add(NodeKind::SQRT, "", {radicand, index});
  }
  if (name == "pi") return add(NodeKind::PI, "");
  if (name == "infty") return add(NodeKind::INFINITE, "");
  if (is_greek_name(name)) return add(NodeKind::SYMBOL, name);
  if (is_function_name(name)) return function(name);
  return fail();  // \text, \le, \cr, ... are not part of this grammar
}

// A \frac, \sqrt or \binom argument: {...} or one character (\frac12, \sqrt2, \binom52).
int Parser::parse_argument() {
  skip_spaces();
  if (peek() == '{') return parse_group('{', '}');
  if (is_digit(peek())) {
    ++pos_;
    return add(NodeKind::NUMBER, std::string(1, text_[pos_ - 1]));
  }
  if (is_letter(peek())) {
    ++pos_;
    return symbol(std::string(1, text_[pos_ - 1]));
  }
  return fail();
}

int Parser::symbol(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "e") return add(NodeKind::EULER, "");
  if (peek() == '_') {  // x_1, x_{12}
    ++pos_;
    if (peek() == '{') {
      size_t end = text_.find('}', pos_);
      if (end == std::string_view::npos) return fail();
      name.push_back('_');
      name.append(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
    } else if (!at_end()) {
      name.push_back('_');
      name.push_back(text_[pos_++]);
    }
  }
  return add(NodeKind::SYMBOL, name);
}

// After the name: an optional power (\sin^2, \sin^{-1}), an optional base (\log_2, \log_{10}),
// then the argument.
int Parser::function(const std::string& name) {
  std::string resolved = name;
  int exponent = -1, base = -1;
  bool powered = false, based = false;
  for (int modifier = 0; modifier < 2 && !failed_; ++modifier) {
    skip_spaces();
    if (peek() == '^' && !powered) {
      powered = true;
      ++pos_;
      skip_spaces();
      const bool inverse = starts_with("{-1}") || starts_with("-1");
      if (inverse && is_trig(name)) {
        if (name != "sin" && name != "cos" && name != "tan") return fail();
        pos_ += peek() == '{' ? 4 : 2;
        resolved = "arc" + name;
      } else {
        exponent = parse_exponent();
      }
    } else if (peek() == '_' && name == "log" && !based) {
      based = true;
      ++pos_;
      base = parse_argument();
    } else {
      break;
    }
  }
  skip_spaces();
  const bool degrees = is_trig(name);
  function_depth_ += degrees ? 1 : 0;
  int argument = peek() == '('   ? parse_group('(', ')')
                 : peek() == '{' ? parse_group('{', '}')
                                 : parse_function_argument();
  function_depth_ -= degrees ? 1 : 0;
  int node = based ? add(NodeKind::FUNCTION, resolved, {argument, base})
                   : add(NodeKind::FUNCTION, resolved, {argument});
  if (exponent >= 0) node = add(NodeKind::POW, "", {node, exponent});
  return node;
}

// An argument without parentheses: a product or quotient of factors up to the next function,
// sum or relation (\sin 2x, \sin \pi/2, \ln x^2, \cos 30^\circ).
int Parser::parse_function_argument() {
  int node = parse_unary();
  while (!failed_) {
    skip_spaces();
    if (starts_function()) break;
    const size_t saved = pos_;
    NodeKind kind;
    if (peek() == '*' || peek() == '/') {
      kind = peek() == '*' ? NodeKind::MUL : NodeKind::DIV;
      ++pos_;
    } else if (at_command("cdot") || at_command("times")) {
      kind = NodeKind::MUL;
      pos_ += at_command("cdot") ? 5 : 6;
    } else if (at_command("div")) {
      kind = NodeKind::DIV;
      pos_ += 4;
    } else if (starts_factor()) {
      kind = NodeKind::MUL;
    } else {
      break;
    }
    skip_spaces();
    if (starts_function()) {  // \sin x \cdot \cos x: the product is outside
      pos_ = saved;
      break;
    }
    node = add(kind, "", {node, parse_unary()});
  }
  return node;
}

}  // namespace r1forge::math
