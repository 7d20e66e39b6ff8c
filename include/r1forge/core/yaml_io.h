// Strict YAML reading, commented YAML writing and key documentation for config structs.
//
// A config struct declares its fields once, in `template <class V> void visit(V& v)`, by calling
// `v.field("name", member, "help", constraints...)`. From that one list the templates below
// derive from_yaml (unknown keys, duplicate keys, wrong types and out-of-range values are
// ConfigErrors naming the key path and file:line), to_yaml (every field, with its help as a
// comment, doubles in shortest round-trip form) and describe_fields (rows of docs/config.md).
// Field types: bool, int32_t, int64_t, double, std::string, std::optional<T>, std::vector<T>,
// std::map<std::string, T>, and nested structs with a visit() (also in vectors and optionals).
// Not here: constraints, traits and scalar parsing (yaml_fields.h), command-line overrides
// (config_overrides.h), the run config (pipeline/run_config.h).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/core/yaml_origin.h"

namespace r1forge {

// One row of the key reference: `run.threads | int | 0 | 0..4096 | help`.
struct FieldDoc {
  std::string path;  // `stages[].grpo.beta` for fields of list items
  std::string type;
  std::string default_value;  // flow YAML; empty for sections
  std::string allowed;
  std::string help;
};

// Parses YAML text; a syntax error, invalid UTF-8 or a control character is a ConfigError
// naming `source:line:col`.
YAML::Node parse_yaml(std::string_view text, const std::string& source);
// Byte offset of the first byte that starts an invalid UTF-8 sequence or is an ASCII control
// character other than tab, LF and CR (outside YAML 1.2's printable set); npos when none.
// yaml-cpp keeps such bytes (and turns a NUL into a stray 0xA0) when parsing but writes U+FFFD,
// so a resolved config made from them would name other paths than the file did.
size_t find_invalid_yaml_char(std::string_view text);
// Renders rows as a markdown table.
std::string fields_markdown(const std::vector<FieldDoc>& rows);

namespace yaml_detail {

template <class T, class... C>
void read_value(const YAML::Node& node, T& out, const ReadContext& context, const C&... checks);

// Reads the fields a struct declares from the matching keys of a map.
class FieldReader {
 public:
  FieldReader(const YAML::Node& map, const ReadContext& context) : map_(map), context_(context) {}
  template <class T, class... C>
  void field(std::string_view name, T& value, std::string_view, const C&... checks) {
    YAML::Mark key_mark;
    YAML::Node child = find_key(map_, name, &key_mark);
    if (child.IsDefined()) read_value(child, value, context_.child(name, key_mark), checks...);
  }

 private:
  const YAML::Node& map_;
  const ReadContext& context_;
};

template <class T>
void read_struct(const YAML::Node& node, T& out, const ReadContext& context) {
  if (node.IsNull()) return;  // `section:` with nothing under it keeps every default
  require_map(node, context, "a section (a map of keys)");
  KeyCollector collector;
  out.visit(collector);
  if constexpr (HasMovedKeys<T>) {
    check_keys(node, context, &collector.names, T::moved_keys());
  } else {
    check_keys(node, context, &collector.names);
  }
  FieldReader reader(node, context);
  out.visit(reader);
}

template <class T, class... C>
void read_value(const YAML::Node& node, T& out, const ReadContext& context, const C&... checks) {
  if constexpr (ConfigStruct<T>) {
    read_struct(node, out, context);
  } else if constexpr (IsOptional<T>::value) {
    if (node.IsNull()) {
      out.reset();
    } else {
      typename T::value_type value{};
      read_value(node, value, context, checks...);
      out = std::move(value);
    }
  } else if constexpr (IsVector<T>::value) {
    require_list(node, context);
    T items;
    for (size_t i = 0; i < node.size(); ++i) {
      typename T::value_type item{};
      read_value(node[i], item, context.item(static_cast<int64_t>(i), node[i].Mark()), checks...);
      items.push_back(std::move(item));
    }
    out = std::move(items);
  } else if constexpr (IsStringMap<T>::value) {
    if (node.IsNull()) {
      out.clear();
      return;
    }
    require_map(node, context, "a map");
    check_keys(node, context, nullptr);
    T entries;
    for (const auto& pair : node) {
      typename T::mapped_type value{};
      std::string key = pair.first.Scalar();
      read_value(pair.second, value, context.child(key, pair.first.Mark()), checks...);
      entries.emplace(std::move(key), std::move(value));
    }
    out = std::move(entries);
  } else if constexpr (std::is_same_v<T, bool>) {
    out = parse_bool(node, context);
  } else if constexpr (std::is_integral_v<T>) {
    int64_t bits = sizeof(T) * 8;
    out = static_cast<T>(parse_int(node, context, std::numeric_limits<T>::min(),
                                   std::numeric_limits<T>::max(),
                                   bits == 64 ? "a 64-bit integer" : "a 32-bit integer"));
    (check_constraint(static_cast<int64_t>(out), checks, node, context), ...);
  } else if constexpr (std::is_same_v<T, double>) {
    out = parse_real(node, context);
    (check_constraint(out, checks, node, context), ...);
    if constexpr (!(std::is_same_v<C, RealRange> || ...)) require_finite(out, node, context);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out = parse_string(node, context);
    (check_constraint(out, checks, node, context), ...);
  } else {
    static_assert(sizeof(T) == 0, "unsupported config field type");
  }
}

// Emits fields as a block map, each with its help as a comment.
class FieldWriter {
 public:
  explicit FieldWriter(YAML::Emitter& out) : out_(out) {}
  template <class T, class... C>
  void field(std::string_view name, T& value, std::string_view help, const C&...) {
    constexpr bool block =
        ConfigStruct<T> || IsSectionList<T>::value || IsOptionalSection<T>::value;
    if constexpr (block) {  // help above a section, so it does not trail the previous line
      out_ << YAML::Newline << YAML::Comment(std::string(help));
      out_ << YAML::Key << std::string(name) << YAML::Value;
      write_value(value);
    } else {
      out_ << YAML::Key << std::string(name) << YAML::Value;
      write_value(value);
      out_ << YAML::Comment(std::string(help));
    }
  }
  template <class T>
  void write_value(const T& value) {
    if constexpr (ConfigStruct<T>) {
      T copy = value;  // visit() is non-const; configs are small
      out_ << YAML::BeginMap;
      copy.visit(*this);
      out_ << YAML::EndMap;
    } else if constexpr (IsOptional<T>::value) {
      if (value)
        write_value(*value);
      else
        out_ << YAML::Null;
    } else if constexpr (IsVector<T>::value) {
      bool flow = !IsSectionList<T>::value || value.empty();
      if (flow) out_ << YAML::Flow;
      out_ << YAML::BeginSeq;
      for (const auto& item : value) write_value(item);
      out_ << YAML::EndSeq;
    } else if constexpr (IsStringMap<T>::value) {
      if (value.empty()) out_ << YAML::Flow;
      out_ << YAML::BeginMap;
      for (const auto& [key, item] : value) {
        out_ << YAML::Key << key << YAML::Value;
        write_value(item);
      }
      out_ << YAML::EndMap;
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      emit_scalar(out_, static_cast<int64_t>(value));
    } else {
      emit_scalar(out_, value);
    }
  }

