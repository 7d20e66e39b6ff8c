// Key paths, node origins and key suggestions; see include/r1forge/core/yaml_origin.h.
#include "r1forge/core/yaml_origin.h"

#include <algorithm>

#include "r1forge/core/check.h"

namespace r1forge {

KeyPath KeyPath::child(std::string_view key) const {
  KeyPath path = *this;
  path.segments_.push_back({std::string(key), -1});
  return path;
}

KeyPath KeyPath::item(int64_t index) const {
  KeyPath path = *this;
  path.segments_.push_back({"", index});
  return path;
}

bool KeyPath::starts_with(const KeyPath& prefix) const {
  if (prefix.segments_.size() > segments_.size()) return false;
  return std::equal(prefix.segments_.begin(), prefix.segments_.end(), segments_.begin());
}

std::string KeyPath::str() const {
  if (segments_.empty()) return "the top level";
  std::string text;
  for (const auto& segment : segments_) {
    if (segment.index >= 0) {
      // Appended piecewise: `"[" + std::to_string(...)` trips a g++ 12 -Wstringop-overflow.
      text += '[';
      text += std::to_string(segment.index);
      text += ']';
    } else {
      if (!text.empty()) text += ".";
      text += segment.key;
    }
  }
  return text;
}

std::string KeyPath::dotted() const {
  std::string text;
  for (const auto& segment : segments_) {
    if (!text.empty()) text += ".";
    text += segment.index >= 0 ? std::to_string(segment.index) : segment.key;
  }
  return text;
}

void YamlOrigin::add_override(KeyPath path, std::string text) {
  overrides_.push_back({std::move(path), std::move(text)});
}

std::string YamlOrigin::where(const KeyPath& path, const YAML::Mark& mark) const {
  // The latest override wins, exactly as it did when the overrides were applied.
  for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
    if (path.starts_with(it->path)) return "command-line override '" + it->text + "'";
  }
  if (mark.is_null()) {
    // Nodes without a mark were created by an override (e.g. the parents of `+a.b.c=1`).
    for (auto it = overrides_.rbegin(); it != overrides_.rend(); ++it) {
      if (it->path.starts_with(path)) return "command-line override '" + it->text + "'";
    }
    return source_;
  }
  // yaml-cpp marks are 0-based; editors and compilers count from 1.
  return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

void YamlOrigin::fail(const KeyPath& path,
                      const YAML::Mark& mark,
                      const std::string& message) const {
  R1F_THROW(ConfigError, where(path, mark), ": ", message);
}

int64_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<int64_t> previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int64_t>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int64_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string closest_key(std::string_view key, const std::vector<std::string>& candidates) {
  std::string best;
  int64_t best_distance = 0;
  for (const auto& candidate : candidates) {
    int64_t distance = edit_distance(key, candidate);
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // A typo changes a few characters; beyond a third of the word it is a different word.
  int64_t limit = std::max<int64_t>(2, static_cast<int64_t>(key.size()) / 3);
  bool plausible = best_distance <= limit && best_distance < static_cast<int64_t>(key.size());
  return plausible ? best : "";
}

}  // namespace r1forge
