// The config's differences from the defaults that a run prints at its start, and
// `r1forge config --dump-defaults` (pipeline/config_diff.h).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <set>

#include "r1forge/pipeline/config_diff.h"

namespace r1forge {
namespace {

const char* kConfig = R"(
run:
  dir: runs/x
  threads: 2
model:
  init: tiny-qwen2
stages:
  - name: rl
    type: grpo
    init: base
    grpo:
      data: {path: train.jsonl}
      beta: 0.04
      max_steps: 100
      rewards:
        - {name: accuracy}
        - {name: format, weight: 0.5}
)";

TEST(ConfigDiff, ListsOnlyWhatTheFileChanged) {
  const Config config = load_config_text(kConfig, "c.yaml");
  std::vector<std::string> rows;
  for (const auto& row : config_differences(config)) {
    rows.push_back(row.key + " = " + row.value +
                   (row.default_value.empty() ? "" : " / " + row.default_value));
  }
  // model.init is the default (tiny-qwen2) and max_steps: 100 too: neither shows. A stage's
  // name, type and init always show; a list of maps shows item by item, filled in.
  const std::vector<std::string> expected = {
      "run.dir = runs/x / runs/default",
      "run.threads = 2 / 0",
      "stages[0].name = rl",
      "stages[0].type = grpo",
      "stages[0].init = base",
      "stages[0].grpo.data.path = train.jsonl / \"\"",
      "stages[0].grpo.rewards[0] = {name: accuracy, weight: 1.0, options: {}, label: \"\"}",
      "stages[0].grpo.rewards[1] = {name: format, weight: 0.5, options: {}, label: \"\"}",
      "stages[0].grpo.beta = 0.04 / 0.0",
      "stages[0].grpo.kl_estimator = k3 / auto",  // resolved from beta > 0 (R1's estimator)
  };
  EXPECT_EQ(rows, expected);
}

TEST(ConfigDiff, TableGroupsAStagesRowsUnderItsHeading) {
  const Config config = load_config_text(kConfig, "c.yaml");
  const std::string table = format_config_differences(config_differences(config), 30);
  // Keys padded to the longest ("  grpo.kl_estimator", 19), values to the longest short one
  // ("train.jsonl", 11); an empty default ("") is left out; long values cut to 27 + "...".
  EXPECT_EQ(table,
            "  run.dir              runs/x       (default runs/default)\n"
            "  run.threads          2            (default 0)\n"
            "  stages[0] rl (grpo, init base)\n"
            "    grpo.data.path     train.jsonl\n"
            "    grpo.rewards[0]    {name: accuracy, weight: 1....\n"
            "    grpo.rewards[1]    {name: format, weight: 0.5,...\n"
            "    grpo.beta          0.04         (default 0.0)\n"
            "    grpo.kl_estimator  k3           (default auto)\n");
}

// Every key of the reference table (describe_fields, which docs/config.md shows) is in the
// dump at its place, list items' fields under the list's one example item.
TEST(ConfigDiff, DumpDefaultsHasEveryKey) {
  const YAML::Node dump = YAML::Load(config_defaults_yaml());
  std::set<std::string> paths;
  std::function<void(const YAML::Node&, const std::string&)> walk = [&](const YAML::Node& node,
                                                                        const std::string& path) {
    if (!path.empty()) paths.insert(path);
    if (node.IsMap()) {
      for (const auto& item : node) {
        walk(item.second, (path.empty() ? "" : path + ".") + item.first.as<std::string>());
      }
    } else if (node.IsSequence() && node.size() == 1 && node[0].IsMap()) {
      walk(node[0], path + "[]");
    }
  };
  walk(dump, "");
  const std::vector<FieldDoc> rows = describe_fields<Config>();
  for (const FieldDoc& row : rows) EXPECT_TRUE(paths.count(row.path)) << row.path;
  EXPECT_GT(rows.size(), 300u);
}

}  // namespace
}  // namespace r1forge
