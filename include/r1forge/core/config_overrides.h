// Command-line overrides of a YAML config tree (Hydra grammar, formats.md §10).
//
//   a.b=v     set a.b (the key need not be in the file: struct defaults fill the rest)
//   +a.b=v    add a.b; an error if the file already sets it
//   ++a.b=v   set a.b whether or not the file sets it
//   ~a.b      remove a.b from the tree, i.e. back to its default (~a.b=v: only if it equals v)
// Values follow YAML rules: `0.01`, `true`, `null`, `'quoted'`, `[a, b]`, `{a: 1}`; `a.b=` is the
// empty string. List items are addressed by number, `stages.2.grpo.beta=0.01`, never `a[0]`, or
// by the value of their `name` key, `stages.reasoning_rl.grpo.beta=0.01`.
// Overrides edit the raw tree; validation against the structs happens after (yaml_io.h).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "r1forge/core/yaml_origin.h"

namespace r1forge {

enum class OverrideKind { OVERRIDE_SET, OVERRIDE_ADD, OVERRIDE_UPSERT, OVERRIDE_REMOVE };

struct Override {
  OverrideKind kind = OverrideKind::OVERRIDE_SET;
  std::vector<std::string> keys;  // `stages.2.grpo.beta` -> {"stages", "2", "grpo", "beta"}
  bool has_value = false;         // false only for `~a.b`
  YAML::Node value;
  std::string text;  // as typed, for messages
};

// Parses one override; ConfigError naming the text when it is malformed.
Override parse_override(std::string_view text);

// Applies `override` to `root` (a map, or null for an empty file) in place and returns the
// path it changed, with list items resolved to indices (for YamlOrigin::add_override).
KeyPath apply_override(YAML::Node& root, const Override& override);
KeyPath apply_override(YAML::Node& root, std::string_view text);

// Parses `text` as YAML (errors name `origin.source():line`) and applies `overrides` left to
// right, recording each in `origin` so that later validation errors name the override.
YAML::Node parse_yaml_with_overrides(std::string_view text,
                                     YamlOrigin& origin,
                                     const std::vector<std::string>& overrides);

}  // namespace r1forge
