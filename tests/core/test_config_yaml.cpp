// Tests of the generic config machinery (yaml_io.h) on test-only structs that use every
// supported field type, including a list of sections with a nested section (like `stages:`).
// Expected line:column values are counted by hand from the YAML literals (1-based).
#include <gtest/gtest.h>

#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/core/config_overrides.h"
#include "r1forge/core/yaml_io.h"
#include "test_config_structs.h"

namespace r1forge {
namespace {

using testing_config::AllTypes;

TEST(ConfigYamlTest, DefaultsWhenEmpty) {
  EXPECT_EQ(testing_config::load(""), AllTypes{});
  EXPECT_EQ(testing_config::load("# only a comment\n"), AllTypes{});
}

TEST(ConfigYamlTest, ReadsEveryType) {
  AllTypes config = testing_config::load(
      "flag: true\n"
      "small: -5\n"
      "big: 0x10\n"
      "rate: 1e-3\n"
      "text: 2024\n"
      "limit: 5\n"
      "tags: [x, 'y']\n"
      "weights: [1, 2.5]\n"
      "reward_weights: {format: 0.25, answer: 1}\n"
      "ceiling: .inf\n"
      "stages:\n"
      "  - name: warmup\n"
      "  - {name: rl, type: grpo, grpo: {beta: 0.5}}\n");
  EXPECT_TRUE(config.flag);
  EXPECT_EQ(config.small, -5);
  EXPECT_EQ(config.big, 16);  // 0x10
  EXPECT_EQ(config.rate, 0.001);
  EXPECT_EQ(config.text, "2024");  // any non-null scalar reads as its text
  EXPECT_EQ(config.limit, std::optional<int64_t>(5));
  EXPECT_EQ(config.tags, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(config.weights, (std::vector<double>{1.0, 2.5}));  // ints accepted as doubles
  EXPECT_EQ(config.reward_weights,
            (std::map<std::string, double>{{"answer", 1.0}, {"format", 0.25}}));
  EXPECT_TRUE(std::isinf(config.ceiling));  // allowed: its RealRange reaches +infinity
  ASSERT_EQ(config.stages.size(), 2u);
  EXPECT_EQ(config.stages[0].name, "warmup");
  EXPECT_EQ(config.stages[0].type, "sft");      // default
  EXPECT_EQ(config.stages[0].grpo.beta, 0.04);  // default
  EXPECT_EQ(config.stages[1].type, "grpo");
  EXPECT_EQ(config.stages[1].grpo.beta, 0.5);
  EXPECT_EQ(config.stages[1].grpo.group_size, 8);  // default inside an item's section
  EXPECT_EQ(testing_config::load("limit: null\n").limit, std::nullopt);
  EXPECT_EQ(testing_config::load("limit:\n").limit, std::nullopt);
}

TEST(ConfigYamlTest, UnknownKeyInsideListItemNamesPathLineAndSuggestion) {
  const char* text =
      "stages:\n"            // line 1
      "  - name: a\n"        // line 2
      "  - name: b\n"        // line 3
      "  - name: c\n"        // line 4
      "    grpo:\n"          // line 5
      "      betta: 0.1\n";  // line 6, key at column 7
  EXPECT_EQ(testing_config::error_of(text),
            "test.yaml:6:7: unknown key 'stages[2].grpo.betta' (did you mean 'beta'?)");
}

TEST(ConfigYamlTest, UnknownKeyAtTopLevelAndWithoutCloseMatch) {
  EXPECT_EQ(testing_config::error_of("flag: true\nstagez: []\n"),
            "test.yaml:2:1: unknown key 'stagez' (did you mean 'stages'?)");
  EXPECT_EQ(testing_config::error_of("stages:\n  - grpo: {zzzzzzzz: 1}\n"),
            "test.yaml:2:12: unknown key 'stages[0].grpo.zzzzzzzz' "
            "(valid keys here: beta, group_size)");
}

struct BadValueCase {
  const char* yaml;
  const char* message;
};

TEST(ConfigYamlTest, WrongTypesNameKeyExpectedTypeAndValue) {
  const BadValueCase cases[] = {
      {"flag: yes", "test.yaml:1:7: 'flag' expects a bool (true or false), found 'yes'"},
      {"flag: 1", "test.yaml:1:7: 'flag' expects a bool (true or false), found '1'"},
      {"flag: \"true\"",
       "test.yaml:1:7: 'flag' expects a bool (true or false), found the quoted string \"true\""},
      {"small: 1.5", "test.yaml:1:8: 'small' expects an integer, found '1.5'"},
      {"small: 3000000000",
       "test.yaml:1:8: 'small' = 3000000000 is out of range for a 32-bit integer"},
      {"big: 99999999999999999999",
       "test.yaml:1:6: 'big' = 99999999999999999999 is out of range for a 64-bit integer"},
      {"big: '5'", "test.yaml:1:6: 'big' expects an integer, found the quoted string \"5\""},
      {"big: 1e3", "test.yaml:1:6: 'big' expects an integer, found '1e3'"},
      {"rate: abc", "test.yaml:1:7: 'rate' expects a number, found 'abc'"},
      {"rate: .inf", "test.yaml:1:7: 'rate' must be a finite number, found .inf"},
      {"rate: .nan", "test.yaml:1:7: 'rate' must be a finite number, found .nan"},
      {"rate: 1e999", "test.yaml:1:7: 'rate' = 1e999 is out of range for a double"},
      {"text: [1, 2]", "test.yaml:1:7: 'text' expects a string, found a list"},
      {"text:", "test.yaml:1:1: 'text' expects a string, found null"},  // null: the key's mark
      {"limit: abc", "test.yaml:1:8: 'limit' expects an integer, found 'abc'"},
      {"tags: a", "test.yaml:1:7: 'tags' expects a list, found 'a'"},
      {"tags: [a, [b]]", "test.yaml:1:11: 'tags[1]' expects a string, found a list"},
      {"weights: [0.5, x]", "test.yaml:1:16: 'weights[1]' expects a number, found 'x'"},
      {"reward_weights: {format: high}",
       "test.yaml:1:26: 'reward_weights.format' expects a number, found 'high'"},
      {"reward_weights: [1]", "test.yaml:1:17: 'reward_weights' expects a map, found a list"},
      {"stages: {name: a}", "test.yaml:1:9: 'stages' expects a list, found a map"},
      {"stages: [5]", "test.yaml:1:10: 'stages[0]' expects a section (a map of keys), found '5'"},
      {"[1, 2]",
       "test.yaml:1:1: the top level of the config expects a section (a map of keys), found a "
       "list"},
  };
  for (const auto& c : cases) EXPECT_EQ(testing_config::error_of(c.yaml), c.message) << c.yaml;
}

TEST(ConfigYamlTest, OutOfRangeValuesNameTheAllowedRange) {
  const BadValueCase cases[] = {
      {"stages: [{grpo: {beta: 11}}]",
       "test.yaml:1:24: 'stages[0].grpo.beta' must be in [0.0, 10.0], found 11.0"},
      {"stages: [{grpo: {beta: -0.5}}]",
       "test.yaml:1:24: 'stages[0].grpo.beta' must be in [0.0, 10.0], found -0.5"},
      {"stages: [{grpo: {group_size: 0}}]",
       "test.yaml:1:30: 'stages[0].grpo.group_size' must be 1..1024, found 0"},
      {"stages: [{type: grpoo}]",
       "test.yaml:1:17: 'stages[0].type' must be one of sft|grpo, found 'grpoo' "
       "(did you mean 'grpo'?)"},
      {"ceiling: -1", "test.yaml:1:10: 'ceiling' must be in [0.0, .inf], found -1.0"},
      {"ceiling: .nan", "test.yaml:1:10: 'ceiling' must be in [0.0, .inf], found .nan"},
  };
  for (const auto& c : cases) EXPECT_EQ(testing_config::error_of(c.yaml), c.message) << c.yaml;
}

TEST(ConfigYamlTest, DuplicateKeysAreRejected) {
  EXPECT_EQ(testing_config::error_of("flag: true\nsmall: 1\nflag: false\n"),
            "test.yaml:3:1: duplicate key 'flag' (first at line 1)");
  EXPECT_EQ(testing_config::error_of("stages:\n  - name: a\n    name: b\n"),
            "test.yaml:3:5: duplicate key 'stages[0].name' (first at line 2)");
  EXPECT_EQ(testing_config::error_of("reward_weights: {a: 1, a: 2}\n"),
            "test.yaml:1:24: duplicate key 'reward_weights.a' (first at line 1)");
}

TEST(ConfigYamlTest, SyntaxErrorNamesFileAndLine) {
  std::string message = testing_config::error_of("flag: true\nsmall: [1, 2\nbig: 3\n");
  // yaml-cpp reports an unclosed flow sequence where it gives up; it must be line 2 or later.
  EXPECT_EQ(message.rfind("test.yaml:", 0), 0u) << message;
  EXPECT_NE(message.find("YAML syntax error"), std::string::npos) << message;
  EXPECT_EQ(testing_config::error_of("flag: true\nsmall: 1: 2\n"),
            "test.yaml:2:9: YAML syntax error: illegal map value");
}

TEST(ConfigYamlTest, RoundTripIsExact) {
  AllTypes config;
  config.flag = true;
  config.small = 0;
  config.big = INT64_MAX;
  config.rate = 0.1 + 0.2;  // 0.30000000000000004: needs all 17 significant digits
  config.text = "true";     // looks like a bool: must come back as a string
  config.limit = -3;
  config.tags = {"", "null", "123", "a: b", "#x", "multi word"};
  config.weights = {1.0 / 3.0, 1e-300, -2.5e17, 5e-324, 1e21};
  config.reward_weights = {{"format", 0.1}, {"answer", 1.0}};
  config.ceiling = INFINITY;
  config.stages = {{"warmup", "sft", {0.0, 1}}, {"rl", "grpo", {1e-4, 16}}};
  std::string text = to_yaml(config);
  AllTypes back = testing_config::load(text);
  EXPECT_EQ(back, config) << text;
  EXPECT_EQ(testing_config::load(to_yaml(AllTypes{})), AllTypes{});
  // Shortest round-trip forms, as std::to_chars writes them (plus `.0` on integral values).
  EXPECT_NE(text.find("rate: 0.30000000000000004"), std::string::npos) << text;
  EXPECT_NE(text.find("ceiling: .inf"), std::string::npos) << text;
  EXPECT_NE(text.find("text: \"true\""), std::string::npos) << text;
  EXPECT_NE(text.find("limit: -3  # an optional cap; null = none"), std::string::npos) << text;
  EXPECT_EQ(yaml_detail::format_real(1.0), "1.0");
  EXPECT_EQ(yaml_detail::format_real(-0.5), "-0.5");
  EXPECT_EQ(yaml_detail::format_real(1e21), "1e+21");
}

TEST(ConfigYamlTest, DescribeFieldsListsEveryKeyWithDefaults) {
  std::vector<FieldDoc> rows = describe_fields<AllTypes>();
  std::vector<std::string> paths;
  for (const auto& row : rows) paths.push_back(row.path);
  EXPECT_EQ(paths, (std::vector<std::string>{
                       "flag", "small", "big", "rate", "text", "limit", "tags", "weights",
                       "reward_weights", "ceiling", "stages", "stages[].name", "stages[].type",
                       "stages[].grpo", "stages[].grpo.beta", "stages[].grpo.group_size"}));
  EXPECT_EQ(rows[3].type, "float");
  EXPECT_EQ(rows[3].default_value, "0.1");
  EXPECT_EQ(rows[5].type, "int or null");
  EXPECT_EQ(rows[5].default_value, "null");
  EXPECT_EQ(rows[6].type, "list of string");
  EXPECT_EQ(rows[6].default_value, "[a, b]");
  EXPECT_EQ(rows[10].type, "list of section");
  EXPECT_EQ(rows[10].default_value, "[]");
  EXPECT_EQ(rows[14].allowed, "[0.0, 10.0]");
  EXPECT_EQ(rows[12].allowed, "one of sft|grpo");
}

TEST(ConfigYamlTest, ClosestKeySuggestsOnlyPlausibleTypos) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);  // the textbook example
  EXPECT_EQ(edit_distance("", "abc"), 3);
  EXPECT_EQ(closest_key("betta", {"beta", "group_size"}), "beta");
  EXPECT_EQ(closest_key("thredas", {"dir", "seed", "threads", "log_level"}), "threads");
  EXPECT_EQ(closest_key("zzzzzzzz", {"beta", "group_size"}), "");
  EXPECT_EQ(closest_key("xy", {"ab"}), "");  // 2 edits on a 2-letter word: not a typo
}

}  // namespace
}  // namespace r1forge
