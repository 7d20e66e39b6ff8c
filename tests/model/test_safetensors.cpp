// Tests for safetensors files: the spec's test vectors (formats.md §1.4), bitwise round trips,
// every reader validation of §1.2 (each error must name the file and the problem), truncated
// files, atomic writes, and dtype conversion. Sharded folders: test_safetensors_folder.cpp.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "model/safetensors_test_util.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/model/safetensors.h"
#include "test_util.h"

namespace r1forge::safetensors {
namespace {

using TempDir = r1forge::testing::TempDir;
using r1forge::testing::write_bytes;

std::string file_bytes(const std::string& header, const std::string& data = "") {
  return testing::safetensors_bytes(header, data);
}

// Writes `bytes` to a file and expects opening it to throw `Expected` whose message names the
// file and contains every one of `parts`.
template <typename Expected = IoError>
void expect_rejected(const std::string& bytes, std::vector<std::string> parts) {
  TempDir dir;
  const auto path = dir / "bad.safetensors";
  write_bytes(path, bytes);
  try {
    SafetensorsFile file(path);
    FAIL() << "accepted a bad file; expected an error containing '" << parts[0] << "'";
  } catch (const Expected& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

std::string f32_entry(const std::string& name, int64_t count, uint64_t begin, uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(count) +
         "],\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

std::vector<std::pair<std::string, at::Tensor>> sample_tensors() {
  auto gen = at::detail::createCPUGenerator(/*seed_in=*/7);
  return {
      {"f32", at::randn({3, 5}, gen)},
      {"bf16", at::randn({4, 2}, gen).to(at::kBFloat16)},
      {"f16", at::randn({7}, gen).to(at::kHalf)},
      {"i64", at::arange(-3, 6, at::kLong).reshape({3, 3})},
      {"i32", at::tensor({-2147483647 - 1, 0, 2147483647}, at::kInt)},
      {"u8", at::tensor({0, 1, 255}, at::kByte)},
      {"bool", at::tensor({1, 0, 1, 1}, at::kByte).to(at::kBool)},
      {"scalar", at::scalar_tensor(2.5, at::kDouble)},
      {"empty", at::empty({0, 4}, at::kFloat)},
  };
}

bool bitwise_equal(const at::Tensor& a, const at::Tensor& b) {
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  auto x = a.contiguous(), y = b.contiguous();
  return x.nbytes() == y.nbytes() && std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0;
}

TEST(SafetensorsDtype, TableRoundTripsAndSizes) {
  for (int i = 0; i <= static_cast<int>(Dtype::U64); ++i) {
    auto dtype = static_cast<Dtype>(i);
    EXPECT_EQ(parse_dtype(dtype_name(dtype)), dtype);
  }
  EXPECT_EQ(dtype_bits(Dtype::BF16), 16);
  EXPECT_EQ(dtype_bits(Dtype::F4), 4);
  EXPECT_EQ(dtype_bits(Dtype::F6_E3M2), 6);
  EXPECT_EQ(dtype_bits(Dtype::C64), 64);
  EXPECT_FALSE(parse_dtype("F128").has_value());
  EXPECT_FALSE(parse_dtype("f32").has_value());  // case matters
}

// formats.md §1.4: the reference doc-test file, 60-byte unpadded header.
TEST(SafetensorsVectors, UnpaddedDocTestFileParses) {
  const std::string header = R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}})";
  ASSERT_EQ(header.size(), 60u);
  std::string data(16, '\0');
  const int32_t values[4] = {1, -2, 3, 400000};
  std::memcpy(data.data(), values, 16);
  const std::string bytes = file_bytes(header, data);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x3c\0\0\0\0\0\0\0", 8));
  TempDir dir;
  write_bytes(dir / "doc.safetensors", bytes);
  SafetensorsFile file(dir / "doc.safetensors");
  EXPECT_EQ(file.header().header_length, 60u);
  EXPECT_EQ(file.header().data_offset(), 68u);
  EXPECT_EQ(file.names(), std::vector<std::string>{"test"});
  at::Tensor tensor = file.tensor("test");
  EXPECT_EQ(tensor.scalar_type(), at::kInt);
  EXPECT_EQ(tensor.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(at::equal(tensor, at::tensor({1, -2, 3, 400000}, at::kInt).reshape({2, 2})));
}

// formats.md §1.4: 85 raw bytes padded with 3 spaces to N = 88.
TEST(SafetensorsVectors, PaddedExampleHeaderIs88Bytes) {
  const std::string raw =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_EQ(raw.size(), 85u);
  TensorInfo a{"a", Dtype::F32, {2}, 0, 8};
  EXPECT_EQ(build_header_json({{"format", "pt"}}, {a}), raw + "   ");

  TempDir dir;
  save_file(dir / "a.safetensors", {{"a", at::tensor({1.0f, 2.0f})}});
  const std::string bytes = read_file(dir / "a.safetensors");
  ASSERT_EQ(bytes.size(), 8u + 88u + 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x58\0\0\0\0\0\0\0", 8));  // 0x58 = 88
  EXPECT_EQ(bytes.substr(8, 88), raw + "   ");
  const float expected[2] = {1.0f, 2.0f};
  EXPECT_EQ(std::memcmp(bytes.data() + 96, expected, 8), 0);
}

TEST(SafetensorsRoundTrip, EveryDtypeBitwiseAndResaveIsIdentical) {
  TempDir dir;
  const auto tensors = sample_tensors();
  save_file(dir / "a.safetensors", tensors);
  SafetensorsFile file(dir / "a.safetensors");
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
  EXPECT_EQ(file.header().header_length % 8, 0u);
  ASSERT_EQ(file.names().size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    EXPECT_TRUE(bitwise_equal(file.tensor(name), tensor)) << name;
  }
  EXPECT_EQ(file.tensor("scalar").dim(), 0);
  EXPECT_EQ(file.info("empty").byte_size(), 0u);

  // Data order: dtype alignment descending (enum order), then name. Sizes: i64 9*8 = 72,
  // scalar F64 8, empty F32 0, f32 15*4 = 60, i32 3*4 = 12, bf16 8*2 = 16, f16 7*2 = 14, u8 3,
  // bool 4; so the offsets are the running sums below.
  const std::vector<std::pair<std::string, uint64_t>> expected_begin = {
      {"i64", 0},    {"scalar", 72}, {"empty", 80}, {"f32", 80},  {"i32", 140},
      {"bf16", 152}, {"f16", 168},   {"u8", 182},   {"bool", 185}};
  for (const auto& [name, begin] : expected_begin) EXPECT_EQ(file.info(name).begin, begin) << name;
  EXPECT_EQ(file.header().data_length, 189u);

  // Re-saving what was loaded (in a different order) reproduces the file byte for byte.
  std::vector<std::pair<std::string, at::Tensor>> reloaded;
  for (const auto& name : file.names()) reloaded.emplace_back(name, file.tensor(name));
  std::reverse(reloaded.begin(), reloaded.end());
  save_file(dir / "b.safetensors", reloaded);
  EXPECT_EQ(read_file(dir / "a.safetensors"), read_file(dir / "b.safetensors"));
}

TEST(SafetensorsRoundTrip, NonContiguousAndCustomMetadata) {
  TempDir dir;
  at::Tensor base = at::arange(12, at::kFloat).reshape({3, 4});
  save_file(dir / "t.safetensors", {{"t", base.t()}}, {{"note", "x\"y\n"}});
  SafetensorsFile file(dir / "t.safetensors");
  EXPECT_TRUE(at::equal(file.tensor("t"), base.t().contiguous()));
  EXPECT_EQ(file.metadata().at("note"), "x\"y\n");
  EXPECT_EQ(file.metadata().at("format"), "pt");  // added when the caller has none
}

// Hand-made BF16 bit patterns: 0x3F80 = 1.0; 0xC000 = -2.0; 0x3EAB = 1.0101011b * 2^-2 =
// 171/512 = 0.333984375; 0x7F80 = +inf; 0x0001 = smallest subnormal 2^-133.
TEST(SafetensorsConvert, Bf16ToF32IsExact) {
  const uint16_t bits[5] = {0x3F80, 0xC000, 0x3EAB, 0x7F80, 0x0001};
  std::string data(10, '\0');
  std::memcpy(data.data(), bits, 10);
  TempDir dir;
  write_bytes(dir / "b.safetensors",
              file_bytes(R"({"b":{"dtype":"BF16","shape":[5],"data_offsets":[0,10]}})", data));
  SafetensorsFile file(dir / "b.safetensors");
  at::Tensor f32 = file.tensor("b", at::kFloat);
  ASSERT_EQ(f32.scalar_type(), at::kFloat);
  const float* v = f32.data_ptr<float>();
  EXPECT_EQ(v[0], 1.0f);
  EXPECT_EQ(v[1], -2.0f);
  EXPECT_EQ(v[2], 0.333984375f);
  EXPECT_TRUE(std::isinf(v[3]) && v[3] > 0);
  EXPECT_EQ(v[4], std::ldexp(1.0f, -133));
}

TEST(SafetensorsRead, SubByteDtypeValidatesButCannotBecomeATensor) {
  TempDir dir;
  write_bytes(dir / "f4.safetensors",
              file_bytes(R"({"q":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}})", "ab"));
  SafetensorsFile file(dir / "f4.safetensors");
  EXPECT_EQ(file.raw_bytes("q"), "ab");
  try {
    file.tensor("q");
    FAIL();
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("'q' has dtype F4"), std::string::npos);
  }
  EXPECT_THROW(file.tensor("missing"), DataError);
}

// ---- every rejection of formats.md §1.2 / §1.4 ------------------------------------------------

TEST(SafetensorsReject, HeaderLengthProblems) {
  std::string huge(8, '\0');
  const uint64_t too_large = 100'000'001;
  std::memcpy(huge.data(), &too_large, 8);
  expect_rejected(huge + "{}", {"header too large", "100000001"});
  std::string past(8, '\0');
  past[0] = 64;  // N = 64 but only 2 header bytes follow
  expect_rejected(past + "{}", {"runs past the end"});
  expect_rejected("\x02\0\0", {"too short"});
  expect_rejected("", {"too short"});
}

TEST(SafetensorsReject, HeaderTextProblems) {
  expect_rejected(file_bytes(" {}"), {"does not start with '{'"});
  expect_rejected(file_bytes("{\"a\xff\":1}"), {"not valid UTF-8"});
  expect_rejected(file_bytes("{\"\xed\xa0\x80\":1}"), {"not valid UTF-8"});  // a surrogate
  expect_rejected(file_bytes("{\"a\":"), {"not valid JSON"});
  expect_rejected(file_bytes("{} x"), {"not valid JSON"});
  expect_rejected(
      file_bytes(R"({"a":{"x":)" + std::string(200, '[') + std::string(200, ']') + "}}"),
      {"nested deeper than 128"});
}

TEST(SafetensorsReject, DuplicateKeys) {
  expect_rejected(file_bytes("{" + f32_entry("a", 1, 0, 4) + "," + f32_entry("a", 1, 4, 8) + "}",
                             std::string(8, '\0')),
                  {"duplicate key 'a'"});
  expect_rejected(
      file_bytes(R"({"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                 std::string(4, '\0')),
      {"duplicate key 'dtype'"});
  expect_rejected(file_bytes(R"({"__metadata__":{"k":"1","k":"2"}})"), {"duplicate key 'k'"});
}

TEST(SafetensorsReject, MetadataValuesMustBeStrings) {
  expect_rejected(file_bytes(R"({"__metadata__":{"format":"pt","n":3}})"),
                  {"\"__metadata__\" value for key 'n'", "not a string"});
  expect_rejected(file_bytes(R"({"__metadata__":["pt"]})"), {"\"__metadata__\" must be"});
}

TEST(SafetensorsReject, TensorEntryFields) {
  const std::string four(4, '\0');
  expect_rejected(file_bytes(R"({"w":{"dtype":"F128","shape":[1],"data_offsets":[0,4]}})", four),
                  {"tensor 'w'", "unknown dtype \"F128\""});
  expect_rejected(file_bytes(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", four),
                  {"tensor 'w'", "missing \"dtype\""});
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four),
                  {"tensor 'w'", "non-negative integers"});
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})", four),
                  {"tensor 'w'", "non-negative integers"});
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","shape":1,"data_offsets":[0,4]}})", four),
                  {"tensor 'w'", "\"shape\" must be an array"});
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", four),
                  {"tensor 'w'", "[BEGIN, END]"});
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,-4]}})", four),
                  {"tensor 'w'", "non-negative integers"});
  expect_rejected(file_bytes(R"({"w":[1]})"), {"tensor 'w'", "expected an object"});
}

