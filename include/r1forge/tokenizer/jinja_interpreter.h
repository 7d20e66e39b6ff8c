// The Jinja interpreter: renders a parsed template (jinja_parser.h) against variables, with
// jinja2's semantics as transformers runs chat templates: scopes (a for-loop iteration and a
// macro call get their own; `set` inside them does not leak; namespace() attributes do), the
// loop object, macros with defaults and caller(), break/continue, Python operators.
// Guards keep a bad template from hanging or exhausting memory: at most 10 million evaluation
// steps, macro calls nested at most 64 deep, at most 256 MiB of output.
// Not here: filters, tests, methods and globals (jinja_builtins.h).
#pragma once

#include <string>

#include "r1forge/tokenizer/jinja_ast.h"

namespace r1forge::jinja {

// Errors name "<origin>:<line>: ": ConfigError for a template that fails on these inputs
// (a type error, an undefined value used, a guard tripped), DataError for the template's own
// raise_exception(msg) (the inputs are what it rejects).
std::string render_template(const Template& parsed, const ValueDict& variables);

}  // namespace r1forge::jinja
