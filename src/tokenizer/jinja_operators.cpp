// Python operators, attribute access, subscripts and slices on Jinja values; see
// include/r1forge/tokenizer/jinja_operators.h.
#include "r1forge/tokenizer/jinja_operators.h"

#include <cmath>

#include "r1forge/tokenizer/jinja_builtins.h"

namespace r1forge::jinja {

namespace {

// Lists and strings built by * are capped so `'x' * 10**12` is an error, not an OOM.
constexpr int64_t kMaxRepeatedSize = int64_t{64} << 20;

[[noreturn]] void unsupported(const std::string& op, const Value& left, const Value& right) {
  if (left.is_undefined() || right.is_undefined()) {
    throw TemplateError{"an undefined value was used with '" + op + "'"};
  }
  throw TemplateError{"unsupported operand type(s) for " + op + ": '" + left.type_name() +
                      "' and '" + right.type_name() + "'"};
}

bool is_integral(const Value& v) {
  return v.kind() == ValueKind::INT || v.kind() == ValueKind::BOOL;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

Value repeat(const Value& sequence, int64_t count) {
  if (count < 0) count = 0;
  if (sequence.length() * count > kMaxRepeatedSize) {
    throw TemplateError{"sequence repetition too large"};
  }
  if (sequence.is_string()) {
    std::string out;
    for (int64_t i = 0; i < count; ++i) out += sequence.as_string();
    return Value::string(out);
  }
  ValueList out;
  for (int64_t i = 0; i < count; ++i) {
    out.insert(out.end(), sequence.as_list().begin(), sequence.as_list().end());
  }
  return Value::list(out, sequence.is_tuple());
}

// Python's PySlice_AdjustIndices: the positions object[start:stop:step] visits.
std::vector<int64_t> slice_positions(int64_t length,
                                     const Value& start_value,
                                     const Value& stop_value,
                                     const Value& step_value) {
  auto given = [](const Value& v) { return !v.is_undefined() && !v.is_none(); };
  auto as_index = [](const Value& v) {
    if (!is_integral(v)) throw TemplateError{"slice indices must be integers or None"};
    return v.as_int();
  };
  int64_t step = given(step_value) ? as_index(step_value) : 1;
  if (step == 0) throw TemplateError{"slice step cannot be zero"};
  auto clamp = [&](const Value& v, int64_t fallback) {
    if (!given(v)) return fallback;
    int64_t i = as_index(v);
    if (i < 0) {
      i += length;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= length) {
      i = step < 0 ? length - 1 : length;
    }
    return i;
  };
  int64_t start = clamp(start_value, step < 0 ? length - 1 : 0);
  int64_t stop = clamp(stop_value, step < 0 ? -1 : length);
  std::vector<int64_t> positions;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) positions.push_back(i);
  return positions;
}

}  // namespace

Value binary_operator(const std::string& op, const Value& left, const Value& right) {
  if (op == "~") return Value::string(to_output(left) + to_output(right));
  bool numbers = left.is_number() && right.is_number();
  bool integers = is_integral(left) && is_integral(right);
  if (op == "+") {
    if (integers) return Value::integer(left.as_int() + right.as_int());
    if (numbers) return Value::number(left.as_float() + right.as_float());
    if (left.is_string() && right.is_string()) {
      return Value::string(left.as_string() + right.as_string());
    }
    if (left.is_list() && right.is_list() && left.is_tuple() == right.is_tuple()) {
      ValueList items = left.as_list();
      items.insert(items.end(), right.as_list().begin(), right.as_list().end());
      return Value::list(items, left.is_tuple());
    }
    unsupported(op, left, right);
  }
  if (op == "*") {
    if (integers) return Value::integer(left.as_int() * right.as_int());
    if (numbers) return Value::number(left.as_float() * right.as_float());
    if ((left.is_string() || left.is_list()) && is_integral(right)) {
      return repeat(left, right.as_int());
    }
    if ((right.is_string() || right.is_list()) && is_integral(left)) {
      return repeat(right, left.as_int());
    }
    unsupported(op, left, right);
  }
  if (!numbers) {
    if (op == "%" && left.is_string()) {
      throw TemplateError{"printf-style '%' string formatting is not supported; use ~ or format"};
    }
    unsupported(op, left, right);
  }
  if (op == "-") {
    if (integers) return Value::integer(left.as_int() - right.as_int());
    return Value::number(left.as_float() - right.as_float());
  }
  if (op == "**") {
    if (integers && right.as_int() >= 0) {
      int64_t result = 1;
      for (int64_t i = 0; i < right.as_int() && i < 64; ++i) result *= left.as_int();
      return Value::integer(result);
    }
    return Value::number(std::pow(left.as_float(), right.as_float()));
  }
  if (right.as_float() == 0) throw TemplateError{"division by zero"};
  if (op == "/") return Value::number(left.as_float() / right.as_float());
  if (op == "//") {
    if (integers) return Value::integer(floor_div(left.as_int(), right.as_int()));
    return Value::number(std::floor(left.as_float() / right.as_float()));
  }
  if (op == "%") {
    if (integers) {
      int64_t a = left.as_int();
      int64_t b = right.as_int();
      return Value::integer(a - floor_div(a, b) * b);
    }
    double a = left.as_float();
    double b = right.as_float();
    double r = std::fmod(a, b);
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return Value::number(r);
  }
  throw TemplateError{"unknown operator '" + op + "'"};
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case ValueKind::UNDEFINED: return false;
    case ValueKind::STRING:
      if (!item.is_string()) {
        throw TemplateError{"'in <string>' requires string as left operand, not " +
                            item.type_name()};
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case ValueKind::LIST:
      for (const Value& element : container.as_list()) {
        if (values_equal(element, item)) return true;
      }
      return false;
    case ValueKind::DICT: return item.is_string() && container.find(item.as_string()) != nullptr;
    default:
      throw TemplateError{"argument of type '" + container.type_name() + "' is not iterable"};
  }
}

Value get_attribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) {
    throw TemplateError{"cannot read attribute '" + name + "' of an undefined value"};
  }
  if (object.kind() == ValueKind::NAMESPACE) {
    const Value* found = object.find(name);
    return found != nullptr ? *found : Value::undefined();
  }
  Value method = builtin_method(object, name);
  if (!method.is_undefined()) return method;
  if (object.is_dict()) {
    const Value* found = object.find(name);
    if (found != nullptr) return *found;
  }
  return Value::undefined();
}

