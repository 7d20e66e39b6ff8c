// Jinja statements (tags) of the recursive-descent parser mirroring jinja2's parser.py; the
// expression rules are in jinja_expression_parser.cpp. See
// include/r1forge/tokenizer/jinja_parser.h.
#include "r1forge/tokenizer/jinja_parser.h"

#include "jinja_parser_state.h"

namespace r1forge::jinja {

// ---------------------------------------------------------------- statements
// Statements up to a `{% <one of ends> ...` tag, which is left for the caller (position on
// the tag's name); the end of input is only allowed when ends is empty.
Body Parser::parse_body(const std::vector<std::string>& ends) {
  Body body;
  while (true) {
    const Token& token = current();
    if (token.type == TokenType::END_OF_INPUT) {
      if (!ends.empty()) fail(token, "unexpected end of template, expected '" + ends.back() + "'");
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

StmtPtr Parser::parse_statement() {
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
Body Parser::parse_end_body(const std::vector<std::string>& ends) {
  Body body = parse_body(ends);
  advance();  // the end tag's name
  expect(TokenType::BLOCK_END, "'%}'");
  return body;
}

StmtPtr Parser::parse_if(int line) {
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

StmtPtr Parser::parse_for(int line) {
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

StmtPtr Parser::parse_set(int line) {
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

StmtPtr Parser::parse_macro(int line) {
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

StmtPtr Parser::parse_call_block(int line) {
  auto stmt = make_stmt(StmtKind::CALL_BLOCK, line);
  if (is_operator("(")) fail(current(), "call blocks with caller arguments are not supported");
  stmt->expr = parse_expression(true);
  if (stmt->expr->kind != ExprKind::CALL) fail(current(), "expected a call in the call tag");
  expect(TokenType::BLOCK_END, "'%}'");
  stmt->bodies.push_back(parse_end_body({"endcall"}));
  return stmt;
}

StmtPtr Parser::parse_filter_block(int line) {
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

Template parse_template(const std::string& source, const std::string& origin) {
  Template parsed;
  parsed.origin = origin;
  parsed.body = Parser(tokenize_template(source, origin), origin).parse_all();
  return parsed;
}

}  // namespace r1forge::jinja
