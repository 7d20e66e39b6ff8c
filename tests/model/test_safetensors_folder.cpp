// Tests for model-folder weights: sharded save + load round trip, the single-file case, stale
// files of an earlier layout, and every index/shard inconsistency the reader must reject.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "model/safetensors_test_util.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/model/safetensors_folder.h"
#include "test_util.h"

namespace r1forge::safetensors {
namespace {

using TempDir = r1forge::testing::TempDir;
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Data bytes per tensor on the right; total 40 + 32 + 24 + 8 + 16 = 120.
NamedTensors folder_tensors() {
  return {
      {"embed.weight", at::arange(10, at::kFloat).reshape({2, 5})},       // 40 bytes
      {"layer.0.weight", at::arange(16, at::kBFloat16).reshape({4, 4})},  // 32 bytes
      {"layer.0.bias", at::arange(3, at::kLong)},                         // 24 bytes
      {"layer.1.weight", at::full({2}, -1.5, at::kFloat)},                // 8 bytes
      {"lm_head.weight", at::arange(8, at::kHalf)},                       // 16 bytes
  };
}

void expect_same_tensors(const SafetensorsFolder& folder, const NamedTensors& tensors) {
  ASSERT_EQ(folder.names().size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    at::Tensor loaded = folder.tensor(name);
    EXPECT_EQ(loaded.scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(at::equal(loaded, tensor)) << name;
  }
}

TEST(SafetensorsFolder, ShardedRoundTrip) {
  TempDir dir;
  const auto tensors = folder_tensors();
  // Shards fill in the given order, a new one when the next tensor would pass 64 bytes:
  // [embed 40] [layer.0.weight 32, layer.0.bias 24] [layer.1.weight 8, lm_head 16] -> 3.
  save_folder(dir.path(), tensors, /*max_shard_bytes=*/64);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(std::filesystem::exists(dir / shard_file_name(i, 3))) << i;
  }
  EXPECT_EQ(shard_file_name(2, 3), "model-00002-of-00003.safetensors");
  EXPECT_FALSE(std::filesystem::exists(dir / "model.safetensors"));

  auto index = nlohmann::json::parse(read_file(dir / "model.safetensors.index.json"));
  EXPECT_EQ(index["metadata"]["total_size"], 120);  // 40 + 32 + 24 + 8 + 16
  EXPECT_EQ(index["weight_map"]["embed.weight"], "model-00001-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["layer.0.bias"], "model-00002-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["lm_head.weight"], "model-00003-of-00003.safetensors");

  SafetensorsFolder folder(dir.path());
  EXPECT_TRUE(folder.sharded());
  EXPECT_EQ(folder.files().size(), 3u);
  expect_same_tensors(folder, tensors);
  EXPECT_TRUE(folder.contains("layer.1.weight"));
  EXPECT_FALSE(folder.contains("nope"));
  EXPECT_EQ(folder.file_of("lm_head.weight").path().filename(), shard_file_name(3, 3));
  EXPECT_TRUE(at::equal(folder.tensor("layer.0.weight", at::kFloat),
                        at::arange(16, at::kFloat).reshape({4, 4})));
  EXPECT_THROW(folder.tensor("nope"), DataError);
}

TEST(SafetensorsFolder, SingleFileWhenItFitsAndStaleShardsGo) {
  TempDir dir;
  const auto tensors = folder_tensors();
  save_folder(dir.path(), tensors, /*max_shard_bytes=*/64);
  save_folder(dir.path(), tensors);  // default 5 GB: everything in model.safetensors
  EXPECT_TRUE(std::filesystem::exists(dir / "model.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(dir / "model.safetensors.index.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / shard_file_name(1, 3)));
  SafetensorsFolder folder(dir.path());
  EXPECT_FALSE(folder.sharded());
  expect_same_tensors(folder, tensors);

  // And back to shards: the single file is removed.
  save_folder(dir.path(), tensors, /*max_shard_bytes=*/100);  // [40, 32, 24] [8, 16]
  EXPECT_FALSE(std::filesystem::exists(dir / "model.safetensors"));
  expect_same_tensors(SafetensorsFolder(dir.path()), tensors);
}

TEST(SafetensorsFolder, TensorLargerThanAShardGetsItsOwn) {
  TempDir dir;
  save_folder(dir.path(), {{"a", at::zeros({100})}, {"b", at::zeros({1})}}, 16);
  EXPECT_TRUE(std::filesystem::exists(dir / shard_file_name(2, 2)));
  EXPECT_EQ(SafetensorsFolder(dir.path()).file_of("a").names(), std::vector<std::string>{"a"});
}

TEST(SafetensorsFolder, DuplicateAcrossShardsIsRejectedBeforeWriting) {
  TempDir dir;
  EXPECT_THROW(save_folder(dir.path(), {{"a", at::zeros({4})}, {"a", at::zeros({4})}}, 8),
               DataError);
  EXPECT_FALSE(std::filesystem::exists(dir / shard_file_name(1, 2)));
}

// Builds a 2-shard folder, lets `corrupt` damage it, and expects `Expected` mentioning `parts`.
template <typename Expected>
void expect_folder_rejected(const std::function<void(const std::filesystem::path&)>& corrupt,
                            const std::vector<std::string>& parts) {
  TempDir dir;
  save_folder(dir.path(), {{"a", at::zeros({4})}, {"b", at::ones({4})}}, /*max_shard_bytes=*/16);
  corrupt(dir.path());
  try {
    SafetensorsFolder folder(dir.path());
    FAIL() << "accepted a bad folder; expected '" << parts[0] << "'";
  } catch (const Expected& error) {
    const std::string message = error.what();
    for (const auto& part : parts) EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

void write_index(const std::filesystem::path& dir, const std::string& text) {
  atomic_write_file(dir / "model.safetensors.index.json", text);
}

TEST(SafetensorsFolder, IndexErrors) {
  const std::string one = "model-00001-of-00002.safetensors";
  const std::string two = "model-00002-of-00002.safetensors";
  expect_folder_rejected<IoError>([](const auto& dir) { write_index(dir, "{\"weight_map\":"); },
                                  {"model.safetensors.index.json", "not valid JSON"});
  expect_folder_rejected<IoError>([](const auto& dir) { write_index(dir, "{}"); },
                                  {"index.json", "missing key \"weight_map\""});
  expect_folder_rejected<IoError>(
      [](const auto& dir) { write_index(dir, R"({"weight_map":{"a":1}})"); },
      {"index.json", "weight_map[\"a\"] must be a shard file name"});
  expect_folder_rejected<IoError>(
      [](const auto& dir) { write_index(dir, R"({"weight_map":{"a":"../x.safetensors"}})"); },
      {"index.json", "not a file name inside the folder"});
  // A shard the index names is missing.
  expect_folder_rejected<IoError>(
      [&](const auto& dir) { std::filesystem::remove(dir / two); },
      {"index.json", "shard \"" + two + "\" (holding tensor 'b') does not exist"});
  // weight_map puts "b" in shard 1, which does not hold it (and then b of shard 2 is unlisted
  // under that shard): the message names the tensor and the shard.
  expect_folder_rejected<DataError>(
      [&](const auto& dir) {
        write_index(dir, R"({"weight_map":{"a":")" + one + R"(","b":")" + one + R"("}})");
      },
      {"tensor 'b'", one});
  // A tensor of a shard that weight_map does not list.
  expect_folder_rejected<DataError>(
      [&](const auto& dir) {
        save_file(dir / one, {{"a", at::zeros({4})}, {"c", at::ones({1})}});
      },
      {"tensor 'c' of shard " + one, "not listed in weight_map"});
  // The same tensor in two shards.
  expect_folder_rejected<DataError>(
      [&](const auto& dir) {
        save_file(dir / two, {{"a", at::zeros({4})}, {"b", at::ones({4})}});
      },
      {"tensor 'a' is in two shards", one, two});
  // A shard that is itself corrupt (truncated) is reported with its own path.
  expect_folder_rejected<IoError>(
      [&](const auto& dir) {
        std::string bytes = read_file(dir / one);
        testing::write_bytes(dir / one, bytes.substr(0, bytes.size() - 2));
      },
      {one, "truncated"});
}

TEST(SafetensorsFolder, MissingWeightsAreAnIoError) {
  TempDir dir;
  EXPECT_THROW(SafetensorsFolder(dir.path()), IoError);
  EXPECT_THROW(SafetensorsFolder(dir / "absent"), IoError);
}

}  // namespace
}  // namespace r1forge::safetensors
