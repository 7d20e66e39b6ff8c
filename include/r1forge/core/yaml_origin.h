// Key paths and node origins: how config errors say *where* a bad value came from.
//
// A KeyPath names a value inside the config tree, printed `stages[2].grpo.beta` in messages and
// `stages.2.grpo.beta` in override form. A YamlOrigin remembers the source file and the
// command-line overrides applied on top of it, so an error names `file:line:col` (1-based) for
// values from the file and `command-line override 'a.b=c'` for values an override set.
// Not here: parsing values (yaml_io.h), applying overrides (config_overrides.h).
#pragma once

#include <yaml-cpp/mark.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge {

class KeyPath {
 public:
  struct Segment {
    std::string key;     // map key; empty for a list item
    int64_t index = -1;  // list index; -1 for a map key
    bool operator==(const Segment&) const = default;
  };

  KeyPath child(std::string_view key) const;
  KeyPath item(int64_t index) const;
  bool starts_with(const KeyPath& prefix) const;
  bool empty() const { return segments_.empty(); }
  const std::vector<Segment>& segments() const { return segments_; }
  // `stages[2].grpo.beta`; "the top level" for the empty path.
  std::string str() const;
  // `stages.2.grpo.beta`, the form an override uses.
  std::string dotted() const;
  bool operator==(const KeyPath&) const = default;

 private:
  std::vector<Segment> segments_;
};

class YamlOrigin {
 public:
  explicit YamlOrigin(std::string source = "<yaml>") : source_(std::move(source)) {}

  // Records that `text` (e.g. `stages.2.grpo.beta=0.01`) replaced the value at `path`.
  void add_override(KeyPath path, std::string text);
  const std::string& source() const { return source_; }

  // Where the value at `path` (whose node carries `mark`) came from: the latest override whose
  // path is a prefix of `path`, else `source:line:col` (1-based), else just `source`.
  std::string where(const KeyPath& path, const YAML::Mark& mark) const;
  // Throws ConfigError "<where>: <message>".
  [[noreturn]] void fail(const KeyPath& path,
                         const YAML::Mark& mark,
                         const std::string& message) const;

 private:
  struct AppliedOverride {
    KeyPath path;
    std::string text;
  };
  std::string source_;
  std::vector<AppliedOverride> overrides_;
};

// Levenshtein distance (insert, delete, substitute all cost 1).
int64_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `key` if it is close enough to be a plausible typo, else "".
std::string closest_key(std::string_view key, const std::vector<std::string>& candidates);

}  // namespace r1forge
