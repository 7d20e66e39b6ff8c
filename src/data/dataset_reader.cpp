// Dataset paths (file, folder, glob; JSONL or Parquet) read row by row; see
// data/dataset_reader.h.
#include "r1forge/data/dataset_reader.h"

#include <fnmatch.h>

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/data/parquet_rows.h"

namespace r1forge {

namespace fs = std::filesystem;

namespace {

bool is_parquet(const fs::path& file) {
  return file.extension() == ".parquet";
}
bool is_jsonl(const fs::path& file) {
  return file.extension() == ".jsonl" || file.extension() == ".json";
}
bool has_wildcard(const std::string& name) {
  return name.find_first_of("*?[") != std::string::npos;
}

// The regular files directly in `folder` whose names `keep` accepts, sorted by name.
template <class Keep>
std::vector<fs::path> files_in(const fs::path& folder, Keep keep) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder, error)) {
    if (entry.is_regular_file(error) && keep(entry.path())) files.push_back(entry.path());
  }
  R1F_CHECK_IO(!error, "cannot list the folder ", folder.string(), ": ", error.message());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<fs::path> dataset_files(const std::string& path) {
  R1F_CHECK_CONFIG(!path.empty(), "a dataset path is empty");
  if (path == "-") return {fs::path("-")};
  const fs::path given(path);
  const std::string name = given.filename().string();
  std::error_code error;
  const bool literal = fs::exists(given, error);  // a name that really has * or [ in it
  R1F_CHECK_IO(literal || !has_wildcard(given.parent_path().string()), "dataset path '", path,
               "': wildcards are allowed in the file name only");
  if (!literal && has_wildcard(name)) {
    const fs::path folder = given.has_parent_path() ? given.parent_path() : fs::path(".");
    R1F_CHECK_IO(fs::is_directory(folder, error), "dataset path '", path, "': the folder ",
                 folder.string(), " does not exist");
    auto files = files_in(folder, [&](const fs::path& file) {
      return fnmatch(name.c_str(), file.filename().c_str(), 0) == 0;
    });
    R1F_CHECK_IO(!files.empty(), "dataset path '", path, "' matches no file");
    const bool parquet = is_parquet(files.front());
    for (const auto& file : files) {
      R1F_CHECK_CONFIG(is_parquet(file) == parquet, "dataset path '", path,
                       "' matches both Parquet and other files (", files.front().string(), ", ",
                       file.string(), "); make the pattern pick one kind");
    }
    return files;
  }
  if (fs::is_directory(given, error)) {
    auto files = files_in(given, is_parquet);
    if (files.empty()) files = files_in(given, is_jsonl);
    R1F_CHECK_IO(!files.empty(), "the dataset folder ", given.string(),
                 " holds no *.parquet or *.jsonl files");
    return files;
  }
  R1F_CHECK_IO(fs::is_regular_file(given, error), "dataset file ", given.string(),
               " does not exist");
  return {given};
}

bool dataset_exists(const std::string& path) {
  try {
    return !dataset_files(path).empty();
  } catch (const std::exception&) {
    return false;
  }
}

class DatasetReader::Source {
 public:
  explicit Source(const fs::path& file) {
    if (is_parquet(file)) {
      parquet_ = std::make_unique<ParquetRowReader>(file);
    } else {
      jsonl_ = std::make_unique<JsonlReader>(file);
    }
  }
  bool next(DatasetRow& row) {
    if (parquet_) return parquet_->next(row);
    JsonlLine line;
    if (!jsonl_->next(line)) return false;
    row.number = line.line_number;
    row.location = jsonl_->where(line);
    row.value = std::move(line.value);
    return true;
  }

 private:
  std::unique_ptr<ParquetRowReader> parquet_;
  std::unique_ptr<JsonlReader> jsonl_;
};

DatasetReader::DatasetReader(const std::string& path) : files_(dataset_files(path)) {}
DatasetReader::~DatasetReader() = default;
DatasetReader::DatasetReader(DatasetReader&&) noexcept = default;
DatasetReader& DatasetReader::operator=(DatasetReader&&) noexcept = default;

bool DatasetReader::open_next_file() {
  if (next_file_ >= files_.size()) return false;
  source_ = std::make_unique<Source>(files_[next_file_++]);
  return true;
}

bool DatasetReader::next(DatasetRow& row) {
  while (true) {
    if (source_ && source_->next(row)) return true;
    if (!open_next_file()) return false;
  }
}

}  // namespace r1forge
