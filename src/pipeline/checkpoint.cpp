// The staged, manifest-verified checkpoint protocol; see pipeline/checkpoint.h.
#include "r1forge/pipeline/checkpoint.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <future>
#include <nlohmann/json.hpp>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/progress_bar.h"
#include "r1forge/core/sha256.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

constexpr const char* kManifest = "manifest.json";
constexpr int kManifestVersion = 1;

// step-XXXXXXX exactly (no suffix): its step, else -1.
int64_t committed_step(const fs::path& folder) {
  const std::string name = folder.filename().string();
  if (name.size() != 12 || name.rfind("step-", 0) != 0) return -1;
  for (size_t i = 5; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
  }
  return std::stoll(name.substr(5));
}

std::vector<CheckpointInfo> committed_checkpoints(const fs::path& checkpoints) {
  std::vector<CheckpointInfo> found;
  std::error_code error;
  if (!fs::is_directory(checkpoints, error)) return found;
  for (const auto& entry : fs::directory_iterator(checkpoints)) {
    const int64_t step = committed_step(entry.path());
    if (step >= 0 && entry.is_directory()) found.push_back({step, entry.path()});
  }
  std::sort(found.begin(), found.end(),
            [](const CheckpointInfo& a, const CheckpointInfo& b) { return a.step < b.step; });
  return found;
}

void fsync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  R1F_CHECK_IO(fd >= 0, "cannot open ", path, ": ", std::strerror(errno));
  const int result = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  R1F_CHECK_IO(result == 0, "cannot fsync ", path, ": ", std::strerror(saved));
}

// SHA-256 of each file, one thread per file: weights and optimizer moments hash side by side
// (OpenSSL, ~1.5 GB/s per core with SHA-NI: a multi-GB checkpoint hashes in seconds). The bar
// counts MiB as each file's hash completes, in order (a multi-GB checkpoint takes seconds).
std::vector<std::string> hash_files(const std::vector<fs::path>& paths, const std::string& what) {
  std::vector<std::future<std::string>> pending;
  std::vector<int64_t> mebibytes;
  int64_t total = 0;
  for (const auto& path : paths) {
    std::error_code error;
    const auto bytes = fs::file_size(path, error);
    mebibytes.push_back(error ? 0 : static_cast<int64_t>(bytes >> 20));
    total += mebibytes.back();
    pending.push_back(std::async(std::launch::async, [path] { return sha256_file(path); }));
  }
  ProgressBar progress(what, total, "MiB");
  std::vector<std::string> digests;
  for (size_t i = 0; i < pending.size(); ++i) {
    digests.push_back(pending[i].get());  // rethrows an IoError
    progress.add(mebibytes[i]);
  }
  return digests;
}