TEST(SafetensorsReject, OffsetsMustTileTheBuffer) {
  const std::string twelve(12, '\0');
  // A hole of 4 bytes between a [0,4) and b [8,12).
  expect_rejected(
      file_bytes("{" + f32_entry("a", 1, 0, 4) + "," + f32_entry("b", 1, 8, 12) + "}", twelve),
      {"tensor 'b'", "hole of 4 bytes after tensor 'a'"});
  // The first tensor does not start at 0.
  expect_rejected(file_bytes("{" + f32_entry("a", 1, 4, 8) + "}", std::string(8, '\0')),
                  {"tensor 'a'", "must begin at byte 0"});
  // b [4,12) overlaps a [0,8).
  expect_rejected(
      file_bytes("{" + f32_entry("a", 2, 0, 8) + "," + f32_entry("b", 2, 4, 12) + "}", twelve),
      {"tensor 'b'", "overlap tensor 'a'"});
  // Two tensors at the same place.
  expect_rejected(file_bytes("{" + f32_entry("a", 1, 0, 4) + "," + f32_entry("b", 1, 0, 4) + "}",
                             std::string(8, '\0')),
                  {"tensor 'b'", "overlap tensor 'a'"});
  expect_rejected(file_bytes("{" + f32_entry("a", 1, 4, 0) + "}"),
                  {"tensor 'a'", "end before they begin"});
}

