// Where a value sits in a tokenizer.json file ("<file>: key pre_tokenizer.pretokenizers[1].
// pattern"), and typed readers of JSON members that throw ConfigError naming that place: the
// shared vocabulary of the tokenizer.json component parsers.
//
// Not here: the component parsers themselves (normalizer.h, pre_tokenizer.h, ...).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace r1forge {

struct JsonKey {
  std::string file;  // the tokenizer.json path, for messages
  std::string path;  // dotted key path from the top level; empty for the top level itself

  JsonKey operator/(std::string_view key) const;  // a member of this object
  JsonKey operator[](size_t index) const;         // an element of this array
  // "<file>: key <path>" (or just "<file>" at the top level).
  std::string where() const;
};

// Throws ConfigError "<file>: key <path>: <message>".
[[noreturn]] void throw_json_error(const JsonKey& key, std::string_view message);

// The object at `key`; ConfigError when `value` is not an object.
const nlohmann::json& json_object_at(const nlohmann::json& value, const JsonKey& key);
// object[name] that must exist (any type); ConfigError naming key/name when it is missing.
const nlohmann::json& json_required(const nlohmann::json& object,
                                    const JsonKey& key,
                                    std::string_view name);
// object[name] as a string; ConfigError when missing or not a string.
std::string json_string_member(const nlohmann::json& object,
                               const JsonKey& key,
                               std::string_view name);
// object[name] as a bool, `fallback` when missing or null; ConfigError for another type.
bool json_bool_member(const nlohmann::json& object,
                      const JsonKey& key,
                      std::string_view name,
                      bool fallback);
// ConfigError naming the first member of `object` that is not in `allowed`: a key r1forge does
// not know could change what the file means, so it is not ignored.
void json_check_keys(const nlohmann::json& object,
                     const JsonKey& key,
                     std::initializer_list<std::string_view> allowed);
// object["type"]: the component's type tag.
std::string json_type_of(const nlohmann::json& object, const JsonKey& key);

}  // namespace r1forge
