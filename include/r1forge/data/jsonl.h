// JSON Lines input and output: one JSON value per line, errors naming the source and line.
//
// JsonlReader reads a file or standard input ("-"), skips blank lines, and throws DataError
// "<source>:<line>: ..." for a malformed line. JsonlWriter writes to a file atomically
// (nothing is left at the target if the process fails midway) or to standard output ("-").
// Not here: dataset schemas (prompt_dataset.h, sft_dataset.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/core/fs.h"

namespace r1forge {

struct JsonlLine {
  int64_t line_number = 0;  // 1-based line in the source
  nlohmann::json value;
};

class JsonlReader {
 public:
  // `path` "-" reads standard input.
  explicit JsonlReader(const std::filesystem::path& path);
  // Reads from an existing stream; `source_name` is used in error messages.
  JsonlReader(std::istream& in, std::string source_name);

  // Next non-blank line; false at end of input. Throws DataError on invalid JSON.
  bool next(JsonlLine& line);
  const std::string& source_name() const { return source_name_; }
  // "<source>:<line>" for building error messages about a line's content.
  std::string where(const JsonlLine& line) const;

 private:
  std::unique_ptr<std::ifstream> file_;
  std::istream* in_ = nullptr;
  std::string source_name_;
  int64_t line_number_ = 0;
};

class JsonlWriter {
 public:
  // `path` "-" writes standard output; anything else is written atomically on close().
  explicit JsonlWriter(const std::filesystem::path& path);
  void write(const nlohmann::json& value);
  // Commits the file (rename into place). Without close(), a file target is discarded.
  void close();

 private:
  std::unique_ptr<AtomicFileWriter> file_;
  bool to_stdout_ = false;
  std::string buffer_;
};

// The string values of `fields` in every line of every file, in file, line and field order
// (a tokenizer's training sentences). DataError naming file:line for a line that is not an
// object or has none of the fields as a string.
std::vector<std::string> jsonl_string_fields(const std::vector<std::filesystem::path>& files,
                                             const std::vector<std::string>& fields);

}  // namespace r1forge
