// Datasets as researchers have them, read row by row as JSON objects: a JSON Lines file, a
// Parquet file (how Hugging Face stores datasets), a folder of Parquet shards, or a glob of
// either (`data/train-*.parquet`). Every loader of rows (prompt sets, SFT data, non-reasoning
// rows) goes through here, so each accepts every form and names the same locations in errors:
// "<file>:<line>" for JSONL, "<file>: row <n>" for Parquet.
// Not here: the Parquet decoding itself (parquet_rows.h), what the rows mean (prompt_dataset.h,
// sft_dataset.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace r1forge {

struct DatasetRow {
  int64_t number = 0;    // 1-based line (JSONL) or row (Parquet) within its file
  nlohmann::json value;  // the row; Parquet columns become keys, nested lists/structs nest
  std::string location;  // "<file>:<line>" or "<file>: row <n>", for messages
};

// The files a dataset path names, in reading order:
//   "-" -> standard input (JSONL); a file -> itself (Parquet when it ends in .parquet, JSONL
//   otherwise); a folder -> its *.parquet files, or else its *.jsonl files, sorted by name;
//   a path whose file name has * ? or [ -> the matching files in that folder, sorted by name
//   (unless a file or folder of exactly that name exists).
// IoError naming the path when nothing matches or a folder holds no dataset files;
// ConfigError when a glob mixes Parquet and JSONL files.
std::vector<std::filesystem::path> dataset_files(const std::string& path);

// Whether `path` names at least one readable dataset file (for config checks; never throws).
bool dataset_exists(const std::string& path);

// Reads every row of every file of a dataset path, in order.
class DatasetReader {
 public:
  explicit DatasetReader(const std::string& path);
  ~DatasetReader();
  DatasetReader(DatasetReader&&) noexcept;
  DatasetReader& operator=(DatasetReader&&) noexcept;

  // Next row; false at the end of the last file. DataError naming the location for a row that
  // cannot be read (malformed JSON, a corrupt Parquet page, an unsupported column type).
  bool next(DatasetRow& row);

  class Source;  // one file's rows (JSONL or Parquet)

 private:
  bool open_next_file();

  std::vector<std::filesystem::path> files_;
  size_t next_file_ = 0;
  std::unique_ptr<Source> source_;
};

}  // namespace r1forge
