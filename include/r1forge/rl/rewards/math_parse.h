// A small, safe recursive-descent parser for the LaTeX-ish math of final answers: numbers
// (thousands separators, decimals), + - * / ^, implicit products (2x, 3\sqrt{2}), \frac, \sqrt,
// factorials, percentages, pi / e / infinity, single-letter and Greek variables, functions
// (sin, cos, tan, ln, log, exp, |x|), and top-level tuples, intervals and sets. It builds a tree;
// it never evaluates anything it cannot bound (math_equivalence.h evaluates).
// Not here: finding the answer (math_answer.h), LaTeX cleanup (answer_normalization.h).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge::math {

enum class NodeKind {
  NUMBER,  // text = the literal's digits, e.g. "1000" or "12.5"
  SYMBOL,  // text = variable name, lower-cased ("x", "x_1", "alpha")
  PI,
  EULER,     // e
  INFINITE,  // \infty
  ADD,       // children: lhs, rhs
  SUB,
  MUL,
  DIV,
  POW,
  NEGATE,  // child: operand
  FACTORIAL,
  PERCENT,   // x% = x/100 (kept as a node: math-verify compares 50% with both 50 and 0.5)
  SQRT,      // children: radicand [, index]
  FUNCTION,  // text = sin|cos|tan|ln|log|exp|abs; child: argument
};

struct Node {
  NodeKind kind = NodeKind::NUMBER;
  std::string text;
  std::vector<int> children;  // indices into ParsedMath::nodes
};

// What a final answer parses to: one expression, or a bracketed / comma-separated list of them.
// Every item is a tree in `nodes`; items[i] is the root of item i.
struct ParsedMath {
  std::vector<Node> nodes;
  std::vector<int> items;  // one item for a scalar answer
  bool is_list = false;
  char open = 0;   // '(' '[' '{' (for \{ \}) or 0 for a bare comma list "1, 2"
  char close = 0;  // ')' ']' '}' or 0
};

// Parses normalized answer text (answer_normalization.h). nullopt when the text is
// not math this grammar knows: words of three or more letters, unknown commands, unbalanced
// brackets, empty input, more than 1000 characters or 100 levels of nesting. Never throws.
std::optional<ParsedMath> parse_math(std::string_view text);

}  // namespace r1forge::math
