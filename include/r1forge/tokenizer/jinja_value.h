// The values a Jinja template computes with, with Python's semantics as jinja2 gives them:
// undefined (jinja2's default Undefined: renders empty, is falsy, iterates as empty, fails on
// arithmetic and attribute access), none, bool, int (64-bit), float, str (UTF-8, indexed by
// code point), list/tuple, dict (insertion-ordered, string keys), namespace (shared, mutable),
// and callables (built-ins, bound methods, macros). Lists and dicts are immutable, as in
// transformers' ImmutableSandboxedEnvironment.
// Not here: the lexer, parser and interpreter (jinja_lexer.h, jinja_parser.h,
// jinja_interpreter.h), filters/tests/methods (jinja_builtins.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace r1forge::jinja {

// An error while rendering, without a location: the interpreter adds "<origin>:<line>: ".
// `raised` marks raise_exception(msg) from the template itself (the conversation is bad).
struct TemplateError {
  std::string message;
  bool raised = false;
};

class Value;
using ValueList = std::vector<Value>;
using ValueDict = std::vector<std::pair<std::string, Value>>;  // insertion order, unique keys

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};
using NativeFunction = std::function<Value(const CallArgs&)>;

enum class ValueKind { UNDEFINED, NONE, BOOL, INT, FLOAT, STRING, LIST, DICT, NAMESPACE, CALLABLE };

class Value {
 public:
  Value() = default;  // undefined
  static Value undefined() { return Value(); }
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value number(double f);
  static Value string(std::string s);
  static Value list(ValueList items, bool is_tuple = false);
  static Value dict(ValueDict items);
  static Value namespace_object(ValueDict attributes);
  static Value callable(std::string name, NativeFunction function);
  static Value from_json(const nlohmann::json& json);
  static Value from_json(const nlohmann::ordered_json& json);  // keeps the file's key order

  ValueKind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == ValueKind::UNDEFINED; }
  bool is_none() const { return kind_ == ValueKind::NONE; }
  bool is_string() const { return kind_ == ValueKind::STRING; }
  bool is_list() const { return kind_ == ValueKind::LIST; }
  bool is_dict() const { return kind_ == ValueKind::DICT; }
  bool is_number() const;  // bool, int or float (Python's numbers.Number)
  bool is_tuple() const { return kind_ == ValueKind::LIST && tuple_; }

  bool as_bool() const { return bool_; }
  int64_t as_int() const { return int_; }  // also for bool
  double as_float() const;                 // bool, int or float
  const std::string& as_string() const { return string_; }
  const ValueList& as_list() const { return *list_; }
  const ValueDict& as_dict() const { return *dict_; }
  ValueDict& namespace_attributes() const { return *namespace_; }
  const std::string& callable_name() const { return string_; }
  Value call(const CallArgs& args) const;

  // Python truthiness: empty str/list/dict, 0, none and undefined are false.
  bool truthy() const;
  // Dict or namespace member by key; nullptr when absent.
  const Value* find(const std::string& key) const;
  // What iterating yields: list items, dict keys, string characters, nothing for undefined.
  ValueList iterate() const;
  // len(): code points of a string, items of a list/dict; 0 for undefined.
  int64_t length() const;
  // A short type name for messages ("str", "list", "undefined").
  std::string type_name() const;

 private:
  ValueKind kind_ = ValueKind::UNDEFINED;
  bool bool_ = false;
  bool tuple_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string string_;  // string value, or the callable's name
  std::shared_ptr<const ValueList> list_;
  std::shared_ptr<const ValueDict> dict_;
  std::shared_ptr<ValueDict> namespace_;
  std::shared_ptr<const NativeFunction> function_;
};

// str(value) as jinja2 prints it: "" for undefined, "None", "True", Python float repr, Python
// repr of lists and dicts.
std::string to_output(const Value& value);
// repr(value): strings quoted as Python quotes them.
std::string to_repr(const Value& value);
// json.dumps(value, ensure_ascii=False, indent=indent (<0: None), separators=(item, key),
// sort_keys=sort_keys): transformers' tojson.
std::string to_json_text(const Value& value,
                         int indent,
                         const std::string& item_separator,
                         const std::string& key_separator,
                         bool sort_keys);
// Python's float repr: 1.0, 0.1, 1e+20, inf, nan.
std::string float_repr(double value);

// Python ==: 1 == 1.0 == True, deep for lists and dicts, undefined equals undefined only.
bool values_equal(const Value& a, const Value& b);
// Python <: numbers, strings (by code point), lists lexicographically; TemplateError otherwise.
bool value_less(const Value& a, const Value& b);

// UTF-8 <-> code points, for indexing, slicing and stripping as Python does (invalid bytes
// decode as U+FFFD).
std::u32string utf8_decode(const std::string& text);
std::string utf8_encode(const std::u32string& code_points);

}  // namespace r1forge::jinja
