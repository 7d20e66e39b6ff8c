// Hydra-style overrides on a YAML tree; see include/r1forge/core/config_overrides.h.
//
// yaml-cpp nodes are handles: assigning one Node to another rebinds the *shared* data, so the
// walk below moves its cursor with reset() and writes only through operator[] / push_back.
#include "r1forge/core/config_overrides.h"

#include <algorithm>
#include <cctype>

#include "r1forge/core/check.h"
#include "r1forge/core/yaml_io.h"

namespace r1forge {
namespace {

const char* kGrammar = "expected key=value, +key=value, ++key=value or ~key";

[[noreturn]] void fail(const Override& override, const std::string& message) {
  R1F_THROW(ConfigError, "command-line override '", override.text, "': ", message);
}

bool is_index(const std::string& segment) {
  return !segment.empty() && std::all_of(segment.begin(), segment.end(),
                                         [](unsigned char c) { return std::isdigit(c); });
}

bool has_key(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return false;
  for (const auto& pair : map) {
    if (pair.first.IsScalar() && pair.first.Scalar() == key) return true;
  }
  return false;
}

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

// Refuses `~a.b=v` when a.b holds something other than v.
void check_remove_value(const Override& override, const YAML::Node& current, const KeyPath& path) {
  if (override.has_value && flow_text(current) != flow_text(override.value)) {
    fail(override, "'" + path.str() + "' is " + flow_text(current) + ", not " +
                       flow_text(override.value) + "; nothing removed");
  }
}

// The last step of the walk when the container is a list.
// The index of the list item that is a map whose `name` is `name` (stages are named); -1 if
// none is.
int64_t item_named(const YAML::Node& list, const std::string& name) {
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node& item = list[i];
    if (item.IsMap() && item["name"] && item["name"].IsScalar() && item["name"].Scalar() == name) {
      return static_cast<int64_t>(i);
    }
  }
  return -1;
}

std::string item_names(const YAML::Node& list) {
  std::string names;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node& item = list[i];
    if (item.IsMap() && item["name"] && item["name"].IsScalar())
      names += " " + item["name"].Scalar();
  }
  return names.empty() ? " (its items have no names)" : names;
}

void apply_to_list(YAML::Node& list, const Override& override, const KeyPath& path, int64_t index) {
  int64_t size = static_cast<int64_t>(list.size());
  KeyPath item_path = path.item(index);
  std::string range = "'" + path.str() + "' has " + std::to_string(size) + " items (0.." +
                      std::to_string(size - 1) + ")";
  switch (override.kind) {
    case OverrideKind::OVERRIDE_SET:
      if (index >= size) {
        fail(override,
             "list index " + std::to_string(index) + " out of range: " + range +
                 (index == size ? "; to append use +" + item_path.dotted() + "=..." : ""));
      }
      list[static_cast<size_t>(index)] = override.value;
      return;
    case OverrideKind::OVERRIDE_ADD:
    case OverrideKind::OVERRIDE_UPSERT:
      if (index < size && override.kind == OverrideKind::OVERRIDE_ADD) {
        fail(override, "'" + item_path.str() + "' already exists; use " + item_path.dotted() +
                           "=... or ++" + item_path.dotted() + "=...");
      }
      if (index > size) {
        fail(override, "list index " + std::to_string(index) + " out of range: " + range +
                           "; only index " + std::to_string(size) + " appends");
      }
      if (index == size)
        list.push_back(override.value);
      else
        list[static_cast<size_t>(index)] = override.value;
      return;
    case OverrideKind::OVERRIDE_REMOVE:
      if (index >= size) {
        fail(override, "list index " + std::to_string(index) + " out of range: " + range);
      }
      check_remove_value(override, list[static_cast<size_t>(index)], item_path);
      list.remove(static_cast<size_t>(index));
      return;
  }
}

// The last step of the walk when the container is a map (or null, which becomes a map).
void apply_to_map(YAML::Node& map,
                  const Override& override,
                  const KeyPath& path,
                  const std::string& key) {
  KeyPath key_path = path.child(key);
  bool exists = has_key(map, key);
  switch (override.kind) {
    case OverrideKind::OVERRIDE_ADD:
      if (exists) {
        fail(override, "'" + key_path.str() + "' is already set (to " + flow_text(map[key]) +
                           "); use " + key_path.dotted() + "=... or ++" + key_path.dotted() +
                           "=... to replace it");
      }
      [[fallthrough]];
    case OverrideKind::OVERRIDE_SET:
    case OverrideKind::OVERRIDE_UPSERT: map[key] = override.value; return;
    case OverrideKind::OVERRIDE_REMOVE:
      if (!exists) fail(override, "'" + key_path.str() + "' is not set, so nothing to remove");
      check_remove_value(override, map[key], key_path);
      map.remove(key);
      return;
  }
}

}  // namespace

