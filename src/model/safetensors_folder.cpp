// Single-file or sharded safetensors weights of a model folder; see
// include/r1forge/model/safetensors_folder.h.
#include "r1forge/model/safetensors_folder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"

namespace r1forge::safetensors {
namespace {

namespace fs = std::filesystem;

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

bool is_shard_file_name(const std::string& name) {
  static const std::regex kShardPattern(R"(model-\d{5}-of-\d{5}\.safetensors)");
  return std::regex_match(name, kShardPattern);
}

// Removes files of an earlier save that the new layout does not use.
void remove_stale_files(const fs::path& directory, const std::set<std::string>& keep) {
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    const bool ours = name == kSingleFileName || name == kIndexFileName || is_shard_file_name(name);
    if (ours && keep.count(name) == 0) stale.push_back(entry.path());
  }
  for (const auto& path : stale) {
    std::error_code error;
    fs::remove(path, error);
    R1F_CHECK_IO(!error, "cannot remove stale weights file ", path, ": ", error.message());
  }
  if (!stale.empty()) fsync_directory(directory);
}

// Whole-set checks done before anything is written, so a bad set leaves the folder untouched
// (save_file checks each shard again, but cannot see a duplicate split across two shards).
void check_tensor_set(const fs::path& directory, const NamedTensors& tensors) {
  std::set<std::string_view> seen;
  for (const auto& [name, tensor] : tensors) {
    const auto where = detail::concat(directory, ": cannot save tensor '", name, "'");
    R1F_CHECK_DATA(seen.insert(name).second, where, ": duplicate tensor name");
    R1F_CHECK_DATA(tensor.defined(), where, ": the tensor is undefined");
    R1F_CHECK_DATA(from_scalar_type(tensor.scalar_type()).has_value(), where, ": dtype ",
                   tensor.scalar_type(), " has no safetensors equivalent");
  }
}

}  // namespace

std::string shard_file_name(int64_t index, int64_t count) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "model-%05lld-of-%05lld.safetensors",
                static_cast<long long>(index), static_cast<long long>(count));
  return buffer;
}

// ---- reader -----------------------------------------------------------------------------------

SafetensorsFolder::SafetensorsFolder(const fs::path& directory) : directory_(directory) {
  std::error_code error;
  R1F_CHECK_IO(fs::is_directory(directory, error), "model folder ", directory,
               " does not exist or is not a directory");
  const fs::path index_path = directory / kIndexFileName;
  const fs::path single_path = directory / kSingleFileName;
  if (fs::exists(index_path, error)) {
    open_index(index_path);
    return;
  }
  R1F_CHECK_IO(fs::exists(single_path, error), "model folder ", directory, " has neither ",
               kSingleFileName, " nor ", kIndexFileName);
  files_.push_back(std::make_unique<SafetensorsFile>(single_path));
  for (const auto& name : files_[0]->names()) owner_.emplace(name, 0);
}

void SafetensorsFolder::open_index(const fs::path& index_path) {
  sharded_ = true;
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(read_file(index_path));
  } catch (const nlohmann::json::exception& error) {
    R1F_THROW(IoError, index_path, ": not valid JSON: ", error.what());
  }
  R1F_CHECK_IO(index.is_object(), index_path, ": expected a JSON object");
  auto metadata = index.find("metadata");
  R1F_CHECK_IO(metadata == index.end() || metadata->is_object() || metadata->is_null(), index_path,
               ": \"metadata\" must be an object");
  auto weight_map = index.find("weight_map");
  R1F_CHECK_IO(weight_map != index.end(), index_path, ": missing key \"weight_map\"");
  R1F_CHECK_IO(weight_map->is_object(), index_path, ": \"weight_map\" must be an object");

  std::map<std::string, std::string> shard_of;  // tensor -> shard file, as the index says
  std::set<std::string> shard_names;
  for (const auto& [name, shard] : weight_map->items()) {
    R1F_CHECK_IO(shard.is_string(), index_path, ": weight_map[\"", name,
                 "\"] must be a shard file name (a string)");
    const auto& shard_name = shard.get_ref<const std::string&>();
    // A bare file name: an index must not reach outside its folder.
    R1F_CHECK_IO(!shard_name.empty() && shard_name != "." && shard_name != ".." &&
                     shard_name.find('/') == std::string::npos,
                 index_path, ": weight_map[\"", name, "\"] = \"", shard_name,
                 "\" is not a file name inside the folder");
    shard_of[name] = shard_name;
    shard_names.insert(shard_name);
  }

  std::map<std::string, size_t> file_index;
  for (const auto& shard_name : shard_names) {
    const fs::path shard_path = directory_ / shard_name;
    std::error_code error;
    if (!fs::exists(shard_path, error)) {
      const auto example = std::find_if(shard_of.begin(), shard_of.end(), [&](const auto& entry) {
        return entry.second == shard_name;
      });
      R1F_THROW(IoError, index_path, ": shard \"", shard_name, "\" (holding tensor '",
                example->first, "') does not exist in ", directory_);
    }
    file_index[shard_name] = files_.size();
    files_.push_back(std::make_unique<SafetensorsFile>(shard_path));
  }

  for (size_t i = 0; i < files_.size(); ++i) {
    const std::string shard_name = files_[i]->path().filename().string();
    for (const auto& name : files_[i]->names()) {
      auto [it, inserted] = owner_.emplace(name, i);
      R1F_CHECK_DATA(inserted, index_path, ": tensor '", name,
                     "' is in two shards: ", files_[it->second]->path().filename().string(),
                     " and ", shard_name);
      auto listed = shard_of.find(name);
      R1F_CHECK_DATA(listed != shard_of.end(), index_path, ": tensor '", name, "' of shard ",
                     shard_name, " is not listed in weight_map");
    }
  }
  for (const auto& [name, shard_name] : shard_of) {
    const size_t expected = file_index.at(shard_name);
    auto owner = owner_.find(name);
    R1F_CHECK_DATA(owner != owner_.end() && owner->second == expected, index_path,
                   ": weight_map puts tensor '", name, "' in ", shard_name,
                   ", but that shard has no such tensor");
  }
}

