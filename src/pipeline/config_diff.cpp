// The keys a config sets apart from the defaults, and the defaults themselves; see
// pipeline/config_diff.h.
#include "r1forge/pipeline/config_diff.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>

namespace r1forge {
namespace {

// A copy of `node` with every collection in flow style (a loaded node keeps the block style
// of the text it came from, and the emitter follows each node's own style).
YAML::Node flow_copy(const YAML::Node& node) {
  YAML::Node copy = YAML::Clone(node);
  std::vector<YAML::Node> pending{copy};
  while (!pending.empty()) {
    YAML::Node current = pending.back();
    pending.pop_back();
    if (current.IsMap() || current.IsSequence()) current.SetStyle(YAML::EmitterStyle::Flow);
    if (current.IsMap()) {
      for (auto item : current) pending.push_back(item.second);
    } else if (current.IsSequence()) {
      for (auto item : current) pending.push_back(item);
    }
  }
  return copy;
}

std::string flow(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetNullFormat(YAML::LowerNull);
  out << flow_copy(node);
  return out.c_str();
}

// Appends the leaves of `value` that differ from `defaults` (same shape where they agree). A
// map in both is walked key by key; anything else is one leaf compared by its flow text. A
// value that is null where the default is a map (an absent optional section) is skipped:
// it holds no setting.
void add_differences(const YAML::Node& value,
                     const YAML::Node& defaults,
                     const std::string& path,
                     std::vector<ConfigDifference>& out) {
  if (value.IsMap() && defaults && defaults.IsMap()) {
    for (const auto& item : value) {
      const std::string key = item.first.as<std::string>();
      add_differences(item.second, defaults[key], path.empty() ? key : path + "." + key, out);
    }
    return;
  }
  if (value.IsMap() && (!defaults || defaults.IsNull())) {  // an optional section set here
    for (const auto& item : value) {
      add_differences(item.second, YAML::Node(), path + "." + item.first.as<std::string>(), out);
    }
    return;
  }
  if (value.IsNull() && defaults && defaults.IsMap()) return;
  // A list of maps (rewards, data sources, make_data tasks) where the default is empty: one
  // row per item, so each reads on its own line.
  if (value.IsSequence() && value.size() > 0 && value[0].IsMap() && defaults &&
      defaults.IsSequence() && defaults.size() == 0) {
    for (size_t i = 0; i < value.size(); ++i) {
      out.push_back({path + "[" + std::to_string(i) + "]", flow(value[i]), ""});
    }
    return;
  }
  const std::string text = flow(value);
  const std::string default_text = defaults ? flow(defaults) : "";
  if (defaults && text == default_text) return;
  out.push_back({path, text, default_text});
}

}  // namespace

std::vector<ConfigDifference> config_differences(const Config& config) {
  const YAML::Node value = YAML::Load(to_yaml(config));
  Config default_config;
  default_config.make_data.emplace();
  const YAML::Node defaults = YAML::Load(to_yaml(default_config));
  const YAML::Node stage_defaults = YAML::Load(to_yaml(stage_with_every_section("example")));
  std::vector<ConfigDifference> out;
  for (const auto& section : value) {
    const std::string key = section.first.as<std::string>();
    if (key != "stages") {
      add_differences(section.second, defaults[key], key, out);
      continue;
    }
    for (size_t i = 0; i < section.second.size(); ++i) {
      const YAML::Node stage = section.second[i];
      const std::string prefix = "stages[" + std::to_string(i) + "]";
      // Name, type and init say which stage the rows below belong to: always shown.
      for (const char* always : {"name", "type", "init"}) {
        out.push_back({prefix + "." + always, flow(stage[always]), ""});
      }
      for (const auto& item : stage) {
        const std::string field = item.first.as<std::string>();
        if (field == "name" || field == "type" || field == "init") continue;
        add_differences(item.second, stage_defaults[field], prefix + "." + field, out);
      }
    }
  }
  return out;
}

std::string format_config_differences(const std::vector<ConfigDifference>& rows,
                                      size_t value_width) {
  auto cut = [&](const std::string& text) {
    if (value_width == 0 || text.size() <= value_width) return text;
    return text.substr(0, value_width - 3) + "...";
  };
  // A stage's rows go under a heading "stages[2] reasoning_rl (grpo, init cold_start)" with
  // the "stages[2]." prefix dropped, so the keys stay short.
  struct Line {
    std::string heading;  // set on a stage's first row
    std::string key, value, default_value;
  };
  std::vector<Line> lines;
  for (size_t i = 0; i < rows.size(); ++i) {
    const ConfigDifference& row = rows[i];
    const size_t dot = row.key.find("].");
    if (row.key.rfind("stages[", 0) == 0 && dot != std::string::npos) {
      const std::string stage = row.key.substr(0, dot + 1);
      const std::string field = row.key.substr(dot + 2);
      // name, type and init come first for every stage (config_differences).
      if (field == "name" && i + 2 < rows.size()) {
        lines.push_back({stage + " " + row.value + " (" + rows[i + 1].value + ", init " +
                             rows[i + 2].value + ")",
                         "", "", ""});
        i += 2;
        continue;
      }
      lines.push_back({"", "  " + field, row.value, row.default_value});
    } else {
      lines.push_back({"", row.key, row.value, row.default_value});
    }
  }
  // Columns: keys padded to the longest; values padded to the longest short one, so most
  // defaults line up while a long value (a list, a path) does not push every row right.
  constexpr size_t kAlignedValue = 24;
  size_t key_width = 0, shown_width = 0;
  for (const auto& line : lines) {
    key_width = std::max(key_width, line.key.size());
    const size_t shown = cut(line.value).size();
    if (shown <= kAlignedValue) shown_width = std::max(shown_width, shown);
  }
  std::ostringstream out;
  for (const auto& line : lines) {
    if (!line.heading.empty()) {
      out << "  " << line.heading << "\n";
      continue;
    }
    const std::string shown = cut(line.value);
    out << "  " << line.key << std::string(key_width - line.key.size() + 2, ' ') << shown;
    // An empty default ("", [], {}) says nothing the value does not.
    const std::string& fallback = line.default_value;
    if (!fallback.empty() && fallback != "\"\"" && fallback != "[]" && fallback != "{}") {
      const size_t pad = shown.size() < shown_width ? shown_width - shown.size() : 0;
      out << std::string(pad + 2, ' ') << "(default " << cut(fallback) << ")";
    }
    out << "\n";
  }
  return out.str();
}

std::string config_defaults_yaml() {
  // One item in each list of sections, every optional section present: so every key shows.
  Config config;
  MakeDataConfig& data = config.make_data.emplace();
  MakeDataTaskConfig& task = data.tasks.emplace_back();
  task.arithmetic.emplace();
  task.corpus.emplace();
  task.countdown.emplace();
  task.instructions.emplace();
  task.preferences.emplace();
  data.mixes.emplace_back().parts.emplace_back();
  data.tokenizer.emplace();
  StageConfig stage = stage_with_every_section("example");
  stage.grpo->rewards.emplace_back();
  stage.grpo->sources.emplace_back().rewards.emplace_back();
  stage.eval->rewards.emplace_back();
  stage.rejection_sampling->rewards.emplace_back();
  config.stages.push_back(stage);
  return "# r1forge config: every key with its default and meaning (r1forge config "
         "--dump-defaults).\n# Each list holds one example item and every optional section "
         "is present; a real stage\n# has its type's sections, and make_data is null (absent) "
         "unless a run sets it.\n" +
         to_yaml(config);
}

}  // namespace r1forge
