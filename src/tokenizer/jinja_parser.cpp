// Recursive-descent Jinja parser mirroring jinja2's parser.py; see
// include/r1forge/tokenizer/jinja_parser.h.
#include "r1forge/tokenizer/jinja_parser.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/jinja_builtins.h"
#include "r1forge/tokenizer/jinja_lexer.h"

namespace r1forge::jinja {

namespace {

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::string& origin)
      : tokens_(std::move(tokens)), origin_(origin) {}

  Body parse_all() {
    Body body = parse_body({});
    return body;
  }

 private:
  // ---------------------------------------------------------------- statements

  // Statements up to a `{% <one of ends> ...` tag, which is left for the caller (position on
  // the tag's name); the end of input is only allowed when ends is empty.
  Body parse_body(const std::vector<std::string>& ends) {
    Body body;
    while (true) {
      const Token& token = current();
      if (token.type == TokenType::END_OF_INPUT) {
        if (!ends.empty())
          fail(token, "unexpected end of template, expected '" + ends.back() + "'");
        return body;
      }
      if (token.type == TokenType::TEXT) {
        auto stmt = make_stmt(StmtKind::TEXT, token.line);
        stmt->text = token.text;
        body.push_back(std::move(stmt));
        advance();
      } else if (token.type == TokenType::VARIABLE_BEGIN) {
        advance();
        auto stmt = make_stmt(StmtKind::OUTPUT, token.line);
        stmt->expr = parse_tuple(true);
        expect(TokenType::VARIABLE_END, "'}}'");
        body.push_back(std::move(stmt));
      } else if (token.type == TokenType::BLOCK_BEGIN) {
        const Token& keyword = peek(1);
        if (keyword.type != TokenType::NAME) fail(keyword, "expected a tag name after '{%'");
        if (std::find(ends.begin(), ends.end(), keyword.text) != ends.end()) {
          advance();
          return body;
        }
        advance();
        body.push_back(parse_statement());
      } else {
        fail(token, "unexpected '" + token.text + "'");
      }
    }
  }

  StmtPtr parse_statement() {
    const Token keyword = current();
    advance();
    const std::string& tag = keyword.text;
    if (tag == "if") return parse_if(keyword.line);
    if (tag == "for") return parse_for(keyword.line);
    if (tag == "set") return parse_set(keyword.line);
    if (tag == "macro") return parse_macro(keyword.line);
    if (tag == "call") return parse_call_block(keyword.line);
    if (tag == "filter") return parse_filter_block(keyword.line);
    if (tag == "generation") {
      auto stmt = make_stmt(StmtKind::GENERATION, keyword.line);
      expect(TokenType::BLOCK_END, "'%}'");
      stmt->bodies.push_back(parse_end_body({"endgeneration"}));
      return stmt;
    }
    if (tag == "break" || tag == "continue") {
      if (loop_depth_ == 0) fail(keyword, "'" + tag + "' outside of a loop");
      expect(TokenType::BLOCK_END, "'%}'");
      return make_stmt(tag == "break" ? StmtKind::BREAK : StmtKind::CONTINUE, keyword.line);
    }
    fail(keyword, "unknown tag '" + tag + "'");
  }

  // A body closed by `{% end %}` with nothing else in the closing tag.
  Body parse_end_body(const std::vector<std::string>& ends) {
    Body body = parse_body(ends);
    advance();  // the end tag's name
    expect(TokenType::BLOCK_END, "'%}'");
    return body;
  }

  StmtPtr parse_if(int line) {
    auto stmt = make_stmt(StmtKind::IF, line);
    stmt->conditions.push_back(parse_tuple(true));
    expect(TokenType::BLOCK_END, "'%}'");
    while (true) {
      stmt->bodies.push_back(parse_body({"elif", "else", "endif"}));
      std::string tag = current().text;
      advance();
      if (tag == "elif") {
        stmt->conditions.push_back(parse_tuple(true));
        expect(TokenType::BLOCK_END, "'%}'");
      } else if (tag == "else") {
        expect(TokenType::BLOCK_END, "'%}'");
        stmt->bodies.push_back(parse_end_body({"endif"}));
        return stmt;
      } else {
        expect(TokenType::BLOCK_END, "'%}'");
        return stmt;
      }
    }
  }

