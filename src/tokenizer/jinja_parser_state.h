// The Jinja parser's private state: one class whose statement rules live in jinja_parser.cpp
// and expression rules in jinja_expression_parser.cpp (one grammar, split to keep files short).
// Not part of the public API; see include/r1forge/tokenizer/jinja_parser.h.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/jinja_ast.h"
#include "r1forge/tokenizer/jinja_lexer.h"

namespace r1forge::jinja {

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& origin)
      : tokens_(std::move(tokens)), origin_(origin) {}

  Body parse_all() { return parse_body({}); }

 private:
  // ---------------------------------------------------------------- statements
  // Statements up to a `{% <one of ends> ...` tag, which is left for the caller (position on
  // the tag's name); the end of input is only allowed when ends is empty.
  Body parse_body(const std::vector<std::string>& ends);
  StmtPtr parse_statement();
  // A body closed by `{% end %}` with nothing else in the closing tag.
  Body parse_end_body(const std::vector<std::string>& ends);
  StmtPtr parse_if(int line);
  StmtPtr parse_for(int line);
  StmtPtr parse_set(int line);
  StmtPtr parse_macro(int line);
  StmtPtr parse_call_block(int line);
  StmtPtr parse_filter_block(int line);

  // ---------------------------------------------------------------- expressions
  // `a, b` is a tuple where a statement takes one expression (set, output, for iterable).
  ExprPtr parse_tuple(bool with_condexpr);
  ExprPtr parse_expression(bool with_condexpr);
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr target, int line);
  // `(args)` after a callee (or filter/test name): operands appended, keywords filled.
  void parse_call_args(Expr& call);
  ExprPtr parse_call(ExprPtr callee);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_filter(ExprPtr target);
  ExprPtr parse_test(ExprPtr target);

  // ---------------------------------------------------------------- token helpers

  const Token& current() const { return tokens_[std::min(position_, tokens_.size() - 1)]; }
  const Token& peek(size_t offset) const {
    return tokens_[std::min(position_ + offset, tokens_.size() - 1)];
  }
  void advance() {
    if (position_ < tokens_.size() - 1) ++position_;
  }
  bool is_operator(const char* op) const {
    return current().type == TokenType::OPERATOR && current().text == op;
  }
  bool is_name(const char* name) const {
    return current().type == TokenType::NAME && current().text == name;
  }
  bool skip_operator(const char* op) {
    if (!is_operator(op)) return false;
    advance();
    return true;
  }
  bool skip_name(const char* name) {
    if (!is_name(name)) return false;
    advance();
    return true;
  }
  void expect_operator(const char* op) {
    if (!skip_operator(op)) fail(current(), std::string("expected '") + op + "'" + found());
  }
  Token expect(TokenType type, const std::string& what) {
    if (current().type != type) fail(current(), "expected " + what + found());
    Token token = current();
    advance();
    return token;
  }
  std::string found() const {
    switch (current().type) {
      case TokenType::END_OF_INPUT: return ", found the end of the template";
      case TokenType::BLOCK_END: return ", found '%}'";
      case TokenType::VARIABLE_END: return ", found '}}'";
      case TokenType::TEXT: return ", found template text";
      default: return ", found '" + current().text + "'";
    }
  }

  static ExprPtr make_expr(ExprKind kind, int line) {
    auto node = std::make_unique<Expr>();
    node->kind = kind;
    node->line = line;
    return node;
  }
  static StmtPtr make_stmt(StmtKind kind, int line) {
    auto stmt = std::make_unique<Stmt>();
    stmt->kind = kind;
    stmt->line = line;
    return stmt;
  }
  static ExprPtr binary(ExprKind kind, std::string op, ExprPtr left, ExprPtr right, int line) {
    auto node = make_expr(kind, line);
    node->name = std::move(op);
    node->operands.push_back(std::move(left));
    node->operands.push_back(std::move(right));
    return node;
  }

  [[noreturn]] void fail(const Token& token, const std::string& message) const {
    R1F_THROW(ConfigError, origin_, ":", token.line, ": ", message);
  }

  std::vector<Token> tokens_;
  const std::string& origin_;
  size_t position_ = 0;
  int loop_depth_ = 0;
};

}  // namespace r1forge::jinja
