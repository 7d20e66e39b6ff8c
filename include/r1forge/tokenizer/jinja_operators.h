// Python's operators on Jinja values as jinja2 applies them: arithmetic and `~`, `in`,
// attribute access (built-in methods first, then dict keys, as jinja2's getattr), subscripts
// (keys first, then methods, as jinja2's getitem) and slices with steps. Missing keys,
// attributes and out-of-range indexes give undefined; doing anything but test or print with an
// undefined value is a TemplateError, as with jinja2's default Undefined.
// Not here: statements (jinja_interpreter.cpp), filters (jinja_builtins.h).
#pragma once

#include <string>

#include "r1forge/tokenizer/jinja_value.h"

namespace r1forge::jinja {

// op: + - * / // % ** ~
Value binary_operator(const std::string& op, const Value& left, const Value& right);
bool contains(const Value& container, const Value& item);
Value get_attribute(const Value& object, const std::string& name);
Value get_item(const Value& object, const Value& key);
// object[start:stop:step]; undefined/none parts are omitted ones.
Value slice_value(const Value& object, const Value& start, const Value& stop, const Value& step);

}  // namespace r1forge::jinja
