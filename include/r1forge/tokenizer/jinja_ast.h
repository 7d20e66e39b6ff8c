// The syntax tree of a parsed Jinja template: expressions and statements, each with the source
// line it starts on (for error messages). Plain structs: the parser (jinja_parser.h) builds
// them, the interpreter (jinja_interpreter.h) walks them.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "r1forge/tokenizer/jinja_value.h"

namespace r1forge::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind {
  LITERAL,      // literal
  NAME,         // name
  LIST,         // operands
  TUPLE,        // operands
  DICT,         // operands: key, value, key, value, ...
  ATTRIBUTE,    // operands[0].name
  SUBSCRIPT,    // operands[0][operands[1]]
  SLICE,        // operands[0][operands[1]:operands[2]:operands[3]], absent parts null
  CALL,         // operands[0](operands[1..], keywords)
  FILTER,       // operands[0] | name(operands[1..], keywords)
  TEST,         // operands[0] is [not] name(operands[1..])
  NEGATE,       // -operands[0]
  PLUS,         // +operands[0]
  NOT,          // not operands[0]
  AND,          // operands[0] and operands[1]
  OR,           // operands[0] or operands[1]
  BINARY,       // operands[0] op operands[1]: + - * / // % ** ~
  COMPARE,      // operands[0] ops[0] operands[1] ops[1] ...: == != < <= > >= in notin
  CONDITIONAL,  // operands[0] if operands[1] else operands[2] (null: undefined)
};

struct Expr {
  ExprKind kind = ExprKind::LITERAL;
  int line = 0;
  Value literal;
  std::string name;              // NAME, ATTRIBUTE, FILTER, TEST; BINARY's operator
  std::vector<std::string> ops;  // COMPARE's operators
  bool negated = false;          // TEST: `is not`
  std::vector<ExprPtr> operands;
  std::vector<std::pair<std::string, ExprPtr>> keywords;  // CALL, FILTER keyword arguments
};

enum class StmtKind {
  TEXT,          // text
  OUTPUT,        // {{ expr }}
  IF,            // conditions[i] -> bodies[i]; bodies.back() is the else branch when longer
  FOR,           // for targets in expr [if condition]: bodies[0], else bodies[1]
  SET,           // targets (names, or target_object.attribute) = expr, or the rendered bodies[0]
  MACRO,         // name(parameters, defaults) bodies[0]
  CALL_BLOCK,    // {% call expr %} bodies[0] {% endcall %}: expr gets caller()
  FILTER_BLOCK,  // {% filter expr %} bodies[0]: expr is a FILTER with a null first operand
  GENERATION,    // transformers' {% generation %} bodies[0] {% endgeneration %}: renders the body
  BREAK,
  CONTINUE,
};

struct Stmt {
  StmtKind kind = StmtKind::TEXT;
  int line = 0;
  std::string text;
  ExprPtr expr;
  std::vector<ExprPtr> conditions;  // IF; FOR's filter as conditions[0] when present
  std::vector<Body> bodies;
  std::vector<std::string> targets;  // FOR/SET names; MACRO parameter names
  std::string target_attribute;      // SET ns.attr: targets = {"ns"}, target_attribute "attr"
  std::vector<ExprPtr> defaults;     // MACRO: one per parameter, null when none
  std::string name;                  // MACRO name
};

struct Template {
  std::string origin;
  Body body;
};

}  // namespace r1forge::jinja
