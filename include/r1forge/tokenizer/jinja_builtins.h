// Jinja's built-ins as transformers' sandbox exposes them: filters (tojson as transformers
// defines it, trim, length, default, join, items, ...), tests (defined, none, string, mapping,
// ...), methods of str/dict/list values (split, strip, startswith, get, items, ...) and the
// globals namespace(), range(), dict(), raise_exception(msg), strftime_now(fmt).
// Case mapping is ASCII-only (chat templates only change the case of ASCII role names).
// Not here: operators and statements (jinja_interpreter.cpp).
#pragma once

#include <map>
#include <string>

#include "r1forge/tokenizer/jinja_value.h"

namespace r1forge::jinja {

bool is_known_filter(const std::string& name);
bool is_known_test(const std::string& name);

// Applies filter `name` to value; TemplateError for bad arguments. Filters that take a filter
// or test by name (map, select, reject) call back into these functions.
Value apply_filter(const std::string& name, const Value& value, const CallArgs& args);
bool apply_test(const std::string& name, const Value& value, const CallArgs& args);

// value.name as jinja2's getattr sees a built-in method of str/dict/list: a bound callable, or
// an undefined Value when the type has no such method.
Value builtin_method(const Value& value, const std::string& name);

// Python's str.strip/lstrip/rstrip: chars undefined or none strips Unicode whitespace.
std::string python_strip(const std::string& text, const Value& chars, bool left, bool right);
std::string ascii_lower(std::string text);
std::string ascii_upper(std::string text);

// The global functions every render sees.
std::map<std::string, Value> builtin_globals();

}  // namespace r1forge::jinja
