// Jinja values with Python semantics: construction, truthiness, iteration, str()/repr(),
// transformers' tojson, equality and ordering, UTF-8 code points; see
// include/r1forge/tokenizer/jinja_value.h.
#include "r1forge/tokenizer/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace r1forge::jinja {

Value Value::none() {
  Value v;
  v.kind_ = ValueKind::NONE;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.kind_ = ValueKind::BOOL;
  v.bool_ = b;
  v.int_ = b ? 1 : 0;
  return v;
}
Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = ValueKind::INT;
  v.int_ = i;
  return v;
}
Value Value::number(double f) {
  Value v;
  v.kind_ = ValueKind::FLOAT;
  v.float_ = f;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.kind_ = ValueKind::STRING;
  v.string_ = std::move(s);
  return v;
}
Value Value::list(ValueList items, bool is_tuple) {
  Value v;
  v.kind_ = ValueKind::LIST;
  v.tuple_ = is_tuple;
  v.list_ = std::make_shared<const ValueList>(std::move(items));
  return v;
}
Value Value::dict(ValueDict items) {
  Value v;
  v.kind_ = ValueKind::DICT;
  v.dict_ = std::make_shared<const ValueDict>(std::move(items));
  return v;
}
Value Value::namespace_object(ValueDict attributes) {
  Value v;
  v.kind_ = ValueKind::NAMESPACE;
  v.namespace_ = std::make_shared<ValueDict>(std::move(attributes));
  return v;
}
Value Value::callable(std::string name, NativeFunction function) {
  Value v;
  v.kind_ = ValueKind::CALLABLE;
  v.string_ = std::move(name);
  v.function_ = std::make_shared<const NativeFunction>(std::move(function));
  return v;
}

namespace {
template <typename Json>
Value value_from_json(const Json& json) {
  if (json.is_null()) return Value::none();
  if (json.is_boolean()) return Value::boolean(json.template get<bool>());
  if (json.is_number_integer()) return Value::integer(json.template get<int64_t>());
  if (json.is_number()) return Value::number(json.template get<double>());
  if (json.is_string()) return Value::string(json.template get<std::string>());
  if (json.is_array()) {
    ValueList items;
    for (const auto& item : json) items.push_back(value_from_json(item));
    return Value::list(std::move(items));
  }
  ValueDict items;
  for (auto it = json.begin(); it != json.end(); ++it) {
    items.emplace_back(it.key(), value_from_json(it.value()));
  }
  return Value::dict(std::move(items));
}
}  // namespace

Value Value::from_json(const nlohmann::json& json) {
  return value_from_json(json);
}
Value Value::from_json(const nlohmann::ordered_json& json) {
  return value_from_json(json);
}

bool Value::is_number() const {
  return kind_ == ValueKind::BOOL || kind_ == ValueKind::INT || kind_ == ValueKind::FLOAT;
}

double Value::as_float() const {
  return kind_ == ValueKind::FLOAT ? float_ : static_cast<double>(int_);
}

Value Value::call(const CallArgs& args) const {
  if (kind_ != ValueKind::CALLABLE) {
    throw TemplateError{"'" + type_name() + "' object is not callable"};
  }
  return (*function_)(args);
}

bool Value::truthy() const {
  switch (kind_) {
    case ValueKind::UNDEFINED:
    case ValueKind::NONE: return false;
    case ValueKind::BOOL: return bool_;
    case ValueKind::INT: return int_ != 0;
    case ValueKind::FLOAT: return float_ != 0;
    case ValueKind::STRING: return !string_.empty();
    case ValueKind::LIST: return !list_->empty();
    case ValueKind::DICT: return !dict_->empty();
    default: return true;
  }
}

const Value* Value::find(const std::string& key) const {
  const ValueDict* items = kind_ == ValueKind::DICT        ? dict_.get()
                           : kind_ == ValueKind::NAMESPACE ? namespace_.get()
                                                           : nullptr;
  if (items == nullptr) return nullptr;
  for (const auto& [name, value] : *items) {
    if (name == key) return &value;
  }
  return nullptr;
}

ValueList Value::iterate() const {
  switch (kind_) {
    case ValueKind::UNDEFINED: return {};
    case ValueKind::LIST: return *list_;
    case ValueKind::DICT: {
      ValueList keys;
      for (const auto& item : *dict_) keys.push_back(Value::string(item.first));
      return keys;
    }
    case ValueKind::STRING: {
      ValueList characters;
      for (char32_t c : utf8_decode(string_)) characters.push_back(string(utf8_encode({c})));
      return characters;
    }
    default: throw TemplateError{"'" + type_name() + "' object is not iterable"};
  }
}