Value get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) {
    throw TemplateError{"cannot subscript an undefined value with " + to_repr(key)};
  }
  if (object.is_dict() || object.kind() == ValueKind::NAMESPACE) {
    if (key.is_string()) {
      const Value* found = object.find(key.as_string());
      if (found != nullptr) return *found;
      return get_attribute(object, key.as_string());
    }
    return Value::undefined();
  }
  if ((object.is_list() || object.is_string()) && is_integral(key)) {
    int64_t length = object.length();
    int64_t index = key.as_int() < 0 ? key.as_int() + length : key.as_int();
    if (index < 0 || index >= length) return Value::undefined();
    if (object.is_list()) return object.as_list()[static_cast<size_t>(index)];
    return Value::string(
        utf8_encode({utf8_decode(object.as_string())[static_cast<size_t>(index)]}));
  }
  if (key.is_string()) return get_attribute(object, key.as_string());
  return Value::undefined();
}

Value slice_value(const Value& object, const Value& start, const Value& stop, const Value& step) {
  if (object.is_list()) {
    std::vector<int64_t> positions = slice_positions(object.length(), start, stop, step);
    ValueList items;
    for (int64_t i : positions) items.push_back(object.as_list()[static_cast<size_t>(i)]);
    return Value::list(items, object.is_tuple());
  }
  if (object.is_string()) {
    std::u32string text = utf8_decode(object.as_string());
    std::vector<int64_t> positions =
        slice_positions(static_cast<int64_t>(text.size()), start, stop, step);
    std::u32string out;
    for (int64_t i : positions) out.push_back(text[static_cast<size_t>(i)]);
    return Value::string(utf8_encode(out));
  }
  if (object.is_undefined()) throw TemplateError{"cannot slice an undefined value"};
  throw TemplateError{"'" + object.type_name() + "' object is not subscriptable"};
}

}  // namespace r1forge::jinja
