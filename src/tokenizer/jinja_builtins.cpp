// Jinja filters and tests as jinja2 defines them, with transformers' tojson; see
// include/r1forge/tokenizer/jinja_builtins.h.
#include "r1forge/tokenizer/jinja_builtins.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "r1forge/tokenizer/jinja_operators.h"

namespace r1forge::jinja {

namespace {

const std::set<std::string>& filter_names() {
  static const std::set<std::string> kNames = {
      "abs",     "attr",    "capitalize", "count",  "d",      "default",    "dictsort",
      "first",   "float",   "int",        "items",  "join",   "last",       "length",
      "list",    "lower",   "map",        "max",    "min",    "reject",     "rejectattr",
      "replace", "reverse", "round",      "safe",   "select", "selectattr", "sort",
      "string",  "sum",     "title",      "tojson", "trim",   "unique",     "upper"};
  return kNames;
}

const std::set<std::string>& test_names() {
  static const std::set<std::string> kNames = {
      "defined",  "undefined", "none",        "boolean",     "false",   "true",
      "integer",  "float",     "number",      "string",      "mapping", "sequence",
      "iterable", "callable",  "sameas",      "eq",          "equalto", "==",
      "ne",       "!=",        "lt",          "lessthan",    "<",       "le",
      "<=",       "gt",        "greaterthan", ">",           "ge",      ">=",
      "in",       "odd",       "even",        "divisibleby", "lower",   "upper"};
  return kNames;
}

Value argument(const CallArgs& args, size_t index, const char* name) {
  if (index < args.positional.size()) return args.positional[index];
  for (const auto& [key, value] : args.keyword) {
    if (key == name) return value;
  }
  return Value::undefined();
}

Value keyword(const CallArgs& args, const char* name) {
  return argument(args, args.positional.size(), name);
}

bool flag(const CallArgs& args, size_t index, const char* name) {
  return argument(args, index, name).truthy();
}

// Arguments from position `from` on, for filters that pass the rest to a filter or test.
CallArgs rest(const CallArgs& args, size_t from) {
  CallArgs out;
  for (size_t i = from; i < args.positional.size(); ++i)
    out.positional.push_back(args.positional[i]);
  out.keyword = args.keyword;
  return out;
}

// attribute="a.b" or an integer index, as jinja2's make_attrgetter resolves it.
Value resolve_attribute(const Value& item, const Value& attribute) {
  if (attribute.is_undefined() || attribute.is_none()) return item;
  if (attribute.kind() == ValueKind::INT) return get_item(item, attribute);
  Value current = item;
  std::string path = to_output(attribute);
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    current = numeric ? get_item(current, Value::integer(std::stoll(part)))
                      : get_item(current, Value::string(part));
    if (dot == std::string::npos) return current;
    start = dot + 1;
  }
}

// The key jinja2's sort/min/max/unique compare: strings lowercased unless case_sensitive.
Value sort_key(const Value& item, const Value& attribute, bool case_sensitive) {
  Value key = resolve_attribute(item, attribute);
  if (!case_sensitive && key.is_string()) return Value::string(ascii_lower(key.as_string()));
  return key;
}

Value to_int(const Value& value, const Value& fallback) {
  if (value.kind() == ValueKind::INT || value.kind() == ValueKind::BOOL) {
    return Value::integer(value.as_int());
  }
  if (value.kind() == ValueKind::FLOAT)
    return Value::integer(static_cast<int64_t>(value.as_float()));
  if (value.is_string()) {
    std::string text = python_strip(value.as_string(), Value::undefined(), true, true);
    text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
    try {
      size_t used = 0;
      int64_t parsed = std::stoll(text, &used, 10);
      if (used == text.size()) return Value::integer(parsed);
      double real = std::stod(text, &used);
      if (used == text.size()) return Value::integer(static_cast<int64_t>(real));
    } catch (const std::exception&) {
    }
  }
  return fallback.is_undefined() ? Value::integer(0) : fallback;
}

Value to_float(const Value& value, const Value& fallback) {
  if (value.is_number()) return Value::number(value.as_float());
  if (value.is_string()) {
    std::string text = python_strip(value.as_string(), Value::undefined(), true, true);
    try {
      size_t used = 0;
      double parsed = std::stod(text, &used);
      if (used == text.size()) return Value::number(parsed);
    } catch (const std::exception&) {
    }
  }
  return fallback.is_undefined() ? Value::number(0.0) : fallback;
}

// transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value tojson(const Value& value, const CallArgs& args) {
  bool ensure_ascii = flag(args, 0, "ensure_ascii");
  Value indent_value = argument(args, 1, "indent");
  int indent = -1;
  if (indent_value.kind() == ValueKind::INT)
    indent = static_cast<int>(indent_value.as_int());
  else if (!indent_value.is_undefined() && !indent_value.is_none()) {
    throw TemplateError{"tojson indent must be an integer"};
  }
  std::string item_separator = indent >= 0 ? "," : ", ";
  std::string key_separator = ": ";
  Value separators = argument(args, 2, "separators");
  if (separators.is_list()) {
    if (separators.length() != 2 || !separators.as_list()[0].is_string() ||
        !separators.as_list()[1].is_string()) {
      throw TemplateError{"tojson separators must be a pair of strings"};
    }
    item_separator = separators.as_list()[0].as_string();
    key_separator = separators.as_list()[1].as_string();
  }
  std::string text =
      to_json_text(value, indent, item_separator, key_separator, flag(args, 3, "sort_keys"));
  if (!ensure_ascii) return Value::string(text);
  std::string out;  // non-ASCII only occurs inside JSON strings, so escaping it here is safe
  for (char32_t c : utf8_decode(text)) {
    char hex[16];
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x10000) {
      std::snprintf(hex, sizeof(hex), "\\u%04x", static_cast<unsigned>(c));
      out += hex;
    } else {
      unsigned v = static_cast<unsigned>(c) - 0x10000;
      std::snprintf(hex, sizeof(hex), "\\u%04x\\u%04x", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
      out += hex;
    }
  }
  return Value::string(out);
}