std::optional<nlohmann::json> read_manifest(const fs::path& folder) {
  std::error_code error;
  if (!fs::is_regular_file(folder / kManifest, error)) return std::nullopt;
  try {
    nlohmann::json manifest = nlohmann::json::parse(read_file(folder / kManifest));
    if (manifest.is_object() && manifest.value("version", 0) == kManifestVersion &&
        manifest.contains("files") && manifest["files"].is_object()) {
      return manifest;
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// Keeps the newest `save_total_limit`, the best by the configured metric and `latest`'s target;
// removes the other committed checkpoints. Folders without a readable manifest are left alone.
void apply_retention(const fs::path& checkpoints,
                     int64_t latest_step,
                     const CheckpointConfig& config) {
  if (config.save_total_limit <= 0) return;
  std::vector<std::pair<CheckpointInfo, nlohmann::json>> candidates;
  for (const auto& info : committed_checkpoints(checkpoints)) {
    if (auto manifest = read_manifest(info.folder)) candidates.emplace_back(info, *manifest);
  }
  std::optional<int64_t> best_step;
  double best_value = 0.0;
  if (!config.metric_for_best_model.empty()) {
    for (const auto& [info, manifest] : candidates) {
      const auto& metric = manifest["metric"];
      if (!metric.is_object() || metric.value("name", "") != config.metric_for_best_model ||
          !metric["value"].is_number()) {
        continue;
      }
      const double value = metric["value"].get<double>();
      const bool better = config.greater_is_better ? value > best_value : value < best_value;
      if (!best_step || better) {
        best_step = info.step;
        best_value = value;
      }
    }
  }
  const size_t count = candidates.size();
  for (size_t i = 0; i < count; ++i) {
    const CheckpointInfo& info = candidates[i].first;
    const bool newest = i + static_cast<size_t>(config.save_total_limit) >= count;
    if (newest || info.step == latest_step || (best_step && info.step == *best_step)) continue;
    std::error_code error;
    fs::remove_all(info.folder, error);
    if (error) {
      R1F_LOG_WARN("could not remove old checkpoint ", info.folder.string(), ": ", error.message());
    }
  }
}

}  // namespace

std::string checkpoint_folder_name(int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%07lld", static_cast<long long>(step));
  return name;
}

int remove_stale_checkpoint_staging(const fs::path& checkpoints) {
  int removed = 0;
  std::error_code error;
  if (!fs::is_directory(checkpoints, error)) return 0;
  for (const auto& entry : fs::directory_iterator(checkpoints)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") == std::string::npos) continue;
    R1F_LOG_WARN("removing ", entry.path().string(), ", left by an interrupted checkpoint save");
    fs::remove_all(entry.path(), error);
    ++removed;
  }
  return removed;
}

fs::path save_checkpoint(const fs::path& checkpoints,
                         int64_t step,
                         const std::function<void(const fs::path&)>& write_files,
                         const std::optional<CheckpointMetric>& metric,
                         const CheckpointConfig& config) {
  const std::string name = checkpoint_folder_name(step);
  const fs::path final_folder = checkpoints / name;
  const fs::path staging = checkpoints / (name + ".tmp-" + std::to_string(::getpid()));
  try {
    fs::create_directories(checkpoints);
    fs::remove_all(staging);
    fs::create_directory(staging);
    write_files(staging);
    nlohmann::ordered_json files = nlohmann::ordered_json::object();
    std::vector<fs::path> entries;
    for (const auto& entry : fs::directory_iterator(staging)) entries.push_back(entry.path());
    std::sort(entries.begin(), entries.end());
    for (const auto& path : entries) {
      R1F_CHECK_IO(fs::is_regular_file(path), "checkpoint files must be flat; found ", path);
      fsync_file(path);
    }
    std::vector<std::string> digests = hash_files(entries, "hashing " + name);
    for (size_t i = 0; i < entries.size(); ++i) {
      files[entries[i].filename().string()] = {{"bytes", fs::file_size(entries[i])},
                                               {"sha256", digests[i]}};
    }
    test_stall_point("checkpoint_write", step);
    nlohmann::ordered_json manifest = {{"format", "r1forge-checkpoint"},
                                       {"version", kManifestVersion},
                                       {"step", step},
                                       {"metric", nullptr},
                                       {"files", files}};
    if (metric) manifest["metric"] = {{"name", metric->name}, {"value", metric->value}};
    atomic_write_file(staging / kManifest, manifest.dump(2) + "\n");
    fsync_directory(staging);
    // A folder of this step already committed (a resumed run saving the step again) moves
    // aside first: rename cannot replace a non-empty directory. Its name is not a staging
    // name, so a crash right here leaves it on disk for inspection, never swept away.
    const fs::path displaced = checkpoints / (name + ".replaced-" + std::to_string(::getpid()));
    if (fs::exists(final_folder)) fs::rename(final_folder, displaced);
    fs::rename(staging, final_folder);
    fsync_directory(checkpoints);
    fs::remove_all(displaced);
  } catch (const std::exception& error) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    R1F_THROW(IoError, "could not save checkpoint ", final_folder.string(), ": ", error.what(),
              "; the earlier checkpoints in ", checkpoints.string(), " are untouched");
  }
  test_stall_point("checkpoint_commit", step);
  atomic_write_file(checkpoints / "latest", name + "\n");
  apply_retention(checkpoints, step, config);
  return final_folder;
}

std::string verify_checkpoint(const fs::path& folder) {
  std::optional<nlohmann::json> manifest = read_manifest(folder);
  if (!manifest) return (folder / kManifest).string() + " is missing or not a valid manifest";
  std::vector<fs::path> paths;
  std::vector<std::string> expected_digests;
  for (const auto& [file, expected] : (*manifest)["files"].items()) {
    const fs::path path = folder / file;
    std::error_code error;
    if (!fs::is_regular_file(path, error)) return path.string() + " is missing";
    const uint64_t bytes = fs::file_size(path, error);
    if (bytes != expected.value("bytes", uint64_t{0})) {
      return path.string() + " has " + std::to_string(bytes) + " bytes, the manifest says " +
             std::to_string(expected.value("bytes", uint64_t{0}));
    }
    paths.push_back(path);
    expected_digests.push_back(expected.value("sha256", ""));
  }
  std::vector<std::string> digests;
  try {
    digests = hash_files(paths, "verifying " + folder.filename().string());
  } catch (const Error& error) {
    return error.what();  // unreadable: damaged like any other mismatch
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    if (digests[i] != expected_digests[i]) {
      return paths[i].string() + " does not match its SHA-256 in the manifest";
    }
  }
  return "";
}

std::optional<CheckpointInfo> find_valid_checkpoint(const fs::path& checkpoints) {
  std::vector<CheckpointInfo> found = committed_checkpoints(checkpoints);
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    const std::string problem = verify_checkpoint(it->folder);
    if (problem.empty()) return *it;
    fs::path kept = it->folder.string() + ".damaged";
    for (int n = 2; fs::exists(kept); ++n)
      kept = it->folder.string() + ".damaged-" + std::to_string(n);
    R1F_LOG_WARN("checkpoint ", it->folder.string(), " is damaged (", problem, "); kept as ",
                 kept.string(), ", falling back to an earlier one");
    fs::rename(it->folder, kept);
  }
  return std::nullopt;
}

