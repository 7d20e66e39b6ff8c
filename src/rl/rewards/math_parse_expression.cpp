// The answer grammar's expressions: items of a list, relations (x = 5, x^2 + y^2 = 25), sums
// with \pm, products (explicit and implicit), powers, postfix ! % and degrees, numbers and
// brackets. LaTeX commands are math_parse_commands.cpp's; the shape of the whole answer is
// math_parse.cpp's. See math_parser.h.
#include <algorithm>
#include <cctype>

#include "math_parser.h"

namespace r1forge::math {

// Items separated by ",", "or" or "and" ("1, 2", "x = 1 or x = 2", "1, 2, and 3").
std::vector<int> Parser::parse_items() {
  std::vector<int> items;
  while (true) {
    items.push_back(parse_relation());
    if (failed_) return {};
    skip_spaces();
    if (!at_list_separator()) break;
  }
  return items;
}

// Consumes a list separator (", ", "or", "and", ", and") at the cursor.
bool Parser::at_list_separator() {
  bool found = false;
  if (peek() == ',') {
    ++pos_;
    skip_spaces();
    found = true;
  }
  for (std::string_view word : {"or", "and"}) {
    if (at_word(word)) {
      pos_ += word.size();
      return true;
    }
  }
  return found;
}

// a = b is an equation; a chain a = b = c keeps its first and last sides, as math-verify
// truncates one. "\approx" keeps only what follows it (x \approx 3.14 answers 3.14).
int Parser::parse_relation() {
  int lhs = parse_sum();
  int rhs = -1;
  while (!failed_) {
    skip_spaces();
    if (peek() == '=') {
      ++pos_;
      rhs = parse_sum();
    } else if (at_command("approx")) {
      pos_ += 7;
      lhs = parse_sum();
      rhs = -1;
    } else {
      break;
    }
  }
  if (rhs < 0) return lhs;
  return add(NodeKind::EQUATION, "", {lhs, rhs});
}

int Parser::parse_sum() {
  int node = parse_term();
  while (!failed_) {
    skip_spaces();
    char c = peek();
    if (c == '+' || c == '-') {
      ++pos_;
      node = add(c == '+' ? NodeKind::ADD : NodeKind::SUB, "", {node, parse_term()});
    } else if (at_command("pm") || at_command("mp")) {
      pos_ += 3;
      node = add(NodeKind::PLUS_MINUS, "", {node, parse_term()});
    } else {
      break;
    }
  }
  return node;
}

bool Parser::starts_factor() const {
  char c = peek();
  if (is_letter(c)) return !at_word("or") && !at_word("and");
  if (is_digit(c) || c == '(' || c == '[' || c == '{' || c == '.') return true;
  if (c != '\\') return false;
  for (std::string_view word : {"frac", "sqrt", "pi", "infty", "binom"}) {
    if (at_command(word)) return true;
  }
  size_t end = pos_ + 1;
  while (end < text_.size() && is_letter(text_[end])) ++end;
  std::string_view name = text_.substr(pos_ + 1, end - pos_ - 1);
  return is_greek_name(name) || is_function_name(name);
}

// A function name at the cursor, \sin or a bare sin.
bool Parser::starts_function() const {
  size_t begin = peek() == '\\' ? pos_ + 1 : pos_;
  size_t end = begin;
  while (end < text_.size() && is_letter(text_[end])) ++end;
  return is_function_name(text_.substr(begin, end - begin));
}

int Parser::parse_term() {
  int node = parse_unary();
  while (!failed_) {
    skip_spaces();
    NodeKind kind;
    if (peek() == '*') {
      kind = NodeKind::MUL;
      ++pos_;
    } else if (at_command("cdot") || at_command("times")) {
      kind = NodeKind::MUL;
      pos_ += at_command("cdot") ? 5 : 6;
    } else if (peek() == '/') {
      kind = NodeKind::DIV;
      ++pos_;
    } else if (at_command("div")) {
      kind = NodeKind::DIV;
      pos_ += 4;
    } else if (starts_factor()) {
      kind = NodeKind::MUL;  // implicit: 2x, 3\sqrt{2}, 2(3+4)
    } else {
      break;
    }
    node = add(kind, "", {node, parse_unary()});
  }
  return node;
}

int Parser::parse_unary() {
  DepthGuard guard(*this);
  if (depth_ > kMaxDepth) return fail();
  skip_spaces();
  if (peek() == '-') {
    ++pos_;
    return add(NodeKind::NEGATE, "", {parse_unary()});
  }
  if (peek() == '+') {
    ++pos_;
    return parse_unary();
  }
  if (at_command("pm") || at_command("mp")) {
    pos_ += 3;
    return add(NodeKind::PLUS_MINUS, "", {parse_unary()});
  }
  return parse_power();
}

int Parser::parse_power() {
  int node = parse_postfix(parse_primary());
  while (!failed_) {
    skip_spaces();
    if (peek() != '^') break;
    ++pos_;
    skip_spaces();
    if (at_command("circ")) {  // 30^\circ (normalization writes every degree sign so)
      pos_ += 5;
      if (function_depth_ > 0) node = add(NodeKind::DEGREES, "", {node});
      continue;
    }
    node = parse_postfix(add(NodeKind::POW, "", {node, parse_exponent()}));
  }
  return node;
}

// 2^{10}, 2^3, x^-1, e^{i\pi}
int Parser::parse_exponent() {
  skip_spaces();
  if (peek() == '{') return parse_group('{', '}');
  if (peek() == '-') {
    ++pos_;
    return add(NodeKind::NEGATE, "", {parse_exponent()});
  }
  if (is_digit(peek())) {
    ++pos_;
    return add(NodeKind::NUMBER, std::string(1, text_[pos_ - 1]));
  }
  return parse_primary();
}

int Parser::parse_postfix(int node) {
  while (!failed_) {
    skip_spaces();
    if (peek() == '!') {
      ++pos_;
      node = add(NodeKind::FACTORIAL, "", {node});
    } else if (peek() == '%') {
      ++pos_;
      node = add(NodeKind::PERCENT, "", {node});
    } else {
      break;
    }
  }
  return node;
}

// (...), [...] or {...}; a brace group may be a binomial {n \choose k}.
int Parser::parse_group(char open, char close) {
  if (peek() != open) return fail();
  ++pos_;
  int node = parse_relation();
  skip_spaces();
  if (open == '{' && at_command("choose")) {
    pos_ += 7;
    node = add(NodeKind::BINOMIAL, "", {node, parse_relation()});
    skip_spaces();
  }
  if (failed_ || (peek() != close && !(open != '{' && (peek() == ')' || peek() == ']')))) {
    return fail();
  }
  ++pos_;
  return node;
}

int Parser::parse_number() {
  size_t start = pos_;
  std::string digits;
  while (is_digit(peek())) digits += text_[pos_++];
  // Thousands separators: 1,000 and 12,345,678 (a first group of 1-3 digits, no leading 0).
  if (!digits.empty() && digits.size() <= 3 && digits[0] != '0') {
    while (peek() == ',' && is_digit(peek(1)) && is_digit(peek(2)) && is_digit(peek(3)) &&
           !is_digit(peek(4))) {
      digits += text_.substr(pos_ + 1, 3);
      pos_ += 4;
    }
  }
  bool decimal = false;
  if (peek() == '.' && is_digit(peek(1))) {
    decimal = true;
    digits += '.';
    ++pos_;
    while (is_digit(peek())) digits += text_[pos_++];
  }
  if (pos_ == start) return fail();
  if (digits[0] == '.') digits.insert(digits.begin(), '0');
  int number = add(NodeKind::NUMBER, digits);
  // A mixed number, 3\frac{1}{2} or 3 \frac{1}{2} = 7/2, as latex2sympy reads it; but
  // 2\frac{1}{2}x is a product, 2 * 1/2 * x.
  const size_t after_number = pos_;
  skip_spaces();
  if (!decimal && at_command("frac")) {
    pos_ += 5;
    int numerator = parse_argument();
    int fraction = add(NodeKind::DIV, "", {numerator, parse_argument()});
    skip_spaces();
    return add(starts_factor() ? NodeKind::MUL : NodeKind::ADD, "", {number, fraction});
  }
  pos_ = after_number;
  return number;
}

int Parser::parse_primary() {
  DepthGuard guard(*this);
  if (depth_ > kMaxDepth) return fail();
  skip_spaces();
  char c = peek();
  if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return parse_number();
  if (is_letter(c)) {
    size_t end = pos_;
    while (end < text_.size() && is_letter(text_[end])) ++end;
    std::string_view run = text_.substr(pos_, end - pos_);
    if (is_function_name(run)) {
      pos_ = end;
      return function(std::string(run));
    }
    // A word ("Paris") is not math: the caller compares the answer as text. Two letters are
    // a product of variables ("xy"), as sympy reads them; longer runs too when asked.
    if (run.size() >= 3 && !options_.letter_runs_are_products) return fail();
    ++pos_;
    return symbol(std::string(run.substr(0, 1)));
  }
  if (c == '(' || c == '[') return parse_group(c, c == '(' ? ')' : ']');
  if (c == '{') return parse_group('{', '}');
  if (c == '|') {
    ++pos_;
    int inner = parse_sum();
    skip_spaces();
    if (peek() != '|') return fail();
    ++pos_;
    return add(NodeKind::FUNCTION, "abs", {inner});
  }
  if (c == '\\') return parse_command();
  return fail();
}

}  // namespace r1forge::math
