// How Jinja values print, as Python prints them: str() for {{ }} output, repr() inside lists
// and dicts, float repr, and transformers' tojson (json.dumps); see
// include/r1forge/tokenizer/jinja_value.h.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "r1forge/tokenizer/jinja_value.h"

namespace r1forge::jinja {

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

}  // namespace r1forge::jinja
