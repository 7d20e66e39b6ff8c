// Scalar parsing with YAML 1.2 core-schema rules, key checks and emission; see
// include/r1forge/core/yaml_io.h. yaml-cpp's own as<T>() is too lenient for configs (it reads
// `yes` as true and `1.5` as 1 in places), so plain scalars are classified here by the core
// schema's grammar and parsed with std::from_chars.
#include "r1forge/core/yaml_io.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "r1forge/core/check.h"

namespace r1forge {
namespace yaml_detail {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Length of the run of characters matching `pred` at the start of `text`.
template <class Pred>
size_t span(std::string_view text, Pred pred) {
  size_t n = 0;
  while (n < text.size() && pred(text[n])) ++n;
  return n;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, the core schema's finite float.
bool is_finite_float(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  const size_t whole = span(text, is_digit);
  text.remove_prefix(whole);
  if (!text.empty() && text[0] == '.') {
    text.remove_prefix(1);
    const size_t fraction = span(text, is_digit);
    if (whole == 0 && fraction == 0) return false;
    text.remove_prefix(fraction);
  } else if (whole == 0) {
    return false;
  }
  if (text.empty()) return true;
  if (text[0] != 'e' && text[0] != 'E') return false;
  text.remove_prefix(1);
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return !text.empty() && span(text, is_digit) == text.size();
}

}  // namespace

// Hand-written rather than std::regex: libstdc++'s regex executor recurses once per character,
// so a long plain scalar of digits (a few hundred thousand) overflowed the stack.
ScalarKind classify_plain(std::string_view text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return ScalarKind::NULL_VALUE;
  }
  for (std::string_view word : {"true", "True", "TRUE", "false", "False", "FALSE"}) {
    if (text == word) return ScalarKind::BOOL;
  }
  // [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
  std::string_view digits = text;
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  if (!digits.empty() && span(digits, is_digit) == digits.size()) return ScalarKind::INT;
  if (text.size() > 2 && text.substr(0, 2) == "0o" &&
      span(text.substr(2), [](char c) { return c >= '0' && c <= '7'; }) == text.size() - 2) {
    return ScalarKind::INT;
  }
  if (text.size() > 2 && text.substr(0, 2) == "0x" &&
      span(text.substr(2), [](char c) {
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      }) == text.size() - 2) {
    return ScalarKind::INT;
  }
  // [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN) | the finite form
  std::string_view unsigned_text = text;
  if (unsigned_text[0] == '-' || unsigned_text[0] == '+') unsigned_text.remove_prefix(1);
  for (std::string_view word : {".inf", ".Inf", ".INF"}) {
    if (unsigned_text == word) return ScalarKind::FLOAT;
  }
  for (std::string_view word : {".nan", ".NaN", ".NAN"}) {
    if (text == word) return ScalarKind::FLOAT;
  }
  return is_finite_float(text) ? ScalarKind::FLOAT : ScalarKind::STRING;
}

}  // namespace yaml_detail

namespace {

using yaml_detail::classify_plain;
using yaml_detail::ScalarKind;

bool is_plain(const YAML::Node& node) {
  return node.Tag() == "?";
}

// Kind of a scalar node: plain scalars by the core schema, quoted ones are strings.
ScalarKind classify(const YAML::Node& node) {
  if (node.IsNull()) return ScalarKind::NULL_VALUE;
  const std::string& tag = node.Tag();
  if (tag == "tag:yaml.org,2002:str" || tag == "!") return ScalarKind::STRING;
  return classify_plain(node.Scalar());
}

std::string quote(const std::string& text) {
  return "'" + text + "'";
}

}  // namespace

size_t find_invalid_yaml_char(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if ((lead < 0x20 && lead != '\t' && lead != '\n' && lead != '\r') || lead == 0x7F) return i;
    // Sequence length and the allowed range of the second byte (RFC 3629 table): this rejects
    // overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    size_t length = 1;
    unsigned char low = 0x80, high = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      if (byte < (k == 1 ? low : 0x80) || byte > (k == 1 ? high : 0xBF)) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

YAML::Node parse_yaml(std::string_view text, const std::string& source) {
  const size_t bad = find_invalid_yaml_char(text);
  if (bad != std::string_view::npos) {
    const std::string_view before = text.substr(0, bad);
    const size_t line_start = before.rfind('\n');
    const size_t column = line_start == std::string_view::npos ? bad + 1 : bad - line_start;
    const auto byte = static_cast<unsigned char>(text[bad]);
    R1F_THROW(ConfigError, source, ":", std::count(before.begin(), before.end(), '\n') + 1, ":",
              column, byte < 0x80 ? ": control character (byte 0x" : ": not valid UTF-8 (byte 0x",
              std::hex, static_cast<int>(byte),
              byte < 0x80 ? "); write it as an escape in a double-quoted string"
                          : "); YAML files must be UTF-8");
  }
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::ParserException& error) {
    R1F_THROW(ConfigError, source, ":", error.mark.line + 1, ":", error.mark.column + 1,
              ": YAML syntax error: ", error.msg);
  }
}