ValueList sorted(ValueList items, const Value& attribute, bool case_sensitive, bool reverse) {
  std::stable_sort(items.begin(), items.end(), [&](const Value& a, const Value& b) {
    return value_less(sort_key(a, attribute, case_sensitive),
                      sort_key(b, attribute, case_sensitive));
  });
  if (reverse) std::reverse(items.begin(), items.end());
  return items;
}

}  // namespace

bool is_known_filter(const std::string& name) {
  return filter_names().count(name) > 0;
}
bool is_known_test(const std::string& name) {
  return test_names().count(name) > 0;
}

Value apply_filter(const std::string& name, const Value& value, const CallArgs& args) {
  if (name == "default" || name == "d") {
    bool use_default = value.is_undefined() || (flag(args, 1, "boolean") && !value.truthy());
    if (!use_default) return value;
    Value fallback = argument(args, 0, "default_value");
    return fallback.is_undefined() ? Value::string("") : fallback;
  }
  if (name == "length" || name == "count") return Value::integer(value.length());
  if (name == "tojson") return tojson(value, args);
  if (name == "trim") {
    return Value::string(python_strip(to_output(value), argument(args, 0, "chars"), true, true));
  }
  if (name == "string") return Value::string(to_output(value));
  if (name == "safe") return value;
  if (name == "upper") return Value::string(ascii_upper(to_output(value)));
  if (name == "lower") return Value::string(ascii_lower(to_output(value)));
  if (name == "capitalize" || name == "title") {
    return builtin_method(Value::string(to_output(value)), name).call({});
  }
  if (name == "replace") {
    return builtin_method(Value::string(to_output(value)), "replace").call(args);
  }
  if (name == "int") return to_int(value, argument(args, 0, "default"));
  if (name == "float") return to_float(value, argument(args, 0, "default"));
  if (name == "abs") {
    if (value.kind() == ValueKind::FLOAT) return Value::number(std::fabs(value.as_float()));
    if (value.is_number()) return Value::integer(std::llabs(value.as_int()));
    throw TemplateError{"bad operand type for abs(): '" + value.type_name() + "'"};
  }
  if (name == "round") {
    Value precision_value = argument(args, 0, "precision");
    int64_t precision = precision_value.kind() == ValueKind::INT ? precision_value.as_int() : 0;
    Value method = argument(args, 1, "method");
    std::string how = method.is_string() ? method.as_string() : "common";
    double scale = std::pow(10.0, static_cast<double>(precision));
    double x = value.as_float() * scale;
    // Python's round(), which jinja2's "common" method calls, rounds halves to even.
    double rounded = how == "ceil"    ? std::ceil(x)
                     : how == "floor" ? std::floor(x)
                                      : std::nearbyint(x);
    return Value::number(rounded / scale);
  }
  if (name == "items") {
    if (value.is_undefined()) return Value::list({});
    if (!value.is_dict())
      throw TemplateError{"items filter expects a mapping, got " + value.type_name()};
    return builtin_method(value, "items").call({});
  }
  if (name == "list") return Value::list(value.iterate());
  if (name == "first" || name == "last") {
    ValueList items = value.iterate();
    if (items.empty()) return Value::undefined();
    return name == "first" ? items.front() : items.back();
  }
  if (name == "reverse") {
    if (value.is_string()) {
      std::u32string text = utf8_decode(value.as_string());
      std::reverse(text.begin(), text.end());
      return Value::string(utf8_encode(text));
    }
    ValueList items = value.iterate();
    std::reverse(items.begin(), items.end());
    return Value::list(items);
  }
  if (name == "join") {
    Value attribute = argument(args, 1, "attribute");
    Value separator = argument(args, 0, "d");
    std::string out;
    bool first = true;
    for (const Value& item : value.iterate()) {
      if (!first) out += to_output(separator);
      first = false;
      out += to_output(resolve_attribute(item, attribute));
    }
    return Value::string(out);
  }
  if (name == "attr") return get_attribute(value, to_output(argument(args, 0, "name")));
  if (name == "map") {
    ValueList out;
    Value attribute = keyword(args, "attribute");
    for (const Value& item : value.iterate()) {
      if (!attribute.is_undefined()) {
        Value mapped = resolve_attribute(item, attribute);
        Value fallback = keyword(args, "default");
        out.push_back(mapped.is_undefined() && !fallback.is_undefined() ? fallback : mapped);
      } else {
        if (args.positional.empty()) throw TemplateError{"map needs a filter name or attribute="};
        std::string filter = to_output(args.positional[0]);
        if (!is_known_filter(filter)) throw TemplateError{"unknown filter '" + filter + "'"};
        out.push_back(apply_filter(filter, item, rest(args, 1)));
      }
    }
    return Value::list(out);
  }
  if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
    bool by_attribute = name == "selectattr" || name == "rejectattr";
    bool keep_when = name == "select" || name == "selectattr";
    size_t test_position = by_attribute ? 1 : 0;
    ValueList out;
    for (const Value& item : value.iterate()) {
      Value subject = by_attribute ? resolve_attribute(item, argument(args, 0, "attribute")) : item;
      bool passed;
      if (args.positional.size() > test_position) {
        std::string test = to_output(args.positional[test_position]);
        if (!is_known_test(test)) throw TemplateError{"unknown test '" + test + "'"};
        passed = apply_test(test, subject, rest(args, test_position + 1));
      } else {
        passed = subject.truthy();
      }
      if (passed == keep_when) out.push_back(item);
    }
    return Value::list(out);
  }
  if (name == "sort") {
    return Value::list(sorted(value.iterate(), argument(args, 2, "attribute"),
                              flag(args, 1, "case_sensitive"), flag(args, 0, "reverse")));
  }
  if (name == "dictsort") {
    if (!value.is_dict()) throw TemplateError{"dictsort expects a mapping"};
    ValueList pairs = builtin_method(value, "items").call({}).as_list();
    Value by = argument(args, 1, "by");
    Value position = Value::integer(by.is_string() && by.as_string() == "value" ? 1 : 0);
    return Value::list(
        sorted(pairs, position, flag(args, 0, "case_sensitive"), flag(args, 2, "reverse")));
  }
  if (name == "unique") {
    ValueList out;
    ValueList seen;
    Value attribute = argument(args, 1, "attribute");
    for (const Value& item : value.iterate()) {
      Value key = sort_key(item, attribute, flag(args, 0, "case_sensitive"));
      if (contains(Value::list(seen), key)) continue;
      seen.push_back(key);
      out.push_back(item);
    }
    return Value::list(out);
  }
  if (name == "min" || name == "max") {
    ValueList items = sorted(value.iterate(), argument(args, 1, "attribute"),
                             flag(args, 0, "case_sensitive"), false);
    if (items.empty()) return Value::undefined();
    return name == "min" ? items.front() : items.back();
  }
  if (name == "sum") {
    Value total = argument(args, 1, "start");
    if (total.is_undefined()) total = Value::integer(0);
    for (const Value& item : value.iterate()) {
      total = binary_operator("+", total, resolve_attribute(item, argument(args, 0, "attribute")));
    }
    return total;
  }
  throw TemplateError{"unknown filter '" + name + "'"};
}

