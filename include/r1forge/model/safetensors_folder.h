// The weights of a Hugging Face model folder: one model.safetensors, or shards named by
// model.safetensors.index.json (formats.md §1.5), read and written as one set of tensors.
//
// Reading validates the index against the shards: every shard exists, every weight_map entry
// is in the shard it names, every tensor of a shard is listed, no tensor is in two shards.
// Writing puts everything in model.safetensors when it fits in one shard, else writes
// model-0000i-of-0000N.safetensors shards and then the index (last, so its presence means the
// shards are complete); every file is written atomically.
// Not here: config.json and the rest of the folder (hf_io.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "r1forge/model/safetensors.h"

namespace r1forge::safetensors {

constexpr std::string_view kSingleFileName = "model.safetensors";
constexpr std::string_view kIndexFileName = "model.safetensors.index.json";
// transformers' default max_shard_size ("5GB").
constexpr int64_t kDefaultMaxShardBytes = 5'000'000'000;

// "model-00002-of-00004.safetensors" for index 2 (1-based) of 4.
std::string shard_file_name(int64_t index, int64_t count);

class SafetensorsFolder {
 public:
  // Opens `directory`'s index when present (r1forge never leaves both an index and a single
  // file behind; if both exist, the index is the newer one), else its model.safetensors.
  // IoError when neither exists or a file is malformed; DataError when index and shards
  // disagree. Every message names the file and the tensor or key.
  explicit SafetensorsFolder(const std::filesystem::path& directory);

  const std::filesystem::path& directory() const { return directory_; }
  bool sharded() const { return sharded_; }
  // The files opened: one, or the shards in index order.
  std::vector<std::filesystem::path> files() const;

  std::vector<std::string> names() const;  // sorted
  bool contains(std::string_view name) const;
  const TensorInfo& info(std::string_view name) const;  // DataError when absent
  // The file holding `name`; DataError when absent.
  const SafetensorsFile& file_of(std::string_view name) const;
  at::Tensor tensor(std::string_view name) const;
  at::Tensor tensor(std::string_view name, at::ScalarType target) const;

 private:
  void open_index(const std::filesystem::path& index_path);

  std::filesystem::path directory_;
  bool sharded_ = false;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t, std::less<>> owner_;  // tensor name -> index into files_
};

// Saves `tensors` into `directory` (created if needed). Shards are filled in the given order,
// starting a new one when the next tensor would push the data bytes past `max_shard_bytes`
// (a tensor larger than that gets a shard of its own). Removes a stale single file, index or
// shards left by an earlier save of a different layout. Errors as save_file.
void save_folder(const std::filesystem::path& directory,
                 const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                 int64_t max_shard_bytes = kDefaultMaxShardBytes);

}  // namespace r1forge::safetensors