int64_t Value::length() const {
  switch (kind_) {
    case ValueKind::UNDEFINED: return 0;
    case ValueKind::STRING: return static_cast<int64_t>(utf8_decode(string_).size());
    case ValueKind::LIST: return static_cast<int64_t>(list_->size());
    case ValueKind::DICT: return static_cast<int64_t>(dict_->size());
    default: throw TemplateError{"object of type '" + type_name() + "' has no len()"};
  }
}

std::string Value::type_name() const {
  switch (kind_) {
    case ValueKind::UNDEFINED: return "undefined";
    case ValueKind::NONE: return "NoneType";
    case ValueKind::BOOL: return "bool";
    case ValueKind::INT: return "int";
    case ValueKind::FLOAT: return "float";
    case ValueKind::STRING: return "str";
    case ValueKind::LIST: return tuple_ ? "tuple" : "list";
    case ValueKind::DICT: return "dict";
    case ValueKind::NAMESPACE: return "Namespace";
    case ValueKind::CALLABLE: return "function";
  }
  return "?";
}

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  // Shortest round-trip digits in scientific form, "d.ddde[+-]XX", then laid out as Python's
  // repr does: fixed notation for decimal exponents -4..15, scientific otherwise.
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  std::string scientific(buffer, end);
  bool negative = scientific[0] == '-';
  if (negative) scientific.erase(0, 1);
  size_t e_pos = scientific.find('e');
  std::string digits = scientific.substr(0, e_pos);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exponent = std::stoi(scientific.substr(e_pos + 1));
  std::string out;
  if (exponent < -4 || exponent >= 16) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char exponent_text[16];
    std::snprintf(exponent_text, sizeof(exponent_text), "e%c%02d", exponent < 0 ? '-' : '+',
                  std::abs(exponent));
    out += exponent_text;
  } else if (exponent >= 0) {
    std::string integer_part = digits.substr(0, std::min<size_t>(digits.size(), exponent + 1));
    integer_part.resize(exponent + 1, '0');
    std::string fraction = digits.size() > static_cast<size_t>(exponent + 1)
                               ? digits.substr(exponent + 1)
                               : std::string("0");
    out = integer_part + "." + fraction;
  } else {
    out = "0." + std::string(-exponent - 1, '0') + digits;
  }
  return negative ? "-" + out : out;
}

namespace {

bool printable(char32_t c) {
  if (c < 0x20 || (c >= 0x7f && c <= 0xa0) || c == 0xad) return false;
  if ((c >= 0x2000 && c <= 0x200f) || c == 0x2028 || c == 0x2029 || c == 0x3000) return false;
  if ((c >= 0x2060 && c <= 0x2064) || c == 0xfeff || c == 0x202f || c == 0x205f) return false;
  return true;
}

std::string string_repr(const std::string& text) {
  bool has_single = text.find('\'') != std::string::npos;
  bool has_double = text.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : utf8_decode(text)) {
    char hex[16];
    if (c == '\\')
      out += "\\\\";
    else if (c == static_cast<char32_t>(quote))
      out += std::string("\\") + quote;
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (printable(c))
      out += utf8_encode({c});
    else {
      std::snprintf(hex, sizeof(hex), c <= 0xff ? "\\x%02x" : "\\u%04x", static_cast<unsigned>(c));
      out += hex;
    }
  }
  return out + quote;
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof(hex), "\\u%04x", static_cast<unsigned>(c));
          out += hex;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void append_json(const Value& value,
                 int indent,
                 int depth,
                 const std::string& item_separator,
                 const std::string& key_separator,
                 bool sort_keys,
                 std::string& out) {
  auto newline = [&](int level) {
    if (indent >= 0) out += "\n" + std::string(static_cast<size_t>(indent * level), ' ');
  };
  switch (value.kind()) {
    case ValueKind::NONE: out += "null"; return;
    case ValueKind::BOOL: out += value.as_bool() ? "true" : "false"; return;
    case ValueKind::INT: out += std::to_string(value.as_int()); return;
    case ValueKind::FLOAT: {
      double f = value.as_float();
      out += std::isnan(f)   ? "NaN"
             : std::isinf(f) ? (f < 0 ? "-Infinity" : "Infinity")
                             : float_repr(f);
      return;
    }
    case ValueKind::STRING: out += json_string(value.as_string()); return;
    case ValueKind::LIST: {
      if (value.as_list().empty()) {
        out += "[]";
        return;
      }
      out += "[";
      bool first = true;
      for (const Value& item : value.as_list()) {
        if (!first) out += item_separator;
        first = false;
        newline(depth + 1);
        append_json(item, indent, depth + 1, item_separator, key_separator, sort_keys, out);
      }
      newline(depth);
      out += "]";
      return;
    }
    case ValueKind::DICT: {
      if (value.as_dict().empty()) {
        out += "{}";
        return;
      }
      ValueDict items = value.as_dict();
      if (sort_keys) {
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
      }
      out += "{";
      bool first = true;
      for (const auto& [key, item] : items) {
        if (!first) out += item_separator;
        first = false;
        newline(depth + 1);
        out += json_string(key) + key_separator;
        append_json(item, indent, depth + 1, item_separator, key_separator, sort_keys, out);
      }
      newline(depth);
      out += "}";
      return;
    }
    default:
      throw TemplateError{"Object of type " + value.type_name() + " is not JSON serializable"};
  }
}

}  // namespace

