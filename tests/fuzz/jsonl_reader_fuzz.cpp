// libFuzzer target for the JSON Lines reader (data/jsonl.h) over an in-memory stream.
//
// The input is a whole .jsonl file. DataError / IoError (naming "fuzz.jsonl:<line>") are the
// expected outcome for bad lines and are swallowed; any other exception, crash, sanitizer
// report or hang is a bug. Reader alone: the prompt/SFT row parsers read from a path and their
// sources include LibTorch (rng.h, sft_dataset.h), which the clang fuzz build does not link.
// Built with clang by tests/fuzz/fuzz.cmake; not part of the g++ build or the gtest binary.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/data/jsonl.h"

namespace {

// Lines getline finds in `text` (blank ones included): an upper bound on the line numbers.
int64_t count_lines(const std::string& text) {
  int64_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines + 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::istringstream in(text);
  r1forge::JsonlReader reader(in, "fuzz.jsonl");
  r1forge::JsonlLine line;
  const int64_t lines = count_lines(text);
  int64_t previous = 0;
  try {
    while (reader.next(line)) {
      // Line numbers are 1-based, strictly increasing and inside the file.
      if (line.line_number <= previous || line.line_number > lines) __builtin_trap();
      previous = line.line_number;
      // The parser only accepts valid UTF-8, so a value dumps strictly, and doubles print in
      // round-trip form: what JsonlWriter would write must parse back to an equal value.
      if (nlohmann::json::parse(line.value.dump()) != line.value) __builtin_trap();
      if (reader.where(line).rfind("fuzz.jsonl:", 0) != 0) __builtin_trap();
    }
  } catch (const r1forge::Error& error) {
    // Every reader error names the source, and a line for bad JSON.
    if (std::string(error.what()).find("fuzz.jsonl") == std::string::npos) __builtin_trap();
  }
  // Anything else escaping (a nlohmann exception, std::bad_alloc, ...) aborts the run: a bug.
  return 0;
}
