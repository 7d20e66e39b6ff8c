// Tests of command-line overrides (config_overrides.h): precedence, list items, the
// `+`/`++`/`~` forms and their errors, list and dict values, and which override an error names.
#include <gtest/gtest.h>

#include "r1forge/core/config_overrides.h"
#include "test_config_structs.h"

namespace r1forge {
namespace {

using testing_config::AllTypes;
using testing_config::error_of;
using testing_config::GrpoLike;
using testing_config::load;
using testing_config::StageLike;

const char* kThreeStages =
    "big: 5\n"
    "stages:\n"
    "  - name: a\n"
    "  - name: b\n"
    "  - name: c\n"
    "    grpo: {beta: 0.2}\n";

TEST(ConfigOverrideTest, PrecedenceDefaultThenFileThenOverridesLeftToRight) {
  EXPECT_EQ(load(kThreeStages).big, 5);                      // file over default
  EXPECT_EQ(load(kThreeStages, {"big=6"}).big, 6);           // override over file
  EXPECT_EQ(load(kThreeStages, {"big=6", "big=7"}).big, 7);  // later override wins
  EXPECT_EQ(load(kThreeStages, {"small=3"}).small, 3);       // not in file: still settable
  EXPECT_EQ(load(kThreeStages, {"big=6"}).small, 7);         // untouched: default
  EXPECT_EQ(load("", {"big=3", "stages=[{name: x}]"}).stages[0].name, "x");  // empty file
}

TEST(ConfigOverrideTest, ListItemOverride) {
  AllTypes config = load(kThreeStages, {"stages.2.grpo.beta=0.01", "stages.0.name=first"});
  ASSERT_EQ(config.stages.size(), 3u);
  EXPECT_EQ(config.stages[2].grpo.beta, 0.01);
  EXPECT_EQ(config.stages[2].name, "c");
  EXPECT_EQ(config.stages[0].name, "first");
  EXPECT_EQ(config.stages[1], (StageLike{"b", "sft", {}}));
  // A section the item does not set yet is created.
  EXPECT_EQ(load(kThreeStages, {"stages.1.grpo.group_size=2"}).stages[1].grpo.group_size, 2);
}

TEST(ConfigOverrideTest, ListItemErrors) {
  EXPECT_EQ(error_of(kThreeStages, {"stages.3.grpo.beta=1"}),
            "command-line override 'stages.3.grpo.beta=1': list index 3 out of range: "
            "'stages' has 3 items");
  EXPECT_EQ(error_of(kThreeStages, {"stages.3={name: d}"}),
            "command-line override 'stages.3={name: d}': list index 3 out of range: 'stages' "
            "has 3 items (0..2); to append use +stages.3=...");
  EXPECT_EQ(error_of(kThreeStages, {"stages.x.name=a"}),
            "command-line override 'stages.x.name=a': 'stages' is a list; address its items by "
            "number, e.g. 'stages.0', or by their name: a b c");
  // Items with a `name` are addressed by it as well.
  EXPECT_EQ(load(kThreeStages, {"stages.b.grpo.group_size=3"}).stages[1].grpo.group_size, 3);
  EXPECT_EQ(error_of("flag: true\n", {"stages.0.name=a"}),
            "command-line override 'stages.0.name=a': 'stages' is not set, so it has no item 0; "
            "set the whole list, e.g. stages=[...]");
  EXPECT_EQ(error_of("flag: true\n", {"flag.sub=1"}),
            "command-line override 'flag.sub=1': 'flag' is the value 'true', not a section, so "
            "it has no key 'sub'");
  // `+` appends at index == size, and refuses an existing item.
  EXPECT_EQ(load(kThreeStages, {"+stages.3={name: d}"}).stages.at(3).name, "d");
  EXPECT_EQ(error_of(kThreeStages, {"+stages.1={name: d}"}),
            "command-line override '+stages.1={name: d}': 'stages[1]' already exists; use "
            "stages.1=... or ++stages.1=...");
  AllTypes removed = load(kThreeStages, {"~stages.0"});
  ASSERT_EQ(removed.stages.size(), 2u);
  EXPECT_EQ(removed.stages[0].name, "b");
}

TEST(ConfigOverrideTest, AddUpsertRemoveSemantics) {
  EXPECT_EQ(load(kThreeStages, {"+small=3"}).small, 3);  // not in the file: added
  EXPECT_EQ(error_of(kThreeStages, {"+big=1"}),
            "command-line override '+big=1': 'big' is already set (to 5); use big=... or "
            "++big=... to replace it");
  EXPECT_EQ(load(kThreeStages, {"++big=9"}).big, 9);            // set in the file
  EXPECT_EQ(load(kThreeStages, {"++small=9"}).small, 9);        // not set in the file
  EXPECT_EQ(load(kThreeStages, {"~big"}).big, AllTypes{}.big);  // back to the default
  EXPECT_EQ(load(kThreeStages, {"~big=5"}).big, AllTypes{}.big);
  EXPECT_EQ(error_of(kThreeStages, {"~big=6"}),
            "command-line override '~big=6': 'big' is 5, not 6; nothing removed");
  EXPECT_EQ(error_of(kThreeStages, {"~small"}),
            "command-line override '~small': 'small' is not set, so nothing to remove");
  EXPECT_EQ(error_of(kThreeStages, {"~nothing.here"}),
            "command-line override '~nothing.here': 'nothing' is not set, so nothing to remove");
  AllTypes grpo = load(kThreeStages, {"~stages.2.grpo.beta"});
  EXPECT_EQ(grpo.stages[2].grpo.beta, GrpoLike{}.beta);
}

TEST(ConfigOverrideTest, ValuesFollowYamlRules) {
  EXPECT_EQ(load("", {"tags=[x, y, z]"}).tags, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(load("", {"tags=[]"}).tags, std::vector<std::string>{});
  EXPECT_EQ(load("", {"reward_weights={a: 1, b: 0.5}"}).reward_weights,
            (std::map<std::string, double>{{"a", 1.0}, {"b", 0.5}}));
  AllTypes dict = load(kThreeStages, {"stages.0.grpo={beta: 0.5, group_size: 4}"});
  EXPECT_EQ(dict.stages[0].grpo, (GrpoLike{0.5, 4}));
  EXPECT_EQ(load("", {"text="}).text, "");  // empty value: the empty string
  EXPECT_EQ(load("", {"text='5'"}).text, "5");
  EXPECT_EQ(load("", {"text=a b=c"}).text, "a b=c");  // only the first '=' splits
  EXPECT_EQ(load("limit: 3\n", {"limit=null"}).limit, std::nullopt);
  EXPECT_EQ(load("", {"flag=true"}).flag, true);
  EXPECT_EQ(load("", {"rate=1e-5"}).rate, 1e-5);
  EXPECT_EQ(error_of("", {"flag=yes"}),
            "command-line override 'flag=yes': 'flag' expects a bool (true or false), found 'yes'");
}

TEST(ConfigOverrideTest, MalformedOverrides) {
  const std::pair<const char*, const char*> cases[] = {
      {"big", "command-line override 'big': expected key=value, +key=value, ++key=value or ~key"},
      {"=5",
       "command-line override '=5': missing key; expected key=value, +key=value, "
       "++key=value or ~key"},
      {"stages[0].name=x",
       "command-line override 'stages[0].name=x': list items are addressed as 'a.0', not 'a[0]'"},
      {"a..b=1", "command-line override 'a..b=1': empty key segment in 'a..b'"},
      {"a.=1", "command-line override 'a.=1': empty key segment in 'a.'"},
      {"a b=1",
       "command-line override 'a b=1': invalid character ' ' in key 'a b'; expected "
       "key=value, +key=value, ++key=value or ~key"},
  };
  for (const auto& [text, message] : cases) {
    try {
      parse_override(text);
      ADD_FAILURE() << "no error for " << text;
    } catch (const ConfigError& error) {
      EXPECT_EQ(std::string(error.what()), message);
    }
  }
  try {
    parse_override("tags=[1,");
    ADD_FAILURE() << "no error for an unclosed list";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what())
                  .rfind("command-line override 'tags=[1,': invalid YAML "
                         "value '[1,': ",
                         0),
              0u)
        << error.what();
  }
}

TEST(ConfigOverrideTest, ValidationErrorsNameTheOverrideThatSetTheValue) {
  EXPECT_EQ(error_of(kThreeStages, {"big=abc"}),
            "command-line override 'big=abc': 'big' expects an integer, found 'abc'");
  EXPECT_EQ(error_of(kThreeStages, {"stages.2.grpo.betta=1"}),
            "command-line override 'stages.2.grpo.betta=1': unknown key 'stages[2].grpo.betta' "
            "(did you mean 'beta'?)");
  EXPECT_EQ(error_of(kThreeStages, {"stages.0.grpo={betta: 1}"}),
            "command-line override 'stages.0.grpo={betta: 1}': unknown key "
            "'stages[0].grpo.betta' (did you mean 'beta'?)");
  // A bad value in the file is still reported at its line when overrides touch other keys.
  EXPECT_EQ(error_of("big: 5\nsmall: x\n", {"big=1", "stages=[]"}),
            "test.yaml:2:8: 'small' expects an integer, found 'x'");
  // An override replacing the bad value fixes it.
  EXPECT_EQ(load("small: x\n", {"small=2"}).small, 2);
}

TEST(ConfigOverrideTest, NewTopLevelKeyFromOverrideIsNamed) {
  std::string message = error_of(kThreeStages, {"+newsection.key=1"});
  EXPECT_EQ(message.rfind("command-line override '+newsection.key=1': unknown key 'newsection'", 0),
            0u)
      << message;
}

}  // namespace
}  // namespace r1forge
