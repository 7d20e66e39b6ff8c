// One Parquet file read row by row as JSON objects, through Apache Arrow's C++ Parquet reader
// (the libraries the pyarrow wheel ships; no decoder of our own). One row group is decoded at a
// time, so a large shard costs one row group of memory, not the file.
// Column values map to JSON as pyarrow's Table.to_pylist gives them (the tests' oracle):
// strings, integers, floats, booleans and nulls as themselves; lists (incl. large and
// fixed-size) as arrays; structs as objects (so open-r1's `messages` column is a list of {role, content} objects); maps as
// [[key, value], ...] lists; dictionary-encoded columns as their values; dates and times as
// Arrow's text form. Binary columns are a DataError naming the column: r1forge reads text.
// Not here: choosing files (dataset_reader.h).
#pragma once

#include <filesystem>
#include <memory>

#include "r1forge/data/dataset_reader.h"

namespace r1forge {

class ParquetRowReader {
 public:
  // DataError "<file>: not a readable Parquet file: <reason>" for a bad file; IoError when it
  // cannot be opened.
  explicit ParquetRowReader(const std::filesystem::path& file);
  ~ParquetRowReader();
  ParquetRowReader(const ParquetRowReader&) = delete;
  ParquetRowReader& operator=(const ParquetRowReader&) = delete;

  // Next row (location "<file>: row <n>", n 1-based in the file); false after the last.
  bool next(DatasetRow& row);
  int64_t num_rows() const;  // from the file's footer

  struct State;  // Arrow's reader and the decoded row group; opaque so no Arrow header leaks

 private:
  std::unique_ptr<State> state_;
};

}  // namespace r1forge