std::optional<CheckpointMetric> checkpoint_metric(const fs::path& folder) {
  std::optional<nlohmann::json> manifest = read_manifest(folder);
  if (!manifest || !(*manifest)["metric"].is_object()) return std::nullopt;
  const auto& metric = (*manifest)["metric"];
  if (!metric["value"].is_number()) return std::nullopt;
  return CheckpointMetric{metric.value("name", ""), metric["value"].get<double>()};
}

void preflight_checkpoint_folder(const fs::path& folder, uint64_t bytes_needed) {
  std::error_code error;
  fs::create_directories(folder, error);
  R1F_CHECK_IO(!error, "cannot create the checkpoint folder ", folder.string(), ": ",
               error.message());
  const fs::path probe = folder / (".write-probe-" + std::to_string(::getpid()));
  try {
    atomic_write_file(probe, "probe\n");
  } catch (const Error& failure) {
    R1F_THROW(IoError, "the checkpoint folder ", folder.string(),
              " is not writable: ", failure.what());
  }
  fs::remove(probe, error);
  struct statvfs stats {};
  if (::statvfs(folder.c_str(), &stats) == 0) {
    const uint64_t available = static_cast<uint64_t>(stats.f_bavail) * stats.f_frsize;
    R1F_CHECK_IO(available >= bytes_needed, "the checkpoint folder ", folder.string(), " has ",
                 available / (1 << 20), " MiB free but one checkpoint needs about ",
                 bytes_needed / (1 << 20), " MiB; free space or move run.dir");
  }
}

}  // namespace r1forge