  StmtPtr parse_for(int line) {
    auto stmt = make_stmt(StmtKind::FOR, line);
    do {
      stmt->targets.push_back(expect(TokenType::NAME, "a loop variable name").text);
    } while (skip_operator(","));
    if (!skip_name("in")) fail(current(), "expected 'in' in the for tag");
    stmt->expr = parse_tuple(false);
    if (skip_name("if")) stmt->conditions.push_back(parse_expression(true));
    if (current().type == TokenType::NAME && current().text == "recursive") {
      fail(current(), "recursive for loops are not supported");
    }
    expect(TokenType::BLOCK_END, "'%}'");
    ++loop_depth_;
    stmt->bodies.push_back(parse_body({"else", "endfor"}));
    --loop_depth_;
    std::string tag = current().text;
    advance();
    expect(TokenType::BLOCK_END, "'%}'");
    if (tag == "else") stmt->bodies.push_back(parse_end_body({"endfor"}));
    return stmt;
  }

  StmtPtr parse_set(int line) {
    auto stmt = make_stmt(StmtKind::SET, line);
    stmt->targets.push_back(expect(TokenType::NAME, "a variable name").text);
    if (skip_operator(".")) {
      stmt->target_attribute = expect(TokenType::NAME, "an attribute name").text;
    } else {
      while (skip_operator(",")) {
        stmt->targets.push_back(expect(TokenType::NAME, "a variable name").text);
      }
    }
    if (skip_operator("=")) {
      stmt->expr = parse_tuple(true);
      expect(TokenType::BLOCK_END, "'%}'");
      return stmt;
    }
    if (stmt->targets.size() != 1) fail(current(), "expected '=' in the set tag");
    expect(TokenType::BLOCK_END, "'%}'");
    stmt->bodies.push_back(parse_end_body({"endset"}));
    return stmt;
  }

  StmtPtr parse_macro(int line) {
    auto stmt = make_stmt(StmtKind::MACRO, line);
    stmt->name = expect(TokenType::NAME, "a macro name").text;
    expect_operator("(");
    while (!skip_operator(")")) {
      if (!stmt->targets.empty()) expect_operator(",");
      stmt->targets.push_back(expect(TokenType::NAME, "a parameter name").text);
      stmt->defaults.push_back(skip_operator("=") ? parse_expression(true) : nullptr);
    }
    expect(TokenType::BLOCK_END, "'%}'");
    int saved_depth = loop_depth_;
    loop_depth_ = 0;
    stmt->bodies.push_back(parse_end_body({"endmacro"}));
    loop_depth_ = saved_depth;
    return stmt;
  }

  StmtPtr parse_call_block(int line) {
    auto stmt = make_stmt(StmtKind::CALL_BLOCK, line);
    if (is_operator("(")) fail(current(), "call blocks with caller arguments are not supported");
    stmt->expr = parse_expression(true);
    if (stmt->expr->kind != ExprKind::CALL) fail(current(), "expected a call in the call tag");
    expect(TokenType::BLOCK_END, "'%}'");
    stmt->bodies.push_back(parse_end_body({"endcall"}));
    return stmt;
  }

  StmtPtr parse_filter_block(int line) {
    auto stmt = make_stmt(StmtKind::FILTER_BLOCK, line);
    ExprPtr node;  // null: the body's text
    do {
      node = parse_filter(std::move(node));
    } while (skip_operator("|"));
    stmt->expr = std::move(node);
    expect(TokenType::BLOCK_END, "'%}'");
    stmt->bodies.push_back(parse_end_body({"endfilter"}));
    return stmt;
  }

  // ---------------------------------------------------------------- expressions

  // `a, b` is a tuple where a statement takes one expression (set, output, for iterable).
  ExprPtr parse_tuple(bool with_condexpr) {
    int line = current().line;
    ExprPtr first = parse_expression(with_condexpr);
    if (!is_operator(",")) return first;
    auto tuple = make_expr(ExprKind::TUPLE, line);
    tuple->operands.push_back(std::move(first));
    while (skip_operator(",")) {
      if (current().type == TokenType::BLOCK_END || current().type == TokenType::VARIABLE_END ||
          is_operator(")")) {
        break;
      }
      tuple->operands.push_back(parse_expression(with_condexpr));
    }
    return tuple;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    ExprPtr node = parse_or();
    while (with_condexpr && is_name("if")) {
      auto conditional = make_expr(ExprKind::CONDITIONAL, current().line);
      advance();
      conditional->operands.push_back(std::move(node));
      conditional->operands.push_back(parse_or());
      conditional->operands.push_back(skip_name("else") ? parse_expression(true) : nullptr);
      node = std::move(conditional);
    }
    return node;
  }

  ExprPtr parse_or() {
    ExprPtr node = parse_and();
    while (is_name("or")) {
      int line = current().line;
      advance();
      node = binary(ExprKind::OR, "", std::move(node), parse_and(), line);
    }
    return node;
  }