std::string fields_markdown(const std::vector<FieldDoc>& rows) {
  auto cell = [](const std::string& text) {
    std::string escaped;
    for (char c : text) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
    return escaped;
  };
  std::string table = "| key | type | default | allowed | meaning |\n|---|---|---|---|---|\n";
  for (const auto& row : rows) {
    table += "| `" + cell(row.path) + "` | " + cell(row.type) + " | " +
             (row.default_value.empty() ? "" : "`" + cell(row.default_value) + "`") + " | " +
             cell(row.allowed) + " | " + cell(row.help) + " |\n";
  }
  return table;
}

namespace yaml_detail {

ReadContext ReadContext::child(std::string_view key, const YAML::Mark& mark) const {
  return {origin, path.child(key), mark};
}

ReadContext ReadContext::item(int64_t index, const YAML::Mark& mark) const {
  return {origin, path.item(index), mark};
}

void ReadContext::fail(const YAML::Node& node, const std::string& message) const {
  // A null value's mark points at whatever follows the key; the key's own mark is clearer.
  YAML::Mark mark = node.IsDefined() && !node.IsNull() ? node.Mark() : key_mark;
  origin->fail(path, mark, message);
}

std::string describe_found(const YAML::Node& node) {
  if (node.IsNull()) return "null";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  if (!is_plain(node)) return "the quoted string \"" + node.Scalar() + "\"";
  return quote(node.Scalar());
}

bool parse_bool(const YAML::Node& node, const ReadContext& context) {
  if (!node.IsScalar() || classify(node) != ScalarKind::BOOL) {
    context.fail(node, "'" + context.path.str() + "' expects a bool (true or false), found " +
                           describe_found(node));
  }
  char first = node.Scalar()[0];
  return first == 't' || first == 'T';
}

int64_t parse_int(const YAML::Node& node,
                  const ReadContext& context,
                  int64_t lowest,
                  int64_t highest,
                  std::string_view type_name) {
  std::string where = "'" + context.path.str() + "'";
  ScalarKind kind = node.IsScalar() ? classify(node) : ScalarKind::STRING;
  if (!node.IsScalar() || kind != ScalarKind::INT) {
    context.fail(node, where + " expects an integer, found " + describe_found(node));
  }
  std::string text = node.Scalar();
  int base = 10;
  size_t start = text[0] == '+' ? 1 : 0;
  if (text.rfind("0x", 0) == 0) base = 16, start = 2;
  if (text.rfind("0o", 0) == 0) base = 8, start = 2;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data() + start, text.data() + text.size(), value, base);
  if (error == std::errc::result_out_of_range || value < lowest || value > highest) {
    context.fail(node, where + " = " + text + " is out of range for " + std::string(type_name));
  }
  R1F_CHECK(error == std::errc() && end == text.data() + text.size(), "unparsed int ", text);
  return value;
}

double parse_real(const YAML::Node& node, const ReadContext& context) {
  std::string where = "'" + context.path.str() + "'";
  ScalarKind kind = node.IsScalar() ? classify(node) : ScalarKind::STRING;
  if (!node.IsScalar() || (kind != ScalarKind::INT && kind != ScalarKind::FLOAT)) {
    context.fail(node, where + " expects a number, found " + describe_found(node));
  }
  std::string text = node.Scalar();
  if (text.find_first_of("xo") != std::string::npos) {  // 0x / 0o integers
    return static_cast<double>(parse_int(node, context, INT64_MIN, INT64_MAX, "an integer"));
  }
  bool negative = text[0] == '-';
  std::string body = (text[0] == '-' || text[0] == '+') ? text.substr(1) : text;
  if (body[0] == '.' && (body[1] == 'i' || body[1] == 'I')) {
    return negative ? -INFINITY : INFINITY;
  }
  if (body[0] == '.' && (body[1] == 'n' || body[1] == 'N')) return NAN;
  double value = 0.0;
  auto [end, error] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (error == std::errc::result_out_of_range) {
    context.fail(node, where + " = " + text + " is out of range for a double");
  }
  R1F_CHECK(error == std::errc() && end == body.data() + body.size(), "unparsed float ", text);
  return negative ? -value : value;
}

std::string parse_string(const YAML::Node& node, const ReadContext& context) {
  // Any non-null scalar reads as its text: `name: 2024` is the string "2024".
  if (!node.IsScalar()) {
    context.fail(node,
                 "'" + context.path.str() + "' expects a string, found " + describe_found(node));
  }
  return node.Scalar();
}

void require_map(const YAML::Node& node, const ReadContext& context, std::string_view what) {
  if (!node.IsMap()) {
    std::string subject =
        context.path.empty() ? "the top level of the config" : "'" + context.path.str() + "'";
    context.fail(node,
                 subject + " expects " + std::string(what) + ", found " + describe_found(node));
  }
}

void require_list(const YAML::Node& node, const ReadContext& context) {
  if (!node.IsSequence()) {
    context.fail(node,
                 "'" + context.path.str() + "' expects a list, found " + describe_found(node));
  }
}

