// A small, safe recursive-descent parser for the LaTeX-ish math of final answers: numbers
// (thousands separators, decimals), + - * / ^, \pm, implicit products (2x, 3\sqrt{2}, ab),
// \frac, \sqrt, \binom, factorials, percentages, pi / e / infinity, single-letter and Greek
// variables, functions (trig and inverse trig with powers such as \sin^2 x, ln, log with a
// base, exp, |x|), equations, and top-level tuples, intervals, sets, unions of them and
// matrices. It builds a tree; it never evaluates anything it cannot bound (math_equivalence.h
// evaluates).
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
  PERCENT,     // x% = x/100 (kept as a node: math-verify compares 50% with both 50 and 0.5)
  SQRT,        // children: radicand [, index]
  FUNCTION,    // text = sin|cos|tan|sec|csc|cot|arcsin|arccos|arctan|ln|log|exp|abs;
               // child: argument [, base of a log]
  BINOMIAL,    // children: n, k (\binom{n}{k}, {n \choose k})
  DEGREES,     // child: an angle written in degrees inside a trig function's argument (\sin
               // 30^\circ); elsewhere the degree sign is dropped, as math-verify does
  EQUATION,    // children: lhs, rhs; only as the root of an item ("x = 5", "x^2+y^2=25")
  PLUS_MINUS,  // children: [lhs,] rhs of \pm or \mp; parse_math replaces each item holding one
               // by its variants (a + b and a - b), so none is left in a parse result
};

struct Node {
  NodeKind kind = NodeKind::NUMBER;
  std::string text;
  std::vector<int> children;  // indices into ParsedMath::nodes
};

// One bracketed part of a union "A \cup B": its brackets and its items, a range of
// ParsedMath::items.
struct UnionPart {
  char open = 0;
  char close = 0;
  size_t first = 0;
  size_t count = 0;
};

// What a final answer parses to: one expression, or a bracketed / comma-separated list of them,
// or a matrix, or a union of intervals and sets. Every item is a tree in `nodes`; items[i] is
// the root of item i.
struct ParsedMath {
  std::vector<Node> nodes;
  std::vector<int> items;              // one item for a scalar answer
  bool is_list = false;                // also for a one-element or empty set \{3\}, \{\}
  char open = 0;                       // '(' '[' '{' (for \{ \}) or 0 for a bare comma list "1, 2"
  char close = 0;                      // ')' ']' '}' or 0
  size_t columns = 0;                  // a matrix (open 'M'): `items` are its entries row by row
  std::vector<UnionPart> union_parts;  // a union (open 'U'): its parts, at least two
};

struct ParseOptions {
  // A run of three or more letters ("abc", "Paris") is a product of one-letter variables, as
  // sympy reads it, instead of a word that makes the parse fail. math_answer.h asks for it only
  // when neither answer has \text and they differ as text.
  bool letter_runs_are_products = false;
};

// Parses normalized answer text (answer_normalization.h). nullopt when the text is
// not math this grammar knows: words of three or more letters (unless options say otherwise),
// unknown commands, unbalanced brackets, empty input, more than 1000 characters or 100 levels of
// nesting, more than three \pm in one item. Never throws.
std::optional<ParsedMath> parse_math(std::string_view text, const ParseOptions& options = {});

}  // namespace r1forge::math
