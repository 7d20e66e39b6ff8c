// JSON file helpers; see include/r1forge/core/json_file.h.
#include "r1forge/core/json_file.h"

#include "r1forge/core/fs.h"

namespace r1forge {

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {  // also out_of_range: 1e400
    R1F_THROW(ConfigError, path.string(), ": invalid JSON: ", error.what());
  }
}

std::vector<int64_t> json_int_or_list(const nlohmann::json& object,
                                      std::string_view key,
                                      const std::string& source) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_number_integer()) return {it->get<int64_t>()};
  R1F_CHECK_CONFIG(it->is_array(), source, ": key '", key, "' must be an integer or a list, ",
                   "found ", it->dump());
  std::vector<int64_t> values;
  for (const auto& value : *it) {
    R1F_CHECK_CONFIG(value.is_number_integer(), source, ": key '", key, "' holds ", value.dump(),
                     ", not an integer");
    values.push_back(value.get<int64_t>());
  }
  return values;
}

}  // namespace r1forge