void check_keys(const YAML::Node& map,
                const ReadContext& context,
                const std::vector<std::string>* known,
                const std::vector<MovedKey>& moved) {
  // yaml-cpp keeps every pair of a map with a repeated key and lookups return the first, so a
  // repeated key would silently drop a value: refuse it.
  std::map<std::string, YAML::Mark> seen;
  for (const auto& pair : map) {
    const YAML::Node& key = pair.first;
    if (!key.IsScalar()) {
      context.origin->fail(
          context.path, key.Mark(),
          "keys of '" + context.path.str() + "' must be plain names, found " + describe_found(key));
    }
    const std::string& name = key.Scalar();
    KeyPath path = context.path.child(name);
    auto [it, inserted] = seen.emplace(name, key.Mark());
    if (!inserted) {
      std::string first = it->second.is_null()
                              ? ""
                              : " (first at line " + std::to_string(it->second.line + 1) + ")";
      context.origin->fail(path, key.Mark(), "duplicate key '" + path.str() + "'" + first);
    }
    if (known && std::find(known->begin(), known->end(), name) == known->end()) {
      for (const MovedKey& entry : moved) {
        if (entry.name == name) {
          context.origin->fail(path, key.Mark(),
                               "unknown key '" + path.str() + "' (" + entry.hint + ")");
        }
      }
      std::string hint = closest_key(name, *known);
      std::string list;
      for (const auto& valid : *known) list += (list.empty() ? "" : ", ") + valid;
      hint = hint.empty() ? " (valid keys here: " + list + ")" : " (did you mean '" + hint + "'?)";
      context.origin->fail(path, key.Mark(), "unknown key '" + path.str() + "'" + hint);
    }
  }
}

YAML::Node find_key(const YAML::Node& map, std::string_view key, YAML::Mark* key_mark) {
  for (const auto& pair : map) {
    if (pair.first.IsScalar() && pair.first.Scalar() == key) {
      *key_mark = pair.first.Mark();
      return pair.second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

void check_constraint(int64_t value,
                      const IntRange& range,
                      const YAML::Node& node,
                      const ReadContext& context) {
  if (value < range.min || value > range.max) {
    context.fail(node, "'" + context.path.str() + "' must be " + constraint_text(range) +
                           ", found " + std::to_string(value));
  }
}

void check_constraint(double value,
                      const RealRange& range,
                      const YAML::Node& node,
                      const ReadContext& context) {
  bool above_min = range.min_exclusive ? value > range.min : value >= range.min;
  bool below_max = range.max_exclusive ? value < range.max : value <= range.max;
  if (!(above_min && below_max)) {  // NaN fails both comparisons
    context.fail(node, "'" + context.path.str() + "' must be in " + constraint_text(range) +
                           ", found " + format_real(value));
  }
}

void check_constraint(const std::string& value,
                      const OneOf& choices,
                      const YAML::Node& node,
                      const ReadContext& context) {
  if (std::find(choices.choices.begin(), choices.choices.end(), value) != choices.choices.end()) {
    return;
  }
  std::string hint = closest_key(value, choices.choices);
  context.fail(node, "'" + context.path.str() + "' must be " + constraint_text(choices) +
                         ", found " + quote(value) +
                         (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
}

void require_finite(double value, const YAML::Node& node, const ReadContext& context) {
  if (!std::isfinite(value)) {
    context.fail(
        node, "'" + context.path.str() + "' must be a finite number, found " + format_real(value));
  }
}

std::string format_real(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  R1F_CHECK(error == std::errc(), "to_chars failed");
  std::string text(buffer, end);
  // Keep it a float to a reader's eye (and to the YAML core schema): 1 -> 1.0.
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

void emit_scalar(YAML::Emitter& out, bool value) {
  out << (value ? "true" : "false");
}
void emit_scalar(YAML::Emitter& out, int64_t value) {
  out << std::to_string(value);
}
void emit_scalar(YAML::Emitter& out, double value) {
  out << format_real(value);
}
void emit_scalar(YAML::Emitter& out, const std::string& value) {
  // Strings that would read back as null, a bool or a number are quoted to stay strings.
  if (classify_plain(value) != ScalarKind::STRING) out << YAML::DoubleQuoted;
  out << value;
}

std::string constraint_text(const IntRange& range) {
  if (range.max == INT64_MAX) return ">= " + std::to_string(range.min);
  if (range.min == INT64_MIN) return "<= " + std::to_string(range.max);
  return std::to_string(range.min) + ".." + std::to_string(range.max);
}

std::string constraint_text(const RealRange& range) {
  return std::string(range.min_exclusive ? "(" : "[") + format_real(range.min) + ", " +
         format_real(range.max) + (range.max_exclusive ? ")" : "]");
}

std::string constraint_text(const OneOf& choices) {
  std::string text = "one of ";
  for (size_t i = 0; i < choices.choices.size(); ++i) {
    text += (i ? "|" : "") + choices.choices[i];
  }
  return text;
}

}  // namespace yaml_detail
}  // namespace r1forge
