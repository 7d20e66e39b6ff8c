// JSONL metrics sink (optionally mirrored to TensorBoard); see core/metrics.h.
#include "r1forge/core/metrics.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/tensorboard.h"

namespace r1forge {

MetricsWriter::MetricsWriter(const std::filesystem::path& path,
                             bool tensorboard,
                             int64_t resumed_after)
    : path_(path) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  // TensorBoard first: if it throws, no FILE* is open yet to leak.
  if (tensorboard) {
    const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
    tensorboard_ = std::make_unique<TensorBoardWriter>(folder);
    if (resumed_after > 0) tensorboard_->write_session_start(resumed_after + 1);
  }
  file_ = std::fopen(path.c_str(), "a");
  R1F_CHECK_IO(file_ != nullptr, "cannot open metrics file ", path, ": ", std::strerror(errno));
}

MetricsWriter::~MetricsWriter() {
  if (file_) std::fclose(file_);
}

void MetricsWriter::write(int64_t step, const MetricValues& values) {
  nlohmann::ordered_json line;
  line["step"] = step;
  for (const auto& [name, value] : values) {
    if (std::isfinite(value))
      line[name] = value;
    else
      line[name] = nullptr;  // JSON has no NaN/inf
  }
  const std::string text = line.dump() + "\n";
  const bool ok =
      std::fwrite(text.data(), 1, text.size(), file_) == text.size() && std::fflush(file_) == 0;
  R1F_CHECK_IO(ok, "cannot write metrics file ", path_, ": ", std::strerror(errno));
  if (tensorboard_) {
    tensorboard_->write_scalars(step, values);
    tensorboard_->flush();
  }
}

MetricValues sum_over_ranks(const MetricValues& local, std::string_view what) {
  if (world().size() == 1) return local;
  // Key sets may differ (a rank with no work has no sums), so whole maps travel; MessagePack
  // keeps the doubles exact.
  const std::vector<uint8_t> packed = nlohmann::json::to_msgpack(nlohmann::json(local));
  MetricValues total;
  for (const std::string& bytes :
       world().all_gather_bytes(std::string(packed.begin(), packed.end()), what)) {
    const nlohmann::json values = nlohmann::json::from_msgpack(bytes);  // outlives items()
    for (const auto& [key, value] : values.items()) total[key] += value.get<double>();
  }
  return total;
}

}  // namespace r1forge