bool apply_test(const std::string& name, const Value& value, const CallArgs& args) {
  Value other = argument(args, 0, "other");
  if (name == "defined") return !value.is_undefined();
  if (name == "undefined") return value.is_undefined();
  if (name == "none") return value.is_none();
  if (name == "boolean") return value.kind() == ValueKind::BOOL;
  if (name == "false") return value.kind() == ValueKind::BOOL && !value.as_bool();
  if (name == "true") return value.kind() == ValueKind::BOOL && value.as_bool();
  if (name == "integer") return value.kind() == ValueKind::INT;
  if (name == "float") return value.kind() == ValueKind::FLOAT;
  if (name == "number") return value.is_number();
  if (name == "string") return value.is_string();
  if (name == "mapping") return value.is_dict();
  // jinja2's default Undefined has __len__, __iter__ and __getitem__, so it passes these two.
  if (name == "sequence" || name == "iterable") {
    return value.is_undefined() || value.is_string() || value.is_list() || value.is_dict();
  }
  if (name == "callable") return value.kind() == ValueKind::CALLABLE;
  if (name == "sameas") {
    if (value.is_number() || value.is_string())
      return value.kind() == other.kind() && values_equal(value, other);
    return value.kind() == other.kind() && (value.is_none() || value.is_undefined());
  }
  if (name == "eq" || name == "equalto" || name == "==") return values_equal(value, other);
  if (name == "ne" || name == "!=") return !values_equal(value, other);
  if (name == "lt" || name == "lessthan" || name == "<") return value_less(value, other);
  if (name == "le" || name == "<=") return !value_less(other, value);
  if (name == "gt" || name == "greaterthan" || name == ">") return value_less(other, value);
  if (name == "ge" || name == ">=") return !value_less(value, other);
  if (name == "in") return contains(other, value);
  if (name == "odd" || name == "even" || name == "divisibleby") {
    if (value.kind() != ValueKind::INT) throw TemplateError{"'" + name + "' test needs an integer"};
    int64_t divisor = name == "divisibleby" ? other.as_int() : 2;
    if (divisor == 0) throw TemplateError{"integer division or modulo by zero"};
    bool divisible = value.as_int() % divisor == 0;
    return name == "odd" ? !divisible : divisible;
  }
  if (name == "lower" || name == "upper") {
    std::string text = to_output(value);
    bool cased = std::any_of(text.begin(), text.end(), ::isalpha);
    return cased && text == (name == "lower" ? ascii_lower(text) : ascii_upper(text));
  }
  throw TemplateError{"unknown test '" + name + "'"};
}

}  // namespace r1forge::jinja
