// JSON Lines reader and writer; see include/r1forge/data/jsonl.h.
#include "r1forge/data/jsonl.h"

#include <iostream>

#include "r1forge/core/check.h"

namespace r1forge {

JsonlReader::JsonlReader(const std::filesystem::path& path) {
  if (path == "-") {
    in_ = &std::cin;
    source_name_ = "<stdin>";
    return;
  }
  std::error_code error;
  R1F_CHECK_IO(std::filesystem::is_regular_file(path, error), "cannot read ", path,
               ": not a regular file or does not exist");
  file_ = std::make_unique<std::ifstream>(path);
  R1F_CHECK_IO(file_->good(), "cannot open ", path);
  in_ = file_.get();
  source_name_ = path.string();
}

JsonlReader::JsonlReader(std::istream& in, std::string source_name)
    : in_(&in), source_name_(std::move(source_name)) {}

bool JsonlReader::next(JsonlLine& line) {
  std::string text;
  while (std::getline(*in_, text)) {
    ++line_number_;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    line.line_number = line_number_;
    try {
      line.value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& error) {
      // parse_error for syntax; out_of_range (406) for a number beyond double, e.g. 1e400.
      R1F_THROW(DataError, source_name_, ":", line_number_, ": invalid JSON: ", error.what());
    }
    return true;
  }
  R1F_CHECK_IO(!in_->bad(), "error reading ", source_name_);
  return false;
}

std::string JsonlReader::where(const JsonlLine& line) const {
  return source_name_ + ":" + std::to_string(line.line_number);
}

JsonlWriter::JsonlWriter(const std::filesystem::path& path) {
  if (path == "-") {
    to_stdout_ = true;
  } else {
    file_ = std::make_unique<AtomicFileWriter>(path);
  }
}

void JsonlWriter::write(const nlohmann::json& value) {
  // Non-finite floats have no JSON form; nlohmann writes them as null, which we keep.
  buffer_ = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  buffer_.push_back('\n');
  if (to_stdout_) {
    std::cout << buffer_;
  } else {
    file_->write(buffer_);
  }
}

void JsonlWriter::close() {
  if (to_stdout_) {
    std::cout.flush();
  } else if (file_) {
    file_->commit();
    file_.reset();
  }
}

std::vector<std::string> jsonl_string_fields(const std::vector<std::filesystem::path>& files,
                                             const std::vector<std::string>& fields) {
  std::vector<std::string> values;
  for (const auto& file : files) {
    JsonlReader reader(file);
    JsonlLine line;
    while (reader.next(line)) {
      bool found = false;
      for (const auto& field : fields) {
        auto it = line.value.is_object() ? line.value.find(field) : line.value.end();
        if (it != line.value.end() && it->is_string()) {
          values.push_back(it->get<std::string>());
          found = true;
        }
      }
      R1F_CHECK_DATA(
          found, reader.where(line), ": none of the fields ",
          [&] {
            std::string list;
            for (const auto& field : fields) list += (list.empty() ? "" : ", ") + field;
            return list;
          }(),
          " is a string");
    }
  }
  return values;
}

}  // namespace r1forge