TEST(SafetensorsReject, ByteSizeMustMatchShapeAndDtype) {
  // 3 F32 elements need 12 bytes; the offsets give 8.
  expect_rejected(file_bytes("{" + f32_entry("a", 3, 0, 8) + "}", std::string(8, '\0')),
                  {"tensor 'a'", "hold 8 bytes but 3 elements of F32 need 12"});
  // 3 F4 elements are 12 bits: not whole bytes.
  expect_rejected(file_bytes(R"({"q":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", "ab"),
                  {"tensor 'q'", "not a whole number of bytes"});
}

TEST(SafetensorsReject, Overflow) {
  // 2^32 cubed overflows uint64.
  expect_rejected(
      file_bytes(
          R"({"a":{"dtype":"U8","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}})"),
      {"tensor 'a'", "element count overflows"});
  // 2^62 elements fit in int64 but 2^62 * 64 bits does not fit in uint64.
  expect_rejected(
      file_bytes(R"({"a":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}})"),
      {"tensor 'a'", "byte size overflows"});
  expect_rejected(
      file_bytes(R"({"a":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,0]}})"),
      {"tensor 'a'", "overflows int64"});
}

TEST(SafetensorsReject, FileNotFullyCovered) {
  const std::string header = "{" + f32_entry("a", 1, 0, 4) + "}";
  expect_rejected(file_bytes(header, std::string(5, '\0')), {"1 trailing bytes"});
  expect_rejected(file_bytes(header, std::string(3, '\0')), {"truncated", "need 4 data bytes"});
}

