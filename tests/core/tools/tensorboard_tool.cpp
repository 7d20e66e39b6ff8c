// Test-only driver of r1forge's TensorBoard sink, used by tests/core/check_tensorboard.py to
// read what it writes back with TensorBoard's own reader. Steps come on stdin, one JSON line
// each: {"step": N, "wall_time": T, "values": {"name": number | "nan" | "inf" | "-inf"}}.
//
//   tensorboard_tool write DIR WALL_TIME   TensorBoardWriter(DIR, WALL_TIME), write_scalars per
//   line tensorboard_tool metrics DIR           MetricsWriter(DIR/metrics.jsonl, tensorboard=true)
//                                          write() per line (wall times: now)
// Prints the events file's path. Not part of the r1forge binary; exits 1 on any error.
#include <cstdlib>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/metrics.h"
#include "r1forge/core/tensorboard.h"

namespace {

using namespace r1forge;

double parse_value(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  const std::string text = value.get<std::string>();
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  R1F_THROW(DataError, "stdin: value must be a number, \"nan\", \"inf\" or \"-inf\": ", text);
}

struct Step {
  int64_t step = 0;
  double wall_time = 0;
  MetricValues values;
};

bool read_step(Step& out) {
  std::string line;
  if (!std::getline(std::cin, line)) return false;
  const auto json = nlohmann::json::parse(line);
  out.step = json.at("step").get<int64_t>();
  out.wall_time = json.value("wall_time", 0.0);
  out.values.clear();
  for (const auto& [name, value] : json.at("values").items()) out.values[name] = parse_value(value);
  return true;
}

int run(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  Step step;
  if (command == "write" && argc == 4) {
    TensorBoardWriter writer(argv[2], std::stod(argv[3]));
    while (read_step(step)) writer.write_scalars(step.step, step.values, step.wall_time);
    writer.flush();
    std::cout << writer.path().string() << "\n";
  } else if (command == "metrics" && argc == 3) {
    MetricsWriter writer(std::filesystem::path(argv[2]) / "metrics.jsonl", /*tensorboard=*/true);
    while (read_step(step)) writer.write(step.step, step.values);
    std::cout << writer.tensorboard()->path().string() << "\n";
  } else {
    std::cerr << "usage: tensorboard_tool write DIR WALL_TIME | metrics DIR  (steps on stdin)\n";
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "tensorboard_tool: " << error.what() << "\n";
    return 1;
  }
}