  ExprPtr parse_and() {
    ExprPtr node = parse_not();
    while (is_name("and")) {
      int line = current().line;
      advance();
      node = binary(ExprKind::AND, "", std::move(node), parse_not(), line);
    }
    return node;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      auto node = make_expr(ExprKind::NOT, current().line);
      advance();
      node->operands.push_back(parse_not());
      return node;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = current().line;
    ExprPtr first = parse_math1();
    auto compare = make_expr(ExprKind::COMPARE, line);
    compare->operands.push_back(std::move(first));
    while (true) {
      static const char* const kComparisons[] = {"==", "!=", "<", "<=", ">", ">="};
      std::string op;
      for (const char* candidate : kComparisons) {
        if (is_operator(candidate)) op = candidate;
      }
      if (!op.empty()) {
        advance();
      } else if (is_name("in")) {
        advance();
        op = "in";
      } else if (is_name("not") && peek(1).type == TokenType::NAME && peek(1).text == "in") {
        advance();
        advance();
        op = "notin";
      } else {
        break;
      }
      compare->ops.push_back(op);
      compare->operands.push_back(parse_math1());
    }
    if (compare->ops.empty()) return std::move(compare->operands[0]);
    return compare;
  }

  ExprPtr parse_math1() {
    ExprPtr node = parse_concat();
    while (is_operator("+") || is_operator("-")) {
      std::string op = current().text;
      int line = current().line;
      advance();
      node = binary(ExprKind::BINARY, op, std::move(node), parse_concat(), line);
    }
    return node;
  }

  ExprPtr parse_concat() {
    ExprPtr node = parse_math2();
    while (is_operator("~")) {
      int line = current().line;
      advance();
      node = binary(ExprKind::BINARY, "~", std::move(node), parse_math2(), line);
    }
    return node;
  }

  ExprPtr parse_math2() {
    ExprPtr node = parse_pow();
    while (is_operator("*") || is_operator("/") || is_operator("//") || is_operator("%")) {
      std::string op = current().text;
      int line = current().line;
      advance();
      node = binary(ExprKind::BINARY, op, std::move(node), parse_pow(), line);
    }
    return node;
  }

  ExprPtr parse_pow() {
    ExprPtr node = parse_unary(true);
    while (is_operator("**")) {
      int line = current().line;
      advance();
      node = binary(ExprKind::BINARY, "**", std::move(node), parse_unary(true), line);
    }
    return node;
  }

