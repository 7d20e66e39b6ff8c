// TensorBoard event files: CRC32C and its mask, varints, byte-exact Events and TFRecords (the
// vectors of reference/formats.md §8.3 plus one derived by hand below), the writer's file and
// the MetricsWriter hook. The round trip through TensorBoard's own reader is
// tests/core/check_tensorboard.py (CTest core.tensorboard_reader_round_trip).
#include <unistd.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/core/metrics.h"
#include "r1forge/core/tensorboard.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;
namespace tb = tensorboard;

// "0a 1b..." (spaces ignored) -> the bytes it names.
std::string from_hex(std::string_view hex) {
  std::string digits;
  for (char c : hex)
    if (c != ' ') digits.push_back(c);
  std::string bytes;
  for (size_t i = 0; i + 1 < digits.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return bytes;
}

std::string to_hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0xF]);
  }
  return hex;
}

std::string varint(uint64_t value) {
  std::string out;
  tb::append_varint(out, value);
  return to_hex(out);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<fs::path> events_files(const fs::path& folder) {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().filename().string().find("tfevents") != std::string::npos)
      found.push_back(entry.path());
  return found;
}

// formats.md §8.3: Event{wall_time=1.0, file_version="brain.Event:2"} and
// Event{wall_time=2.0, step=5, summary{value{tag="loss", simple_value=0.5}}}.
constexpr char kFileVersionPayload[] = "09000000000000f03f1a0d627261696e2e4576656e743a32";
constexpr char kFileVersionRecord[] =
    "1800000000000000 a37f4b22 09000000000000f03f1a0d627261696e2e4576656e743a32 86bf577a";
constexpr char kLossPayload[] = "09000000000000004010052a0d0a0b0a046c6f7373150000003f";
constexpr char kLossRecord[] =
    "1a00000000000000 129bd82d 09000000000000004010052a0d0a0b0a046c6f7373150000003f db81a714";