std::vector<fs::path> SafetensorsFolder::files() const {
  std::vector<fs::path> paths;
  for (const auto& file : files_) paths.push_back(file->path());
  return paths;
}

std::vector<std::string> SafetensorsFolder::names() const {
  std::vector<std::string> names;
  names.reserve(owner_.size());
  for (const auto& [name, index] : owner_) names.push_back(name);
  return names;
}

bool SafetensorsFolder::contains(std::string_view name) const {
  return owner_.find(name) != owner_.end();
}

const SafetensorsFile& SafetensorsFolder::file_of(std::string_view name) const {
  auto it = owner_.find(name);
  R1F_CHECK_DATA(it != owner_.end(), directory_, ": no tensor named '", name,
                 "' in the model weights");
  return *files_[it->second];
}

const TensorInfo& SafetensorsFolder::info(std::string_view name) const {
  return file_of(name).info(name);
}

at::Tensor SafetensorsFolder::tensor(std::string_view name) const {
  return file_of(name).tensor(name);
}

at::Tensor SafetensorsFolder::tensor(std::string_view name, at::ScalarType target) const {
  return file_of(name).tensor(name, target);
}

// ---- writer -----------------------------------------------------------------------------------

void save_folder(const fs::path& directory, const NamedTensors& tensors, int64_t max_shard_bytes) {
  R1F_CHECK_USAGE(max_shard_bytes > 0, "max_shard_bytes must be positive, got ", max_shard_bytes);
  check_tensor_set(directory, tensors);
  std::error_code error;
  fs::create_directories(directory, error);
  R1F_CHECK_IO(!error, "cannot create model folder ", directory, ": ", error.message());

  std::vector<NamedTensors> shards(1);
  int64_t shard_bytes = 0;
  uint64_t total_bytes = 0;
  for (const auto& named : tensors) {
    const int64_t bytes = named.second.numel() * named.second.element_size();
    if (!shards.back().empty() && shard_bytes + bytes > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(named);
    shard_bytes += bytes;
    total_bytes += static_cast<uint64_t>(bytes);
  }

  if (shards.size() == 1) {
    // Drop a stale index first (a folder holding both is read through the index); stale
    // shards go only once the new file is in place.
    const fs::path stale_index = directory / kIndexFileName;
    fs::remove(stale_index, error);
    R1F_CHECK_IO(!error, "cannot remove stale index ", stale_index, ": ", error.message());
    save_file(directory / kSingleFileName, shards[0]);
    remove_stale_files(directory, {std::string(kSingleFileName)});
    return;
  }
  const auto count = static_cast<int64_t>(shards.size());
  std::set<std::string> written;
  nlohmann::json weight_map = nlohmann::json::object();
  for (int64_t i = 0; i < count; ++i) {
    const std::string name = shard_file_name(i + 1, count);
    save_file(directory / name, shards[static_cast<size_t>(i)]);
    for (const auto& named : shards[static_cast<size_t>(i)]) weight_map[named.first] = name;
    written.insert(name);
  }
  // transformers writes the index with indent 2, sorted keys and a final newline.
  nlohmann::json index = {{"metadata", {{"total_size", total_bytes}}},
                          {"weight_map", std::move(weight_map)}};
  atomic_write_file(directory / kIndexFileName, index.dump(2) + "\n");
  written.insert(std::string(kIndexFileName));
  remove_stale_files(directory, written);
}

}  // namespace r1forge::safetensors