  ExprPtr parse_unary(bool with_filter) {
    ExprPtr node;
    if (is_operator("-") || is_operator("+")) {
      node = make_expr(is_operator("-") ? ExprKind::NEGATE : ExprKind::PLUS, current().line);
      advance();
      node->operands.push_back(parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token token = current();
    auto literal = [&](Value value) {
      auto node = make_expr(ExprKind::LITERAL, token.line);
      node->literal = std::move(value);
      return node;
    };
    if (token.type == TokenType::NAME) {
      advance();
      if (token.text == "true" || token.text == "True") return literal(Value::boolean(true));
      if (token.text == "false" || token.text == "False") return literal(Value::boolean(false));
      if (token.text == "none" || token.text == "None") return literal(Value::none());
      auto node = make_expr(ExprKind::NAME, token.line);
      node->name = token.text;
      return node;
    }
    if (token.type == TokenType::STRING) {
      std::string text;
      while (current().type == TokenType::STRING) {  // adjacent literals concatenate
        text += current().text;
        advance();
      }
      return literal(Value::string(text));
    }
    if (token.type == TokenType::INTEGER) {
      advance();
      try {
        return literal(Value::integer(std::stoll(token.text)));
      } catch (const std::out_of_range&) {
        fail(token, "integer literal " + token.text + " does not fit in 64 bits");
      }
    }
    if (token.type == TokenType::FLOAT) {
      advance();
      return literal(Value::number(std::stod(token.text)));
    }
    if (skip_operator("(")) {
      if (skip_operator(")")) {
        auto empty = make_expr(ExprKind::TUPLE, token.line);
        return empty;
      }
      ExprPtr node = parse_expression(true);
      if (is_operator(",")) {
        auto tuple = make_expr(ExprKind::TUPLE, token.line);
        tuple->operands.push_back(std::move(node));
        while (skip_operator(",") && !is_operator(")")) {
          tuple->operands.push_back(parse_expression(true));
        }
        node = std::move(tuple);
      }
      expect_operator(")");
      return node;
    }
    if (skip_operator("[")) {
      auto list = make_expr(ExprKind::LIST, token.line);
      while (!skip_operator("]")) {
        if (!list->operands.empty()) expect_operator(",");
        if (skip_operator("]")) break;  // trailing comma
        list->operands.push_back(parse_expression(true));
      }
      return list;
    }
    if (skip_operator("{")) {
      auto dict = make_expr(ExprKind::DICT, token.line);
      while (!skip_operator("}")) {
        if (!dict->operands.empty()) expect_operator(",");
        if (skip_operator("}")) break;
        dict->operands.push_back(parse_expression(true));
        expect_operator(":");
        dict->operands.push_back(parse_expression(true));
      }
      return dict;
    }
    fail(token, token.type == TokenType::END_OF_INPUT || token.text.empty()
                    ? std::string("unexpected end of expression")
                    : "unexpected '" + token.text + "'");
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      int line = current().line;
      if (skip_operator(".")) {
        if (current().type == TokenType::INTEGER) {  // x.0 is x[0]
          auto index = make_expr(ExprKind::LITERAL, line);
          index->literal = Value::integer(std::stoll(current().text));
          advance();
          node = binary(ExprKind::SUBSCRIPT, "", std::move(node), std::move(index), line);
          continue;
        }
        auto attribute = make_expr(ExprKind::ATTRIBUTE, line);
        attribute->name = expect(TokenType::NAME, "an attribute name after '.'").text;
        attribute->operands.push_back(std::move(node));
        node = std::move(attribute);
      } else if (skip_operator("[")) {
        node = parse_subscript(std::move(node), line);
      } else if (is_operator("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr target, int line) {
    ExprPtr parts[3];
    if (!is_operator(":")) {
      ExprPtr index = parse_expression(true);
      if (skip_operator("]")) {
        return binary(ExprKind::SUBSCRIPT, "", std::move(target), std::move(index), line);
      }
      parts[0] = std::move(index);
    }
    expect_operator(":");
    if (!is_operator("]") && !is_operator(":")) parts[1] = parse_expression(true);
    if (skip_operator(":") && !is_operator("]")) parts[2] = parse_expression(true);
    expect_operator("]");
    auto slice = make_expr(ExprKind::SLICE, line);
    slice->operands.push_back(std::move(target));
    for (auto& part : parts) slice->operands.push_back(std::move(part));
    return slice;
  }

  // `(args)` after a callee (or filter/test name): operands appended, keywords filled.
  void parse_call_args(Expr& call) {
    expect_operator("(");
    bool first = true;
    while (!skip_operator(")")) {
      if (!first) {
        expect_operator(",");
        if (skip_operator(")")) break;
      }
      first = false;
      if (is_operator("*") || is_operator("**"))
        fail(current(), "*args/**kwargs are not supported");
      if (current().type == TokenType::NAME && peek(1).type == TokenType::OPERATOR &&
          peek(1).text == "=") {
        std::string name = current().text;
        advance();
        advance();
        call.keywords.emplace_back(name, parse_expression(true));
      } else {
        if (!call.keywords.empty()) fail(current(), "positional argument after keyword argument");
        call.operands.push_back(parse_expression(true));
      }
    }
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto call = make_expr(ExprKind::CALL, current().line);
    call->operands.push_back(std::move(callee));
    parse_call_args(*call);
    return call;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (skip_operator("|")) {
        node = parse_filter(std::move(node));
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_operator("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_filter(ExprPtr target) {
    const Token name = expect(TokenType::NAME, "a filter name");
    if (!is_known_filter(name.text)) fail(name, "unknown filter '" + name.text + "'");
    auto filter = make_expr(ExprKind::FILTER, name.line);
    filter->name = name.text;
    filter->operands.push_back(std::move(target));
    if (is_operator("(")) parse_call_args(*filter);
    return filter;
  }

  ExprPtr parse_test(ExprPtr target) {
    auto test = make_expr(ExprKind::TEST, current().line);
    advance();  // is
    test->negated = skip_name("not");
    const Token name = expect(TokenType::NAME, "a test name");
    if (!is_known_test(name.text)) fail(name, "unknown test '" + name.text + "'");
    test->name = name.text;
    test->operands.push_back(std::move(target));
    const Token& next = current();
    bool argument_follows =
        (next.type == TokenType::NAME && next.text != "else" && next.text != "or" &&
         next.text != "and" && next.text != "if" && next.text != "is") ||
        next.type == TokenType::STRING || next.type == TokenType::INTEGER ||
        next.type == TokenType::FLOAT || is_operator("[") || is_operator("{");
    if (is_operator("(")) {
      parse_call_args(*test);
    } else if (argument_follows) {
      test->operands.push_back(parse_postfix(parse_primary()));
    }
    return test;
  }

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

}  // namespace

Template parse_template(const std::string& source, const std::string& origin) {
  Template parsed;
  parsed.origin = origin;
  parsed.body = Parser(tokenize_template(source, origin), origin).parse_all();
  return parsed;
}

}  // namespace r1forge::jinja