 private:
  YAML::Emitter& out_;
};

// Collects one FieldDoc per key, recursing into sections and into list-of-section items.
class DocCollector {
 public:
  explicit DocCollector(std::string prefix = "") : prefix_(std::move(prefix)) {}
  std::vector<FieldDoc> rows;
  template <class T, class... C>
  void field(std::string_view name, T& value, std::string_view help, const C&... checks) {
    FieldDoc row{prefix_ + std::string(name), type_name<T>(), "", "", std::string(help)};
    std::vector<std::string> allowed{constraint_text(checks)...};
    for (const auto& text : allowed) row.allowed += (row.allowed.empty() ? "" : "; ") + text;
    if constexpr (!ConfigStruct<T>) {
      YAML::Emitter flow;
      flow.SetNullFormat(YAML::LowerNull);
      flow << YAML::Flow;
      FieldWriter(flow).write_value(value);
      row.default_value = flow.c_str();
    }
    rows.push_back(row);
    if constexpr (ConfigStruct<T>) {
      append(value, row.path + ".");
    } else if constexpr (IsSectionList<T>::value) {
      typename T::value_type item{};
      append(item, row.path + "[].");
    } else if constexpr (IsOptionalSection<T>::value) {
      typename T::value_type item{};
      append(item, row.path + ".");
    }
  }

 private:
  template <class S>
  void append(S& value, std::string prefix) {
    DocCollector inner(std::move(prefix));
    value.visit(inner);
    rows.insert(rows.end(), inner.rows.begin(), inner.rows.end());
  }
  std::string prefix_;
};

// Collects each field's name and its value as flow YAML.
class FieldTexts {
 public:
  std::vector<std::pair<std::string, std::string>> items;
  template <class T, class... C>
  void field(std::string_view name, T& value, std::string_view, const C&...) {
    YAML::Emitter flow;
    flow.SetNullFormat(YAML::LowerNull);
    flow << YAML::Flow;
    FieldWriter(flow).write_value(value);
    items.emplace_back(std::string(name), flow.c_str());
  }
};

}  // namespace yaml_detail

// Names of the fields of `value` that differ from `reference`'s (a nested section is one
// field), in declaration order: e.g. to reject settings a mode would ignore.
template <class T>
std::vector<std::string> changed_fields(const T& value, const T& reference) {
  yaml_detail::FieldTexts mine, theirs;
  T copy = value, base = reference;  // visit() is non-const; configs are small
  copy.visit(mine);
  base.visit(theirs);
  std::vector<std::string> changed;
  for (size_t i = 0; i < mine.items.size(); ++i) {
    if (mine.items[i].second != theirs.items[i].second) changed.push_back(mine.items[i].first);
  }
  return changed;
}

// Fills `out` (already holding defaults) from `node`; strict, see the file comment.
template <class T>
void from_yaml(const YAML::Node& node, T& out, const YamlOrigin& origin) {
  yaml_detail::ReadContext context{&origin, KeyPath{}, node.Mark()};
  yaml_detail::read_struct(node, out, context);
}
template <class T>
T from_yaml(const YAML::Node& node, const YamlOrigin& origin) {
  T out{};
  from_yaml(node, out, origin);
  return out;
}

// Block YAML with every field and its help as a comment; parses back to an equal struct.
template <class T>
std::string to_yaml(const T& value) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  yaml_detail::FieldWriter(out).write_value(value);
  return std::string(out.c_str()) + "\n";
}

// Every key of T (and of its sections), with type, default, allowed values and help.
template <class T>
std::vector<FieldDoc> describe_fields() {
  T defaults{};
  yaml_detail::DocCollector collector;
  defaults.visit(collector);
  return collector.rows;
}

}  // namespace r1forge
