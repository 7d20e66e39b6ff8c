// Reading JSON files with errors that name the file and key: the shared helpers behind
// config.json, generation_config.json and tokenizer_config.json.
// Not here: JSON Lines (data/jsonl.h) and safetensors headers (model/safetensors_header.h),
// which report byte-level problems as IoError/DataError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "r1forge/core/check.h"

namespace r1forge {

// The parsed file; IoError when unreadable, ConfigError "<file>: invalid JSON: ..." otherwise.
nlohmann::json read_json_file(const std::filesystem::path& path);

// object[key] as T when present and not null; ConfigError naming `source` and the key when the
// value has another JSON type. T: bool, an integer type, double, or std::string.
template <typename T>
std::optional<T> json_optional(const nlohmann::json& object,
                               std::string_view key,
                               const std::string& source) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  bool matches = false;
  const char* expected = "";
  if constexpr (std::is_same_v<T, bool>) {
    matches = it->is_boolean();
    expected = "true or false";
  } else if constexpr (std::is_integral_v<T>) {
    matches = it->is_number_integer();
    expected = "an integer";
  } else if constexpr (std::is_floating_point_v<T>) {
    matches = it->is_number();
    expected = "a number";
  } else {
    static_assert(std::is_same_v<T, std::string>, "json_optional: unsupported type");
    matches = it->is_string();
    expected = "a string";
  }
  R1F_CHECK_CONFIG(matches, source, ": key '", key, "' must be ", expected, ", found ", it->dump());
  return it->get<T>();
}

// An integer or a list of integers (e.g. eos_token_id); empty when absent or null.
std::vector<int64_t> json_int_or_list(const nlohmann::json& object,
                                      std::string_view key,
                                      const std::string& source);

}  // namespace r1forge
