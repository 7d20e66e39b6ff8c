// Parquet files as JSON rows through Arrow's C++ reader; see data/parquet_rows.h.
// The only file that includes Arrow headers.
#include "r1forge/data/parquet_rows.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/reader.h>
#include <parquet/exception.h>

#include <deque>

#include "r1forge/core/check.h"

namespace r1forge {

namespace {

using nlohmann::json;

// Element `i` of `array` as JSON. `column` names the top-level column in errors.
json arrow_value(const arrow::Array& array, int64_t i, const std::string& column);

json list_value(const arrow::Array& values, int64_t begin, int64_t end, const std::string& column) {
  json out = json::array();
  for (int64_t k = begin; k < end; ++k) out.push_back(arrow_value(values, k, column));
  return out;
}

json arrow_value(const arrow::Array& array, int64_t i, const std::string& column) {
  if (array.IsNull(i)) return nullptr;
  switch (array.type_id()) {
    case arrow::Type::NA: return nullptr;
    case arrow::Type::BOOL: return static_cast<const arrow::BooleanArray&>(array).Value(i);
    case arrow::Type::INT8: return static_cast<const arrow::Int8Array&>(array).Value(i);
    case arrow::Type::INT16: return static_cast<const arrow::Int16Array&>(array).Value(i);
    case arrow::Type::INT32: return static_cast<const arrow::Int32Array&>(array).Value(i);
    case arrow::Type::INT64: return static_cast<const arrow::Int64Array&>(array).Value(i);
    case arrow::Type::UINT8: return static_cast<const arrow::UInt8Array&>(array).Value(i);
    case arrow::Type::UINT16: return static_cast<const arrow::UInt16Array&>(array).Value(i);
    case arrow::Type::UINT32: return static_cast<const arrow::UInt32Array&>(array).Value(i);
    case arrow::Type::UINT64: return static_cast<const arrow::UInt64Array&>(array).Value(i);
    case arrow::Type::FLOAT: return static_cast<const arrow::FloatArray&>(array).Value(i);
    case arrow::Type::DOUBLE: return static_cast<const arrow::DoubleArray&>(array).Value(i);
    case arrow::Type::STRING: return static_cast<const arrow::StringArray&>(array).GetString(i);
    case arrow::Type::LARGE_STRING:
      return static_cast<const arrow::LargeStringArray&>(array).GetString(i);
    case arrow::Type::STRING_VIEW:
      return std::string(static_cast<const arrow::StringViewArray&>(array).GetView(i));
    case arrow::Type::LIST: {
      const auto& list = static_cast<const arrow::ListArray&>(array);
      return list_value(*list.values(), list.value_offset(i), list.value_offset(i + 1), column);
    }
    case arrow::Type::LARGE_LIST: {
      const auto& list = static_cast<const arrow::LargeListArray&>(array);
      return list_value(*list.values(), list.value_offset(i), list.value_offset(i + 1), column);
    }
    case arrow::Type::FIXED_SIZE_LIST: {
      const auto& list = static_cast<const arrow::FixedSizeListArray&>(array);
      return list_value(*list.values(), list.value_offset(i), list.value_offset(i + 1), column);
    }
    case arrow::Type::STRUCT: {
      const auto& structure = static_cast<const arrow::StructArray&>(array);
      json out = json::object();
      const auto& type = static_cast<const arrow::StructType&>(*structure.type());
      for (int f = 0; f < type.num_fields(); ++f) {
        // field(f) is the child sliced to this array's offset, unlike the raw child data.
        out[type.field(f)->name()] = arrow_value(*structure.field(f), i, column);
      }
      return out;
    }
    case arrow::Type::MAP: {
      // [[key, value], ...] as pyarrow's to_pylist gives it (keys need not be strings).
      const auto& map = static_cast<const arrow::MapArray&>(array);
      json out = json::array();
      for (int64_t k = map.value_offset(i); k < map.value_offset(i + 1); ++k) {
        out.push_back(json::array(
            {arrow_value(*map.keys(), k, column), arrow_value(*map.items(), k, column)}));
      }
      return out;
    }
    case arrow::Type::DICTIONARY: {
      const auto& dictionary = static_cast<const arrow::DictionaryArray&>(array);
      return arrow_value(*dictionary.dictionary(), dictionary.GetValueIndex(i), column);
    }
    case arrow::Type::BINARY:
    case arrow::Type::LARGE_BINARY:
    case arrow::Type::BINARY_VIEW:
    case arrow::Type::FIXED_SIZE_BINARY:
      R1F_THROW(DataError, "column '", column, "' holds binary values (", array.type()->ToString(),
                "); r1forge reads text datasets only");
    default: {
      // Dates, times, timestamps, decimals: Arrow's own text form, as `datasets` prints them.
      auto scalar = array.GetScalar(i);
      R1F_CHECK_DATA(scalar.ok(), "column '", column, "': ", scalar.status().ToString());
      return (*scalar)->ToString();
    }
  }
}

}  // namespace

struct ParquetRowReader::State {
  std::filesystem::path file;
  std::unique_ptr<parquet::arrow::FileReader> reader;
  int64_t num_rows = 0;
  int next_row_group = 0;
  int64_t rows_read = 0;     // rows handed out so far
  std::deque<json> pending;  // the decoded rows of the current row group
};

namespace {

[[noreturn]] void throw_bad_file(const std::filesystem::path& file, const std::string& reason) {
  R1F_THROW(DataError, file.string(), ": not a readable Parquet file: ", reason);
}

// Decodes row group `group` of `state` into its pending rows.
void decode_row_group(ParquetRowReader::State& state, int group) {
  std::shared_ptr<arrow::Table> table;
  try {
    auto result = state.reader->ReadRowGroup(group);
    if (!result.ok()) throw_bad_file(state.file, result.status().ToString());
    table = *result;
  } catch (const parquet::ParquetException& error) {
    throw_bad_file(state.file, error.what());
  }
  const int64_t first_row = state.rows_read + static_cast<int64_t>(state.pending.size()) + 1;
  std::vector<json> rows(table->num_rows(), json::object());
  for (int c = 0; c < table->num_columns(); ++c) {
    const std::string& name = table->field(c)->name();
    int64_t row = 0;
    for (const auto& chunk : table->column(c)->chunks()) {
      for (int64_t i = 0; i < chunk->length(); ++i, ++row) {
        try {
          rows[row][name] = arrow_value(*chunk, i, name);
        } catch (const DataError& error) {
          R1F_THROW(DataError, state.file.string(), ": row ", first_row + row, ": ", error.what());
        }
      }
    }
  }
  for (auto& row : rows) state.pending.push_back(std::move(row));
}

}  // namespace

ParquetRowReader::ParquetRowReader(const std::filesystem::path& file)
    : state_(std::make_unique<State>()) {
  state_->file = file;
  auto opened = arrow::io::ReadableFile::Open(file.string());
  R1F_CHECK_IO(opened.ok(), "cannot open ", file.string(), ": ", opened.status().ToString());
  try {
    auto reader = parquet::arrow::OpenFile(*opened, arrow::default_memory_pool());
    if (!reader.ok()) throw_bad_file(file, reader.status().ToString());
    state_->reader = std::move(*reader);
  } catch (const parquet::ParquetException& error) {
    throw_bad_file(file, error.what());
  }
  state_->num_rows = state_->reader->parquet_reader()->metadata()->num_rows();
}

ParquetRowReader::~ParquetRowReader() = default;

int64_t ParquetRowReader::num_rows() const {
  return state_->num_rows;
}

bool ParquetRowReader::next(DatasetRow& row) {
  State& state = *state_;
  while (state.pending.empty()) {
    if (state.next_row_group >= state.reader->num_row_groups()) return false;
    decode_row_group(state, state.next_row_group++);
  }
  row.value = std::move(state.pending.front());
  state.pending.pop_front();
  row.number = ++state.rows_read;
  row.location = state.file.string() + ": row " + std::to_string(row.number);
  return true;
}

}  // namespace r1forge