Override parse_override(std::string_view text) {
  Override override;
  override.text = std::string(text);
  if (find_invalid_yaml_char(text) != std::string_view::npos) {
    fail(override, "not valid UTF-8 or holds a control character; overrides follow YAML rules");
  }
  std::string_view rest = text;
  if (rest.rfind("++", 0) == 0) {
    override.kind = OverrideKind::OVERRIDE_UPSERT;
    rest.remove_prefix(2);
  } else if (rest.rfind("+", 0) == 0) {
    override.kind = OverrideKind::OVERRIDE_ADD;
    rest.remove_prefix(1);
  } else if (rest.rfind("~", 0) == 0) {
    override.kind = OverrideKind::OVERRIDE_REMOVE;
    rest.remove_prefix(1);
  }
  size_t equals = rest.find('=');
  std::string_view key = rest.substr(0, equals);
  if (equals == std::string_view::npos && override.kind != OverrideKind::OVERRIDE_REMOVE) {
    fail(override, kGrammar);
  }
  if (key.empty()) fail(override, std::string("missing key; ") + kGrammar);
  if (key.find('[') != std::string_view::npos) {
    fail(override, "list items are addressed as 'a.0', not 'a[0]'");
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t dot = key.find('.', start);
    std::string segment(key.substr(start, dot == std::string_view::npos ? key.npos : dot - start));
    if (segment.empty()) fail(override, "empty key segment in '" + std::string(key) + "'");
    for (unsigned char c : segment) {
      if (!std::isalnum(c) && c != '_' && c != '-') {
        fail(override, "invalid character '" + std::string(1, static_cast<char>(c)) + "' in key '" +
                           std::string(key) + "'; " + kGrammar);
      }
    }
    override.keys.push_back(std::move(segment));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (equals != std::string_view::npos) {
    std::string value(rest.substr(equals + 1));
    if (override.kind == OverrideKind::OVERRIDE_REMOVE && value.empty()) return override;
    override.has_value = true;
    if (value.empty()) {  // `a.b=` is the empty string, not null
      override.value = YAML::Node(std::string());
      override.value.SetTag("!");
    } else {
      try {
        override.value = YAML::Load(value);
      } catch (const YAML::ParserException& error) {
        fail(override, "invalid YAML value '" + value + "': " + error.msg);
      }
    }
  }
  return override;
}

KeyPath apply_override(YAML::Node& root, const Override& override) {
  if (!root.IsMap() && !root.IsNull()) {
    fail(override, "the config's top level is " + yaml_detail::describe_found(root) +
                       ", not a map of sections");
  }
  // An empty file loads as a node-less handle; give it a real map so the cursor below shares it.
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  YAML::Node current = root;
  KeyPath path;
  for (size_t i = 0; i < override.keys.size(); ++i) {
    const std::string& segment = override.keys[i];
    bool last = i + 1 == override.keys.size();
    if (current.IsSequence()) {
      int64_t index = is_index(segment) && segment.size() <= 9 ? std::stoll(segment) : -1;
      if (index < 0) index = item_named(current, segment);  // stages.reasoning_rl.grpo.beta
      if (index < 0) {
        fail(override, "'" + path.str() + "' is a list; address its items by number, e.g. '" +
                           path.item(0).dotted() + "', or by their name:" + item_names(current));
      }
      if (last) {
        apply_to_list(current, override, path, index);
        return path.item(index);
      }
      if (index >= static_cast<int64_t>(current.size())) {
        fail(override, "list index " + segment + " out of range: '" + path.str() + "' has " +
                           std::to_string(current.size()) + " items");
      }
      YAML::Node next = current[static_cast<size_t>(index)];
      current.reset(next);
      path = path.item(index);
    } else if (current.IsMap() || current.IsNull()) {
      if (last) {
        apply_to_map(current, override, path, segment);
        return path.child(segment);
      }
      if (!has_key(current, segment)) {
        if (override.kind == OverrideKind::OVERRIDE_REMOVE) {
          fail(override, "'" + path.child(segment).str() + "' is not set, so nothing to remove");
        }
        if (is_index(override.keys[i + 1])) {
          fail(override, "'" + path.child(segment).str() + "' is not set, so it has no item " +
                             override.keys[i + 1] + "; set the whole list, e.g. " +
                             path.child(segment).dotted() + "=[...]");
        }
        current[segment] = YAML::Node(YAML::NodeType::Map);
      }
      YAML::Node next = current[segment];
      current.reset(next);
      path = path.child(segment);
    } else {
      fail(override, "'" + path.str() + "' is the value " + yaml_detail::describe_found(current) +
                         ", not a section, so it has no key '" + segment + "'");
    }
  }
  R1F_CHECK(false, "override walk ended without a final key");
  return path;
}

KeyPath apply_override(YAML::Node& root, std::string_view text) {
  return apply_override(root, parse_override(text));
}

YAML::Node parse_yaml_with_overrides(std::string_view text,
                                     YamlOrigin& origin,
                                     const std::vector<std::string>& overrides) {
  YAML::Node root = parse_yaml(text, origin.source());
  for (const auto& override_text : overrides) {
    Override override = parse_override(override_text);
    KeyPath path = apply_override(root, override);
    // A removed key leaves nothing behind that a later error could be about.
    if (override.kind != OverrideKind::OVERRIDE_REMOVE) origin.add_override(path, override.text);
  }
  return root;
}

}  // namespace r1forge