// A crash mid-write leaves a prefix of a valid file: every prefix must be rejected cleanly.
TEST(SafetensorsReject, TruncatedFileAtEveryInterestingPoint) {
  TempDir dir;
  save_file(dir / "ok.safetensors", sample_tensors());
  const std::string whole = read_file(dir / "ok.safetensors");
  SafetensorsFile ok(dir / "ok.safetensors");
  const size_t data_start = ok.header().data_offset();
  std::vector<size_t> cuts = {
      0, 1, 7, 8, 9, data_start / 2, data_start - 1, data_start, data_start + 1, whole.size() - 1};
  for (size_t cut = 0; cut < whole.size(); cut += 13) cuts.push_back(cut);
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_rejected(whole.substr(0, cut), {"safetensors"});
  }
}

// ---- writer errors and atomicity --------------------------------------------------------------

// No temporary file may be left beside the target.
int64_t count_files(const std::filesystem::path& dir) {
  int64_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++count;
  return count;
}

TEST(SafetensorsWrite, RejectsBadInputAndLeavesTheOldFile) {
  TempDir dir;
  const auto path = dir / "w.safetensors";
  save_file(path, {{"old", at::ones({2})}});
  const std::string before = read_file(path);

  auto expect_data_error = [&](const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                               const std::string& part) {
    try {
      save_file(path, tensors);
      FAIL() << "expected DataError with " << part;
    } catch (const DataError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find(part), std::string::npos) << message;
    }
  };
  expect_data_error({{"x", at::ones({1})}, {"x", at::zeros({1})}}, "'x': duplicate tensor name");
  expect_data_error({{"c", at::ones({1}, at::kComplexDouble)}}, "'c': dtype ComplexDouble");
  expect_data_error({{"__metadata__", at::ones({1})}}, "reserved");
  expect_data_error({{"u", at::Tensor()}}, "'u': the tensor is undefined");
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(count_files(dir.path()), 1);
}

// A tensor that fails only when its bytes are copied (a meta tensor has a dtype and shape but
// no data): the header is already written, and still nothing reaches the target.
TEST(SafetensorsWrite, FailureMidWriteLeavesNoFile) {
  TempDir dir;
  const auto path = dir / "mid.safetensors";
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"a", at::ones({4})}, {"b", at::empty({3}, at::TensorOptions().device(at::kMeta))}};
  try {
    save_file(path, tensors);
    FAIL() << "meta tensor was saved";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("cannot save tensor 'b'"), std::string::npos);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(count_files(dir.path()), 0);
}

}  // namespace
}  // namespace r1forge::safetensors
