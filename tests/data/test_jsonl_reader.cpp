// Tests of the JSON Lines reader on bad input (data/jsonl.h): every malformed line is a
// DataError naming "<source>:<line>", including the inputs the libFuzzer target found
// (tests/fuzz/jsonl_reader_fuzz.cpp; the crash inputs sit in its seed corpus).
// Not here: dataset schemas (test_prompt_dataset.cpp), the writer's atomic commit (core).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/data/jsonl.h"

namespace r1forge {
namespace {

// Reads all of `text`; returns the values' line numbers, or the DataError message in `error`.
std::vector<int64_t> read_all(const std::string& text, std::string* error) {
  std::istringstream in(text);
  JsonlReader reader(in, "rows.jsonl");
  JsonlLine line;
  std::vector<int64_t> lines;
  try {
    while (reader.next(line)) lines.push_back(line.line_number);
  } catch (const DataError& e) {
    *error = e.what();
  }
  return lines;
}

TEST(JsonlReaderTest, SkipsBlankAndCrLfLinesAndCountsThem) {
  std::string error;
  // Lines: 1 value, 2 blank, 3 spaces and a tab, 4 value with CRLF, 5 value without newline.
  auto lines = read_all("{\"a\":1}\n\n \t\n[2]\r\n3", &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(lines, (std::vector<int64_t>{1, 4, 5}));
}

TEST(JsonlReaderTest, SyntaxErrorNamesSourceAndLine) {
  std::string error;
  auto lines = read_all("{\"prompt_ids\":[1,2]}\n{\"prompt_ids\":[1,\n", &error);
  EXPECT_EQ(lines, (std::vector<int64_t>{1}));
  EXPECT_NE(error.find("rows.jsonl:2: invalid JSON"), std::string::npos) << error;
}

// Fuzzer find: a number beyond double's range made nlohmann throw out_of_range (406), which
// escaped the reader's parse_error handler, so the message lacked file and line and the
// fuzzer saw an uncaught exception. Input reduced from corpus/jsonl_reader/number_overflow_1e400.
TEST(JsonlReaderTest, NumberOverflowIsADataErrorNamingTheLine) {
  for (const std::string& row : {"8884e400", "{\"x\": -1e400}", "[1, 2e999]"}) {
    SCOPED_TRACE(row);
    std::string error;
    auto lines = read_all("{\"ok\":true}\n\n" + row + "\n", &error);
    EXPECT_EQ(lines, (std::vector<int64_t>{1}));
    EXPECT_NE(error.find("rows.jsonl:3: invalid JSON"), std::string::npos) << error;
    EXPECT_NE(error.find("number overflow"), std::string::npos) << error;
  }
  // The largest finite doubles still read.
  std::string error;
  EXPECT_EQ(read_all("[1.7976931348623157e308, -1e-400]\n", &error).size(), 1u);
  EXPECT_EQ(error, "");
}

TEST(JsonlReaderTest, InvalidUtf8InsideAStringNamesTheLine) {
  std::string error;
  read_all("{\"text\":\"ok\"}\n{\"text\":\"\xC3\x28\"}\n", &error);
  EXPECT_NE(error.find("rows.jsonl:2: invalid JSON"), std::string::npos) << error;
}

}  // namespace
}  // namespace r1forge
