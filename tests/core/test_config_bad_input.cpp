// Regression tests for the YAML config loader on inputs the libFuzzer target found
// (tests/fuzz/config_yaml_fuzz.cpp; each crash input also sits in its seed corpus), plus the
// UTF-8 and control-character check they led to. Each test states what went wrong before the fix.
// Not here: the loader's ordinary error messages (test_config_yaml.cpp, test_config.cpp).
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/config_overrides.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/pipeline/run_config.h"

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

// The core schema's regular expressions (yaml.org/spec/1.2.2 §10.3.2), as classify_plain used
// them before it was rewritten by hand; here they are the oracle on short strings.
yaml_detail::ScalarKind classify_by_regex(const std::string& text) {
  using yaml_detail::ScalarKind;
  static const std::regex null_pattern("~|null|Null|NULL|");
  static const std::regex bool_pattern("true|True|TRUE|false|False|FALSE");
  static const std::regex int_pattern("[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+");
  static const std::regex float_pattern(
      "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|"
      "NAN)");
  if (std::regex_match(text, null_pattern)) return ScalarKind::NULL_VALUE;
  if (std::regex_match(text, bool_pattern)) return ScalarKind::BOOL;
  if (std::regex_match(text, int_pattern)) return ScalarKind::INT;
  if (std::regex_match(text, float_pattern)) return ScalarKind::FLOAT;
  return ScalarKind::STRING;
}

TEST(ConfigBadInputTest, ClassifyPlainMatchesTheCoreSchemaRegexes) {
  // Every string of length <= 4 over the characters the grammar cares about, the schema's
  // words with neighbours, and random longer strings.
  const std::string alphabet = "0179aefxoEA+-.inN";
  std::vector<std::string> texts = {"",      "~",     "null", "Null",  "NULL",  "nul",   "true",
                                    "True",  "TRUE",  "tRue", "false", "FALSE", ".inf",  "-.Inf",
                                    "+.INF", ".iNf",  ".nan", ".NaN",  ".NAN",  "-.nan", "0o17",
                                    "0o8",   "0x1F",  "0xg",  "0x",    "0o",    "+0x1",  "1e5",
                                    "1.e-5", ".5E+3", "1e",   "1e+",   "-.e1",  "+.",    "1..2"};
  std::vector<std::string> level = {""};
  for (int length = 1; length <= 4; ++length) {
    std::vector<std::string> next;
    for (const auto& prefix : level) {
      for (char c : alphabet) next.push_back(prefix + c);
    }
    texts.insert(texts.end(), next.begin(), next.end());
    level = std::move(next);
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string text(5 + rng() % 8, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    texts.push_back(text);
  }
  int64_t mismatches = 0;
  for (const auto& text : texts) {
    if (yaml_detail::classify_plain(text) != classify_by_regex(text) && ++mismatches <= 5) {
      ADD_FAILURE() << "'" << text << "': hand-written "
                    << static_cast<int>(yaml_detail::classify_plain(text)) << ", regex "
                    << static_cast<int>(classify_by_regex(text));
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << texts.size() << " strings";
}

// Found by hand while fuzzing (beyond libFuzzer's input sizes): a plain scalar of 300,000
// digits crashed `r1forge config` with SIGSEGV, a stack overflow inside std::regex_match
// (classify_plain). Reading it, and writing it back quoted, must now work at any length.
TEST(ConfigBadInputTest, LongPlainScalarsDoNotOverflowTheStack) {
  const std::string digits(1'000'000, '7');
  Config config = load_config_text("run: {dir: " + digits + "}\n", "fuzz.yaml");
  EXPECT_EQ(config.run.dir, digits);
  const std::string resolved = config_to_yaml(config);
  EXPECT_NE(resolved.find("dir: \"" + digits + "\""), std::string::npos);  // quoted: a string
  EXPECT_EQ(load_config_text(resolved, "resolved.yaml"), config);
  EXPECT_EQ(config_error("run: {seed: " + digits + "}\n"),
            "fuzz.yaml:1:13: 'run.seed' = " + digits + " is out of range for a 64-bit integer");
  EXPECT_EQ(yaml_detail::classify_plain("1." + digits + "e-" + digits),
            yaml_detail::ScalarKind::FLOAT);
}

}  // namespace
}  // namespace r1forge
