// The Jinja interpreter: renders a parsed template (jinja_parser.h) against variables, with
// jinja2's semantics as transformers runs chat templates: scopes (a for-loop iteration and a
// macro call get their own; `set` inside them does not leak; namespace() attributes do), the
// loop object, macros with defaults and caller(), break/continue, Python operators.
// Guards (RenderLimits) keep a bad template from hanging or exhausting memory.
// Not here: filters, tests, methods and globals (jinja_builtins.h).
#pragma once

#include <cstdint>
#include <string>

#include "r1forge/tokenizer/jinja_ast.h"

namespace r1forge::jinja {

struct RenderLimits {
  // Statements, expressions and loop iterations evaluated; a chat template of a long
  // conversation takes well under a million.
  int64_t max_steps = 10'000'000;
  int max_call_depth = 64;                      // macro calls nested in each other
  size_t max_output_bytes = size_t{256} << 20;  // rendered text
};

// Errors name "<origin>:<line>: ": ConfigError for a template that fails on these inputs
// (a type error, an undefined value used, a guard tripped), DataError for the template's own
// raise_exception(msg) (the inputs are what it rejects).
std::string render_template(const Template& parsed,
                            const ValueDict& variables,
                            const RenderLimits& limits = {});

}  // namespace r1forge::jinja
