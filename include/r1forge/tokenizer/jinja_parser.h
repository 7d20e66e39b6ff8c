// The Jinja parser: tokens -> syntax tree, with jinja2's grammar and operator precedence
// (condexpr < or < and < not < comparisons/in < + - < ~ < * / // % < ** < unary < postfix and
// filters/tests). Tags: if/elif/else, for (with `if` filter and else), set (names, tuples,
// ns.attr, block set), macro, call, filter, break/continue, transformers' generation.
// Unknown tags, filters and tests are errors here, as in jinja2's compile step.
// Not here: evaluation (jinja_interpreter.h).
#pragma once

#include <string>

#include "r1forge/tokenizer/jinja_ast.h"

namespace r1forge::jinja {

// ConfigError "<origin>:<line>: ..." on any syntax error, an unknown tag ("unknown tag 'foo'"),
// filter ("unknown filter 'foo'") or test ("unknown test 'foo'").
Template parse_template(const std::string& source, const std::string& origin);

}  // namespace r1forge::jinja
