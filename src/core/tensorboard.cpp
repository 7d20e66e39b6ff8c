// TensorBoard event files: CRC32C, TFRecord framing, hand-encoded Event/Summary protobufs and
// the writer; see core/tensorboard.h and reference/formats.md §8.
#include "r1forge/core/tensorboard.h"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

#include "r1forge/core/check.h"

namespace r1forge {

namespace tensorboard {
namespace {

// Protobuf wire types (the low 3 bits of a field key).
constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireFixed64 = 1;
constexpr uint32_t kWireLengthDelimited = 2;
constexpr uint32_t kWireFixed32 = 5;

// Field numbers of event.proto / summary.proto.
constexpr uint32_t kEventWallTime = 1;     // double
constexpr uint32_t kEventStep = 2;         // int64
constexpr uint32_t kEventFileVersion = 3;  // string
constexpr uint32_t kEventSummary = 5;      // Summary
constexpr uint32_t kEventSessionLog = 7;   // SessionLog
constexpr uint32_t kSessionLogStatus = 1;  // enum: START = 1
constexpr uint64_t kSessionStart = 1;
constexpr uint32_t kSummaryValue = 1;      // repeated Summary.Value
constexpr uint32_t kValueTag = 1;          // string
constexpr uint32_t kValueSimpleValue = 2;  // float

constexpr char kFileVersion[] = "brain.Event:2";

// Byte-at-a-time CRC32C table for the reflected polynomial, built at compile time.
constexpr std::array<uint32_t, 256> make_crc32c_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t crc = i;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    table[i] = crc;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrc32cTable = make_crc32c_table();

void append_key(std::string& out, uint32_t field, uint32_t wire_type) {
  append_varint(out, (uint64_t{field} << 3) | wire_type);
}

void append_little_endian(std::string& out, uint64_t bits, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
}

void append_double(std::string& out, uint32_t field, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  append_key(out, field, kWireFixed64);
  append_little_endian(out, bits, 8);
}

void append_float(std::string& out, uint32_t field, float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  append_key(out, field, kWireFixed32);
  append_little_endian(out, bits, 4);
}

void append_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  append_key(out, field, kWireLengthDelimited);
  append_varint(out, bytes.size());
  out.append(bytes);
}

// Whether `value` is stored: finite and within float32's range (the cast is then defined).
bool fits_float32(double value) {
  return std::isfinite(value) && std::fabs(value) <= std::numeric_limits<float>::max();
}

std::string local_hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

double wall_time_now() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(since_epoch).count();
}

uint32_t crc32c(std::string_view bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) crc = kCrc32cTable[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

uint32_t mask_crc32c(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u;  // uint32_t arithmetic wraps mod 2^32
}

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::string encode_file_version_event(double wall_time) {
  std::string event;
  append_double(event, kEventWallTime, wall_time);
  append_bytes(event, kEventFileVersion, kFileVersion);
  return event;
}

std::string encode_scalars_event(double wall_time, int64_t step, const MetricValues& values) {
  std::string summary;
  for (const auto& [name, value] : values) {
    if (!fits_float32(value)) continue;  // NaN, ±inf, or too large for float32
    std::string summary_value;
    append_bytes(summary_value, kValueTag, name);
    append_float(summary_value, kValueSimpleValue, static_cast<float>(value));
    append_bytes(summary, kSummaryValue, summary_value);
  }
  std::string event;
  append_double(event, kEventWallTime, wall_time);
  if (step != 0) {
    append_key(event, kEventStep, kWireVarint);
    append_varint(event, static_cast<uint64_t>(step));
  }
  append_bytes(event, kEventSummary, summary);
  return event;
}

std::string encode_session_start_event(double wall_time, int64_t step) {
  std::string session_log;
  append_key(session_log, kSessionLogStatus, kWireVarint);
  append_varint(session_log, kSessionStart);
  std::string event;
  append_double(event, kEventWallTime, wall_time);
  if (step != 0) {
    append_key(event, kEventStep, kWireVarint);
    append_varint(event, static_cast<uint64_t>(step));
  }
  append_bytes(event, kEventSessionLog, session_log);
  return event;
}

std::string frame_record(std::string_view payload) {
  std::string length;
  append_little_endian(length, payload.size(), 8);
  std::string record = length;
  record.reserve(8 + 4 + payload.size() + 4);
  append_little_endian(record, masked_crc32c(length), 4);
  record.append(payload);
  append_little_endian(record, masked_crc32c(payload), 4);
  return record;
}

}  // namespace tensorboard

TensorBoardWriter::TensorBoardWriter(const std::filesystem::path& folder, double wall_time) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  R1F_CHECK_IO(!error, "cannot create TensorBoard folder ", folder, ": ", error.message());

  const std::string base = "events.out.tfevents." +
                           std::to_string(static_cast<int64_t>(std::floor(wall_time))) + "." +
                           tensorboard::local_hostname() + "." + std::to_string(getpid());
  // "x": fail rather than truncate if a writer in this process made the same name this second.
  for (int attempt = 0; attempt < 1000 && file_ == nullptr; ++attempt) {
    path_ = folder / (attempt == 0 ? base : base + "." + std::to_string(attempt));
    file_ = std::fopen(path_.c_str(), "wbx");
    if (file_ == nullptr && errno != EEXIST) break;
  }
  R1F_CHECK_IO(file_ != nullptr, "cannot create TensorBoard events file ", path_, ": ",
               std::strerror(errno));
  write_record(tensorboard::encode_file_version_event(wall_time));
  flush();
}

TensorBoardWriter::~TensorBoardWriter() {
  if (file_) std::fclose(file_);
}

void TensorBoardWriter::write_session_start(int64_t step, double wall_time) {
  write_record(tensorboard::encode_session_start_event(wall_time, step));
  flush();
}

void TensorBoardWriter::write_scalars(int64_t step, const MetricValues& values, double wall_time) {
  bool any_finite = false;
  for (const auto& entry : values) any_finite |= tensorboard::fits_float32(entry.second);
  if (!any_finite) return;
  write_record(tensorboard::encode_scalars_event(wall_time, step, values));
}

void TensorBoardWriter::flush() {
  R1F_CHECK_IO(std::fflush(file_) == 0, "cannot write TensorBoard events file ", path_, ": ",
               std::strerror(errno));
}

void TensorBoardWriter::write_record(std::string_view payload) {
  const std::string record = tensorboard::frame_record(payload);
  R1F_CHECK_IO(std::fwrite(record.data(), 1, record.size(), file_) == record.size(),
               "cannot write TensorBoard events file ", path_, ": ", std::strerror(errno));
}

}  // namespace r1forge
