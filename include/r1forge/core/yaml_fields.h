// Building blocks of config structs: field constraints, type traits, and the scalar parse,
// check and emit functions the templates in yaml_io.h call.
//
// A struct becomes a config section by declaring `template <class V> void visit(V& v)` that calls
// `v.field("name", member, "help", constraints...)` once per field (see ConfigStruct below).
// Not here: the reading/writing templates and from_yaml/to_yaml (yaml_io.h).
#pragma once

#include <yaml-cpp/yaml.h>

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "r1forge/core/yaml_origin.h"

namespace r1forge {

// ---- constraints a field may carry (checked after parsing; also shown in the docs) ----------
struct IntRange {  // closed interval
  int64_t min;
  int64_t max;
};
// Closed unless *_exclusive. NaN never passes; a bound of +-infinity admits that infinity.
// A double field without a RealRange must be finite.
struct RealRange {
  double min;
  double max;
  bool min_exclusive = false;
  bool max_exclusive = false;
};
struct OneOf {
  OneOf(std::initializer_list<std::string_view> list) : choices(list.begin(), list.end()) {}
  std::vector<std::string> choices;
};

// A key a section no longer has and where its setting lives now. A section lists them in
// `static std::vector<MovedKey> moved_keys();` and the unknown-key error for such a key carries
// the hint instead of a spelling suggestion.
struct MovedKey {
  std::string name;
  std::string hint;
};
template <class T>
concept HasMovedKeys = requires {
  { T::moved_keys() } -> std::convertible_to<std::vector<MovedKey>>;
};

namespace yaml_detail {

struct ReadContext {
  const YamlOrigin* origin;
  KeyPath path;
  YAML::Mark key_mark;  // used for errors on null values, whose own mark points past the key
  ReadContext child(std::string_view key, const YAML::Mark& mark) const;
  ReadContext item(int64_t index, const YAML::Mark& mark) const;
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const;
};

std::string describe_found(const YAML::Node& node);
bool parse_bool(const YAML::Node& node, const ReadContext& context);
int64_t parse_int(const YAML::Node& node,
                  const ReadContext& context,
                  int64_t lowest,
                  int64_t highest,
                  std::string_view type_name);
double parse_real(const YAML::Node& node, const ReadContext& context);
std::string parse_string(const YAML::Node& node, const ReadContext& context);
void require_map(const YAML::Node& node, const ReadContext& context, std::string_view what);
void require_list(const YAML::Node& node, const ReadContext& context);
// Duplicate keys, non-scalar keys and (when `known` is given) unknown keys with a suggestion,
// or with the hint of `moved` when they are one of those.
void check_keys(const YAML::Node& map,
                const ReadContext& context,
                const std::vector<std::string>* known,
                const std::vector<MovedKey>& moved = {});
YAML::Node find_key(const YAML::Node& map, std::string_view key, YAML::Mark* key_mark);

void check_constraint(int64_t value,
                      const IntRange& range,
                      const YAML::Node& node,
                      const ReadContext& context);
void check_constraint(double value,
                      const RealRange& range,
                      const YAML::Node& node,
                      const ReadContext& context);
void check_constraint(const std::string& value,
                      const OneOf& choices,
                      const YAML::Node& node,
                      const ReadContext& context);
void require_finite(double value, const YAML::Node& node, const ReadContext& context);

// YAML 1.2 core-schema resolution of a plain scalar (yaml.org/spec/1.2.2 §10.3.2).
enum class ScalarKind { NULL_VALUE, BOOL, INT, FLOAT, STRING };
ScalarKind classify_plain(std::string_view text);
std::string format_real(double value);  // shortest text that parses back to the same double
void emit_scalar(YAML::Emitter& out, bool value);
void emit_scalar(YAML::Emitter& out, int64_t value);
void emit_scalar(YAML::Emitter& out, double value);
void emit_scalar(YAML::Emitter& out, const std::string& value);
std::string constraint_text(const IntRange& range);
std::string constraint_text(const RealRange& range);
std::string constraint_text(const OneOf& choices);

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsStringMap : std::false_type {};
template <class T>
struct IsStringMap<std::map<std::string, T>> : std::true_type {};

// Collects the field names a struct declares (to validate keys and suggest near misses).
struct KeyCollector {
  std::vector<std::string> names;
  template <class T, class... C>
  void field(std::string_view name, T&, std::string_view, const C&...) {
    names.emplace_back(name);
  }
};

template <class T>
concept ConfigStruct = requires(T& value, KeyCollector& collector) {
  value.visit(collector);
};

// A list of sections (e.g. `stages:`), written in block style with its help above it.
template <class T>
struct IsSectionList : std::false_type {};
template <ConfigStruct T>
struct IsSectionList<std::vector<T>> : std::true_type {};

// An optional section (e.g. a stage's `grpo:`): null or absent = not given.
template <class T>
struct IsOptionalSection : std::false_type {};
template <ConfigStruct T>
struct IsOptionalSection<std::optional<T>> : std::true_type {};

template <class T>
std::string type_name() {
  if constexpr (ConfigStruct<T>)
    return "section";
  else if constexpr (std::is_same_v<T, bool>)
    return "bool";
  else if constexpr (std::is_integral_v<T>)
    return "int";
  else if constexpr (std::is_floating_point_v<T>)
    return "float";
  else if constexpr (std::is_same_v<T, std::string>)
    return "string";
  else if constexpr (IsOptional<T>::value)
    return type_name<typename T::value_type>() + " or null";
  else if constexpr (IsVector<T>::value)
    return "list of " + type_name<typename T::value_type>();
  else if constexpr (IsStringMap<T>::value)
    return "map of " + type_name<typename T::mapped_type>();
  else
    static_assert(sizeof(T) == 0, "unsupported config field type");
}

}  // namespace yaml_detail
}  // namespace r1forge
