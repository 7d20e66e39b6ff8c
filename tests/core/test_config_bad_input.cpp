// Regression tests for the YAML config loader on inputs the libFuzzer target found
// (tests/fuzz/config_yaml_fuzz.cpp; each crash input also sits in its seed corpus), plus the
// UTF-8 and control-character check they led to. Each test states what went wrong before the fix.
// Not here: the loader's ordinary error messages (test_config_yaml.cpp, test_config.cpp).
#include <gtest/gtest.h>

#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/config.h"
#include "r1forge/core/config_overrides.h"
#include "r1forge/core/yaml_io.h"

namespace r1forge {
namespace {

std::string config_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    load_config_text(yaml, "fuzz.yaml", overrides);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(ConfigBadInputTest, FindInvalidYamlCharFollowsRfc3629AndYamlPrintable) {
  EXPECT_EQ(find_invalid_yaml_char(""), std::string::npos);
  EXPECT_EQ(find_invalid_yaml_char("plain ascii\n"), std::string::npos);
  // 2-, 3- and 4-byte forms: "é", "计", "😀" (U+1F600), and U+10FFFF, the last code point.
  EXPECT_EQ(find_invalid_yaml_char("\xC3\xA9 \xE8\xAE\xA1 \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"),
            std::string::npos);
  EXPECT_EQ(find_invalid_yaml_char("ab\xB7"), 2u);            // a lone continuation byte
  EXPECT_EQ(find_invalid_yaml_char("a\xC3"), 1u);             // truncated 2-byte sequence
  EXPECT_EQ(find_invalid_yaml_char("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(find_invalid_yaml_char("x\xE0\x80\xAF"), 1u);     // overlong 3-byte form
  EXPECT_EQ(find_invalid_yaml_char("xy\xED\xA0\x80"), 2u);    // UTF-16 surrogate U+D800
  EXPECT_EQ(find_invalid_yaml_char("\xF4\x90\x80\x80"), 0u);  // U+110000, beyond Unicode
  EXPECT_EQ(find_invalid_yaml_char("\xE8\xAE"), 0u);          // truncated 3-byte sequence
  EXPECT_EQ(find_invalid_yaml_char("\xE8\xAE\x41"), 0u);      // bad third byte
  EXPECT_EQ(find_invalid_yaml_char("ok\xFF"), 2u);            // never valid in UTF-8
}

// Fuzzer find (corpus/config_yaml/invalid_utf8_path): a stray byte 0xB7 inside a quoted path.
// yaml-cpp kept the byte when parsing but its emitter writes U+FFFD, so config.resolved.yaml
// named a different data path than the file ('@rejection_s\xB7ampling' came back as
// '@rejection_s\xEF\xBF\xBDampling') and a resumed run would have read another file.
TEST(ConfigBadInputTest, InvalidUtf8IsAConfigErrorNamingLineAndColumn) {
  const std::string yaml =
      "run:\n"
      "  dir: runs/x\n"
      "stages:\n"
      "  - name: sft\n"
      "    type: sft\n"
      "    sft:\n"
      "      data: {path: '@rejection_s\xB7"
      "ampling'}\n";
  // Line 7; the byte follows "      data: {path: '@rejection_s": 6 spaces + "data: " (6) +
  // "{path: " (7) + "'" (1) + "@rejection_s" (12) = 32 characters, so it is column 33.
  EXPECT_EQ(config_error(yaml),
            "fuzz.yaml:7:33: not valid UTF-8 (byte 0xb7); YAML files must be UTF-8");
  // The same text with a real "·" (U+00B7, C2 B7) loads and round-trips through the resolved
  // YAML unchanged.
  std::string valid = yaml;
  valid.replace(valid.find('\xB7'), 1, "\xC2\xB7");
  Config config = load_config_text(valid, "fuzz.yaml");
  EXPECT_EQ(config.stages.at(0).sft->data.path,
            "@rejection_s\xC2\xB7"
            "ampling");
  EXPECT_EQ(load_config_text(config_to_yaml(config), "resolved.yaml"), config);
}

// Fuzzer find (corpus/config_yaml/nul_in_plain_scalar): a NUL inside `teacher: reasonin\0_rl`.
// yaml-cpp read "\0_" as one stray 0xA0 byte, which the resolved YAML could not hold either.
TEST(ConfigBadInputTest, ControlCharacterIsAConfigErrorNamingLineAndColumn) {
  const std::string yaml =
      std::string("run: {dir: a}\nstages: []\nmodel: {init: tiny\0qwen2}\n", 51);
  // Line 3; "model: {init: tiny" is 18 characters, so the NUL is column 19.
  EXPECT_EQ(config_error(yaml),
            "fuzz.yaml:3:19: control character (byte 0x0); write it as an escape in a "
            "double-quoted string");
  // As the message says: an escape in a double-quoted string gives the character, and the
  // resolved YAML (which escapes it again) reloads to the same config.
  Config config = load_config_text("model: {init: \"tiny\\x00qwen2\"}\n", "fuzz.yaml");
  EXPECT_EQ(config.model.init, std::string("tiny\0qwen2", 10));
  EXPECT_EQ(load_config_text(config_to_yaml(config), "resolved.yaml"), config);
}

TEST(ConfigBadInputTest, InvalidUtf8InAnOverrideNamesTheOverride) {
  const std::string message = config_error("run: {dir: a}\n", {"run.dir=b\xFF"});
  EXPECT_NE(message.find("run.dir=b"), std::string::npos) << message;
  EXPECT_NE(message.find("not valid UTF-8"), std::string::npos) << message;
  EXPECT_THROW(parse_override("model.init=\xC3"), ConfigError);
  EXPECT_THROW(parse_override(std::string("model.init=a\0b", 14)), ConfigError);
}

}  // namespace
}  // namespace r1forge