TEST(TensorBoard, Crc32cMatchesStandardCheckValues) {
  EXPECT_EQ(tb::crc32c("123456789"), 0xE3069283u);  // the CRC catalogue's check value
  EXPECT_EQ(tb::crc32c(""), 0u);
  // RFC 3720 (iSCSI) appendix B.4: 32 zero bytes, 32 0xFF bytes, bytes 0..31.
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(tb::crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(tb::crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(tb::crc32c(ascending), 0x46DD794Eu);
}

TEST(TensorBoard, MaskedCrcRotatesRightBy15AndAddsTheConstant) {
  EXPECT_EQ(tb::mask_crc32c(0), 0xA282EAD8u);
  // 0xE3069283: >> 15 = 0x0001C60D; << 17 keeps the low 15 bits 0x1283 -> 0x25060000;
  // rotated 0x2507C60D, + 0xA282EAD8 = 0xC78AB0E5 (no carry out of 32 bits).
  EXPECT_EQ(tb::mask_crc32c(0xE3069283u), 0xC78AB0E5u);
  // The addition wraps mod 2^32: rotr15(0xFFFFFFFF) + 0xA282EAD8 = 0x1A282EAD7 -> 0xA282EAD7.
  EXPECT_EQ(tb::mask_crc32c(0xFFFFFFFFu), 0xA282EAD7u);
  // §8.3's first record: masked CRC of the 8 length bytes 18 00 .. 00 is stored LE a37f4b22.
  EXPECT_EQ(tb::masked_crc32c(from_hex("1800000000000000")), 0x224B7FA3u);
  EXPECT_EQ(tb::masked_crc32c(from_hex(kFileVersionPayload)), 0x7A57BF86u);
}

TEST(TensorBoard, VarintIsBase128LowGroupFirst) {
  EXPECT_EQ(varint(0), "00");
  EXPECT_EQ(varint(1), "01");
  EXPECT_EQ(varint(127), "7f");
  EXPECT_EQ(varint(128), "8001");
  EXPECT_EQ(varint(300), "ac02");  // 300 = 0b10_0101100: 0x2C | 0x80, then 0x02
  EXPECT_EQ(varint(std::numeric_limits<int64_t>::max()), "ffffffffffffffff7f");
  EXPECT_EQ(varint(std::numeric_limits<uint64_t>::max()), "ffffffffffffffffff01");
  EXPECT_EQ(varint(static_cast<uint64_t>(int64_t{-1})), "ffffffffffffffffff01");  // int64 -1
}

TEST(TensorBoard, EventsAndRecordsMatchFormatsVectors) {
  const std::string file_version = tb::encode_file_version_event(1.0);
  EXPECT_EQ(to_hex(file_version), kFileVersionPayload);
  EXPECT_EQ(tb::frame_record(file_version), from_hex(kFileVersionRecord));

  const std::string loss = tb::encode_scalars_event(2.0, 5, {{"loss", 0.5}});
  EXPECT_EQ(to_hex(loss), kLossPayload);
  EXPECT_EQ(tb::frame_record(loss), from_hex(kLossRecord));
}

TEST(TensorBoard, TwoScalarEventIsByteExactAndSkipsWhatFloat32CannotHold) {
  // Event{wall_time=3.0, step=300, summary{value{tag="kl", simple_value=-2.0},
  //                                         value{tag="reward", simple_value=0.25}}}:
  //   09 | 00 00 00 00 00 00 08 40      wall_time: field 1 fixed64; 3.0 = 0x4008000000000000 LE
  //   10 | ac 02                        step: field 2 varint; 300
  //   2a 1a                             summary: field 5, 26 bytes
  //     0a 09                           Summary.value (field 1), 9 bytes
  //       0a 02 6b 6c                   tag "kl"
  //       15 00 00 00 c0                simple_value: field 2 fixed32; -2.0f = 0xC0000000 LE
  //     0a 0d                           Summary.value, 13 bytes
  //       0a 06 72 65 77 61 72 64       tag "reward"
  //       15 00 00 80 3e                0.25f = 0x3E800000 LE
  // 40 bytes in all, so the record's length field is 28 00 00 00 00 00 00 00. The two CRCs are
  // from formats.md §8.3's Python reference generator.
  const std::string expected =
      "09000000000000084010ac022a1a"
      "0a090a026b6c15000000c0"
      "0a0d0a06726577617264150000803e";
  const MetricValues values = {{"kl", -2.0},
                               {"nan", std::numeric_limits<double>::quiet_NaN()},
                               {"neg_inf", -std::numeric_limits<double>::infinity()},
                               {"reward", 0.25},
                               {"too_big_for_float", 1e39}};
  const std::string event = tb::encode_scalars_event(3.0, 300, values);
  EXPECT_EQ(to_hex(event), expected);
  EXPECT_EQ(tb::frame_record(event),
            from_hex("2800000000000000 ff70164a " + expected + " 7fbe578d"));
}

TEST(TensorBoard, SessionStartEventIsByteExact) {
  // Event{wall_time=3.0, step=4, session_log{status=START}}:
  //   09 | 00 00 00 00 00 00 08 40   wall_time: field 1 fixed64, 3.0 little-endian
  //   10 04                          step: field 2 varint 4
  //   3a 02 | 08 01                  session_log: field 7 length 2 { status: field 1 = START (1) }
  EXPECT_EQ(to_hex(tb::encode_session_start_event(3.0, 4)), "09000000000000084010043a020801");
}

TEST(TensorBoard, StepZeroIsLeftOutAndNegativeStepsTakeTenBytes) {
  // wall_time 1.0, then straight to the (empty) summary: 2a 00.
  EXPECT_EQ(to_hex(tb::encode_scalars_event(1.0, 0, {})), "09000000000000f03f2a00");
  EXPECT_EQ(to_hex(tb::encode_scalars_event(1.0, -1, {})),
            "09000000000000f03f10ffffffffffffffffff012a00");
}

TEST(TensorBoard, WriterFileHoldsExactlyTheFramedRecords) {
  testing::TempDir dir;
  const fs::path folder = dir / "stage";  // created by the writer
  fs::path path;
  {
    TensorBoardWriter writer(folder, /*wall_time=*/1.0);
    path = writer.path();
    EXPECT_EQ(read_file(path), from_hex(kFileVersionRecord));  // flushed on construction
    writer.write_scalars(5, {{"loss", 0.5}}, /*wall_time=*/2.0);
    writer.write_scalars(6, {{"loss", std::numeric_limits<double>::quiet_NaN()}}, 2.5);
    writer.flush();
    EXPECT_EQ(read_file(path), from_hex(kFileVersionRecord) + from_hex(kLossRecord));
  }
  EXPECT_EQ(read_file(path), from_hex(kFileVersionRecord) + from_hex(kLossRecord));

  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(path.parent_path(), folder);
  EXPECT_EQ(path.filename().string(),
            "events.out.tfevents.1." + std::string(host) + "." + std::to_string(getpid()));
}

TEST(TensorBoard, SecondWriterInTheSameSecondGetsItsOwnFile) {
  testing::TempDir dir;
  TensorBoardWriter first(dir.path(), 7.25);
  TensorBoardWriter second(dir.path(), 7.75);
  EXPECT_EQ(second.path().string(), first.path().string() + ".1");
  EXPECT_EQ(events_files(dir.path()).size(), 2u);
  EXPECT_EQ(read_file(first.path()), tb::frame_record(tb::encode_file_version_event(7.25)));
}

TEST(TensorBoard, UnwritableFolderIsAnIoErrorNamingThePath) {
  testing::TempDir dir;
  std::ofstream(dir / "plain_file") << "x";
  const fs::path folder = dir / "plain_file" / "events";
  try {
    TensorBoardWriter writer(folder);
    FAIL() << "no throw";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find(folder.string()), std::string::npos) << error.what();
  }
}

TEST(TensorBoard, MetricsWriterMirrorsToAnEventsFileOnlyWhenAsked) {
  testing::TempDir dir;
  {
    MetricsWriter plain(dir / "plain" / "metrics.jsonl");
    plain.write(1, {{"reward", 1.0}});
    EXPECT_EQ(plain.tensorboard(), nullptr);
  }
  EXPECT_TRUE(events_files(dir / "plain").empty());

  fs::path events;
  {
    MetricsWriter both(dir / "stage" / "metrics.jsonl", /*tensorboard=*/true);
    ASSERT_NE(both.tensorboard(), nullptr);
    events = both.tensorboard()->path();
    EXPECT_EQ(events.parent_path(), dir / "stage");
    const size_t header_size = read_file(events).size();
    both.write(3, {{"reward", 0.5}, {"kl", std::numeric_limits<double>::quiet_NaN()}});
    // Flushed by write(): the file version record plus one Event holding only "reward"
    // (wall_time is "now", so compare its size: 9 + 2 + 2 + 2 + 8 + 5 = 28-byte payload).
    EXPECT_EQ(read_file(events).size(), header_size + 8 + 4 + 28 + 4);
  }
  EXPECT_EQ(events_files(dir / "stage"), std::vector<fs::path>{events});
  EXPECT_EQ(read_file(dir / "stage" / "metrics.jsonl"),
            "{\"step\":3,\"kl\":null,\"reward\":0.5}\n");
}

}  // namespace
}  // namespace r1forge
