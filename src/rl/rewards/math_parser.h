// The answer grammar's recursive-descent parser behind parse_math (math_parse.h), private to
// src/rl/rewards. Its methods live in three files: math_parse.cpp (the answer's shape: lists,
// sets, intervals, unions, matrices), math_parse_expression.cpp (relations, sums, products,
// powers, numbers) and math_parse_commands.cpp (LaTeX commands: \frac, \sqrt, \binom, functions,
// logarithms, Greek letters). \pm is expanded afterwards (math_plus_minus.cpp).
// Not here: evaluation and comparison (math_equivalence.h).
#pragma once

#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/rl/rewards/latex_text.h"
#include "r1forge/rl/rewards/math_parse.h"

namespace r1forge::math {

class Parser {
 public:
  Parser(std::string_view text, const ParseOptions& options) : text_(text), options_(options) {}

  // The whole text as one answer; nullopt when it is not (all of it) math of this grammar.
  std::optional<ParsedMath> parse_answer();

 private:
  std::string_view text_;
  ParseOptions options_;
  size_t pos_ = 0;
  bool failed_ = false;
  ParsedMath out_;
  int depth_ = 0;           // nesting of parse_unary / parse_primary calls
  int function_depth_ = 0;  // > 0 inside the argument of a trig function (degrees count there)

  // Bounds the recursion: "((((..." or "-----..." fail instead of exhausting the stack.
  static constexpr int kMaxDepth = 100;
  struct DepthGuard {
    explicit DepthGuard(Parser& parser) : parser(parser) { ++parser.depth_; }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

  // ---- the cursor (inline) ----
  bool at_end() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void skip_spaces() {
    while (!at_end() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool starts_with(std::string_view word) const { return text_.substr(pos_).starts_with(word); }
  // "\name" at the cursor where name is exactly `word` (not a prefix of a longer command).
  bool at_command(std::string_view word) const {
    if (peek() != '\\' || !text_.substr(pos_ + 1).starts_with(word)) return false;
    return !is_letter(pos_ + 1 + word.size() < text_.size() ? text_[pos_ + 1 + word.size()] : ' ');
  }
  // The run of letters at the cursor is exactly `word` ("or" in "1 or 2", not in "order").
  bool at_word(std::string_view word) const {
    if (!starts_with(word)) return false;
    return !is_letter(peek(word.size())) && (pos_ == 0 || !is_letter(text_[pos_ - 1]));
  }
  int fail() {
    failed_ = true;
    return -1;
  }
  int add(NodeKind kind, std::string text, std::vector<int> children = {}) {
    if (failed_) return -1;
    for (int child : children) {
      if (child < 0) return fail();
    }
    out_.nodes.push_back({kind, std::move(text), std::move(children)});
    return static_cast<int>(out_.nodes.size()) - 1;
  }

  // ---- the answer's shape (math_parse.cpp) ----
  std::optional<ParsedMath> parse_bracketed_list();
  std::optional<ParsedMath> parse_union();
  bool at_matrix() const;
  std::optional<ParsedMath> parse_matrix();
  bool parse_empty_set();
  void skip_variable_prefix();
  size_t trimmed_end() const;
  char opener_at(size_t at, size_t* length) const;
  char closer_char(size_t at) const { return text_[at] == '\\' ? '}' : text_[at]; }
  size_t matching_close(size_t at, size_t* length) const;

  // ---- expressions (math_parse_expression.cpp) ----
  std::vector<int> parse_items();
  bool at_list_separator();
  int parse_relation();
  int parse_sum();
  bool starts_factor() const;
  bool starts_function() const;
  int parse_term();
  int parse_unary();
  int parse_power();
  int parse_exponent();
  int parse_postfix(int node);
  int parse_group(char open, char close);
  int parse_number();
  int parse_primary();

  // ---- LaTeX commands (math_parse_commands.cpp) ----
  int parse_command();
  int parse_argument();
  int symbol(std::string name);
  int function(const std::string& name);
  int parse_function_argument();
};

// Replaces each item holding \pm or \mp by its variants (a \pm b -> a + b and a - b), making the
// answer a set, as latex2sympy does. false when the answer is a tuple, interval, matrix or union
// with a \pm in it, or an item has more than three.
bool expand_plus_minus(ParsedMath& math);

// Names the grammar knows (math_parse_commands.cpp).
bool is_function_name(std::string_view name);
bool is_greek_name(std::string_view name);

}  // namespace r1forge::math
