// Jinja expressions of the recursive-descent parser, with jinja2's operator precedence; see
// include/r1forge/tokenizer/jinja_parser.h and jinja_parser_state.h.
#include "jinja_parser_state.h"
#include "r1forge/tokenizer/jinja_builtins.h"

namespace r1forge::jinja {

// ---------------------------------------------------------------- expressions
// `a, b` is a tuple where a statement takes one expression (set, output, for iterable).
ExprPtr Parser::parse_tuple(bool with_condexpr) {
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

ExprPtr Parser::parse_expression(bool with_condexpr) {
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

ExprPtr Parser::parse_or() {
  ExprPtr node = parse_and();
  while (is_name("or")) {
    int line = current().line;
    advance();
    node = binary(ExprKind::OR, "", std::move(node), parse_and(), line);
  }
  return node;
}

ExprPtr Parser::parse_and() {
  ExprPtr node = parse_not();
  while (is_name("and")) {
    int line = current().line;
    advance();
    node = binary(ExprKind::AND, "", std::move(node), parse_not(), line);
  }
  return node;
}

ExprPtr Parser::parse_not() {
  if (is_name("not")) {
    auto node = make_expr(ExprKind::NOT, current().line);
    advance();
    node->operands.push_back(parse_not());
    return node;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
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

ExprPtr Parser::parse_math1() {
  ExprPtr node = parse_concat();
  while (is_operator("+") || is_operator("-")) {
    std::string op = current().text;
    int line = current().line;
    advance();
    node = binary(ExprKind::BINARY, op, std::move(node), parse_concat(), line);
  }
  return node;
}

ExprPtr Parser::parse_concat() {
  ExprPtr node = parse_math2();
  while (is_operator("~")) {
    int line = current().line;
    advance();
    node = binary(ExprKind::BINARY, "~", std::move(node), parse_math2(), line);
  }
  return node;
}

ExprPtr Parser::parse_math2() {
  ExprPtr node = parse_pow();
  while (is_operator("*") || is_operator("/") || is_operator("//") || is_operator("%")) {
    std::string op = current().text;
    int line = current().line;
    advance();
    node = binary(ExprKind::BINARY, op, std::move(node), parse_pow(), line);
  }
  return node;
}

ExprPtr Parser::parse_pow() {
  ExprPtr node = parse_unary(true);
  while (is_operator("**")) {
    int line = current().line;
    advance();
    node = binary(ExprKind::BINARY, "**", std::move(node), parse_unary(true), line);
  }
  return node;
}

ExprPtr Parser::parse_unary(bool with_filter) {
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

ExprPtr Parser::parse_primary() {
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
  fail(token, "expected an expression" + found());
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
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

ExprPtr Parser::parse_subscript(ExprPtr target, int line) {
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
void Parser::parse_call_args(Expr& call) {
  expect_operator("(");
  bool first = true;
  while (!skip_operator(")")) {
    if (!first) {
      expect_operator(",");
      if (skip_operator(")")) break;
    }
    first = false;
    if (is_operator("*") || is_operator("**")) fail(current(), "*args/**kwargs are not supported");
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

ExprPtr Parser::parse_call(ExprPtr callee) {
  auto call = make_expr(ExprKind::CALL, current().line);
  call->operands.push_back(std::move(callee));
  parse_call_args(*call);
  return call;
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
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

ExprPtr Parser::parse_filter(ExprPtr target) {
  const Token name = expect(TokenType::NAME, "a filter name");
  if (!is_known_filter(name.text)) fail(name, "unknown filter '" + name.text + "'");
  auto filter = make_expr(ExprKind::FILTER, name.line);
  filter->name = name.text;
  filter->operands.push_back(std::move(target));
  if (is_operator("(")) parse_call_args(*filter);
  return filter;
}

ExprPtr Parser::parse_test(ExprPtr target) {
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

}  // namespace r1forge::jinja
