// JSON key paths and typed member readers for tokenizer.json; see
// include/r1forge/tokenizer/json_key.h.
#include "r1forge/tokenizer/json_key.h"

#include "r1forge/core/check.h"

namespace r1forge {

JsonKey JsonKey::operator/(std::string_view key) const {
  return JsonKey{file, path.empty() ? std::string(key) : path + "." + std::string(key)};
}

JsonKey JsonKey::operator[](size_t index) const {
  return JsonKey{file, path + "[" + std::to_string(index) + "]"};
}

std::string JsonKey::where() const {
  return path.empty() ? file : file + ": key " + path;
}

void throw_json_error(const JsonKey& key, std::string_view message) {
  R1F_THROW(ConfigError, key.where(), ": ", message);
}

const nlohmann::json& json_object_at(const nlohmann::json& value, const JsonKey& key) {
  if (!value.is_object()) {
    std::string shown = value.dump();
    if (shown.size() > 80) shown = shown.substr(0, 80) + "...";
    throw_json_error(key, "must be a JSON object, got " + shown);
  }
  return value;
}

const nlohmann::json& json_required(const nlohmann::json& object,
                                    const JsonKey& key,
                                    std::string_view name) {
  auto it = object.find(name);
  if (it == object.end()) throw_json_error(key / name, "is missing");
  return *it;
}

std::string json_string_member(const nlohmann::json& object,
                               const JsonKey& key,
                               std::string_view name) {
  const nlohmann::json& value = json_required(object, key, name);
  if (!value.is_string()) throw_json_error(key / name, "must be a string, got " + value.dump());
  return value.get<std::string>();
}

bool json_bool_member(const nlohmann::json& object,
                      const JsonKey& key,
                      std::string_view name,
                      bool fallback) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw_json_error(key / name, "must be true or false, got " + it->dump());
  return it->get<bool>();
}

void json_check_keys(const nlohmann::json& object,
                     const JsonKey& key,
                     std::initializer_list<std::string_view> allowed) {
  for (const auto& item : object.items()) {
    bool known = false;
    for (std::string_view name : allowed) known = known || item.key() == name;
    if (known) continue;
    std::string list;
    for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
    throw_json_error(key / item.key(), "unknown key (known here: " + list + ")");
  }
}

std::string json_type_of(const nlohmann::json& object, const JsonKey& key) {
  json_object_at(object, key);
  return json_string_member(object, key, "type");
}

}  // namespace r1forge
