// TensorBoard scalar sink: writes `events.out.tfevents.*` files that TensorBoard reads, one
// Event per logged step with one `simple_value` per metric (reference/formats.md §8).
// The TFRecord framing, CRC32C and the few protobuf fields needed are encoded by hand here;
// no protobuf library, no torch. Values that are NaN, ±inf or beyond float32's range are
// skipped (TensorBoard stores float32; metrics.jsonl keeps them as null or as doubles).
// Not here: images, histograms, text or graphs; choosing which rank writes (the caller's job:
// rank 0 only); the JSONL sink (metrics.h, which can drive this one).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "r1forge/core/metrics.h"

namespace r1forge {

namespace tensorboard {

// Seconds since the Unix epoch, with sub-second precision (what Event.wall_time holds).
double wall_time_now();

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78, init and xorout 0xFFFFFFFF).
// crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::string_view bytes);
// The TFRecord mask: ((crc >> 15) | (crc << 17)) + 0xA282EAD8, modulo 2^32.
uint32_t mask_crc32c(uint32_t crc);
inline uint32_t masked_crc32c(std::string_view bytes) {
  return mask_crc32c(crc32c(bytes));
}

// Protobuf base-128 varint, least significant group first (an int64 is cast to uint64 first,
// so a negative number takes 10 bytes, as protobuf does for int64 fields).
void append_varint(std::string& out, uint64_t value);

// Serialized Event{wall_time, file_version: "brain.Event:2"}: the first record of every file.
std::string encode_file_version_event(double wall_time);
// Serialized Event{wall_time, step, summary{value{tag: name, simple_value: float(value)}...}}
// in `values`' (name) order, skipping values that are not finite or exceed float32's range.
// A step of 0 is left out, as proto3 does for defaults.
std::string encode_scalars_event(double wall_time, int64_t step, const MetricValues& values);
// Serialized Event{wall_time, step, session_log{status: START}}: tells TensorBoard that a run
// restarted at `step`, so it drops the events at or after `step` that earlier files hold.
std::string encode_session_start_event(double wall_time, int64_t step);
// The TFRecord around `payload`: uint64 LE length, uint32 LE masked CRC of those 8 bytes,
// the payload, uint32 LE masked CRC of the payload.
std::string frame_record(std::string_view payload);

}  // namespace tensorboard

// One events file in `folder`, named events.out.tfevents.<unix seconds>.<hostname>.<pid>
// (".1", ".2", ... appended if that name is taken). Each writer starts a new file, so a
// resumed run adds a file beside the old one; TensorBoard merges them by step.
class TensorBoardWriter {
 public:
  // Creates `folder` if missing, writes and flushes the file_version event stamped
  // `wall_time` (whose whole seconds also name the file). IoError naming the path on failure.
  explicit TensorBoardWriter(const std::filesystem::path& folder,
                             double wall_time = tensorboard::wall_time_now());
  ~TensorBoardWriter();  // flushes and closes; errors at this point are ignored
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  // Appends one Event holding every metric of `values` that float32 can hold (none: nothing
  // is written). Buffered: call flush() to make it visible to readers.
  void write_scalars(int64_t step,
                     const MetricValues& values,
                     double wall_time = tensorboard::wall_time_now());
  // Marks a resumed run: the first step it will log is `step` (SessionLog START; TensorBoard
  // then drops what earlier files logged from `step` on). Flushed.
  void write_session_start(int64_t step, double wall_time = tensorboard::wall_time_now());
  // Pushes buffered records to the file. IoError naming the path on failure.
  void flush();

  const std::filesystem::path& path() const { return path_; }

 private:
  void write_record(std::string_view payload);

  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

}  // namespace r1forge
