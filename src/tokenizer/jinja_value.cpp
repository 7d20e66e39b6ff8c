// Jinja values with Python semantics: construction, truthiness, iteration, equality and
// ordering, UTF-8 code points (printing is in jinja_printing.cpp); see
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
    case ValueKind::UNDEFINED: return "Undefined";
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