std::string to_repr(const Value& value) {
  switch (value.kind()) {
    case ValueKind::STRING: return string_repr(value.as_string());
    case ValueKind::UNDEFINED: return "Undefined";
    default: return to_output(value);
  }
}

std::string to_output(const Value& value) {
  switch (value.kind()) {
    case ValueKind::UNDEFINED: return "";
    case ValueKind::NONE: return "None";
    case ValueKind::BOOL: return value.as_bool() ? "True" : "False";
    case ValueKind::INT: return std::to_string(value.as_int());
    case ValueKind::FLOAT: return float_repr(value.as_float());
    case ValueKind::STRING: return value.as_string();
    case ValueKind::LIST: {
      std::string out = value.is_tuple() ? "(" : "[";
      for (size_t i = 0; i < value.as_list().size(); ++i) {
        if (i > 0) out += ", ";
        out += to_repr(value.as_list()[i]);
      }
      if (value.is_tuple() && value.as_list().size() == 1) out += ",";
      return out + (value.is_tuple() ? ")" : "]");
    }
    case ValueKind::DICT:
    case ValueKind::NAMESPACE: {
      const ValueDict& items =
          value.kind() == ValueKind::DICT ? value.as_dict() : value.namespace_attributes();
      std::string out = "{";
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ", ";
        out += string_repr(items[i].first) + ": " + to_repr(items[i].second);
      }
      out += "}";
      return value.kind() == ValueKind::DICT ? out : "<Namespace " + out + ">";
    }
    case ValueKind::CALLABLE: return "<function " + value.callable_name() + ">";
  }
  return "";
}

std::string to_json_text(const Value& value,
                         int indent,
                         const std::string& item_separator,
                         const std::string& key_separator,
                         bool sort_keys) {
  std::string out;
  append_json(value, indent, 0, item_separator, key_separator, sort_keys, out);
  return out;
}

bool values_equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == ValueKind::FLOAT || b.kind() == ValueKind::FLOAT) {
      return a.as_float() == b.as_float();
    }
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::UNDEFINED:
    case ValueKind::NONE: return true;
    case ValueKind::STRING: return a.as_string() == b.as_string();
    case ValueKind::LIST: {
      if (a.is_tuple() != b.is_tuple() || a.as_list().size() != b.as_list().size()) return false;
      for (size_t i = 0; i < a.as_list().size(); ++i) {
        if (!values_equal(a.as_list()[i], b.as_list()[i])) return false;
      }
      return true;
    }
    case ValueKind::DICT: {
      if (a.as_dict().size() != b.as_dict().size()) return false;
      for (const auto& [key, item] : a.as_dict()) {
        const Value* other = b.find(key);
        if (other == nullptr || !values_equal(item, *other)) return false;
      }
      return true;
    }
    case ValueKind::NAMESPACE: return &a.namespace_attributes() == &b.namespace_attributes();
    default: return false;
  }
}

bool value_less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.kind() == ValueKind::FLOAT || b.kind() == ValueKind::FLOAT) {
      return a.as_float() < b.as_float();
    }
    return a.as_int() < b.as_int();
  }
  // Byte order of valid UTF-8 is code point order, which is how Python compares str.
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list()) {
    const ValueList& x = a.as_list();
    const ValueList& y = b.as_list();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!values_equal(x[i], y[i])) return value_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  throw TemplateError{"'<' not supported between instances of '" + a.type_name() + "' and '" +
                      b.type_name() + "'"};
}

std::u32string utf8_decode(const std::string& text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    int extra = lead < 0x80           ? 0
                : (lead >> 5) == 0x6  ? 1
                : (lead >> 4) == 0xe  ? 2
                : (lead >> 3) == 0x1e ? 3
                                      : -1;
    if (extra < 0 || i + static_cast<size_t>(extra) >= text.size()) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    char32_t code = extra == 0 ? lead : lead & (0x3f >> extra);
    bool valid = true;
    for (int k = 1; k <= extra; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) {
        valid = false;
        break;
      }
      code = (code << 6) | (next & 0x3f);
    }
    if (!valid) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    out.push_back(code);
    i += extra + 1;
  }
  return out;
}

std::string utf8_encode(const std::u32string& code_points) {
  std::string out;
  for (char32_t c : code_points) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xc0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xe0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (c & 0x3f));
    }
  }
  return out;
}

}  // namespace r1forge::jinja
