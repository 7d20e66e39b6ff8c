// libFuzzer target for the YAML config loader (pipeline/run_config.h: load_config_text) and the
// command-line overrides (core/config_overrides.h).
//
// Input: YAML text, optionally followed by a line "%%" and one override per line
// (`a.b=c`, `+a.b=c`, `++a.b=c`, `~a.b`). ConfigError / IoError are the expected outcome for
// bad input and are swallowed; any other exception, crash, sanitizer report or hang is a bug.
// A config that loads must survive its own resolved YAML: config_to_yaml -> load_config_text
// gives an equal Config (the run folder's config.resolved.yaml is reloaded on resume).
// Built with clang by tests/fuzz/fuzz.cmake; not part of the g++ build or the gtest binary.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/pipeline/run_config.h"

namespace {

// Splits "yaml\n%%\noverride\noverride..." into the YAML and the override lines.
std::string_view split_overrides(std::string_view input, std::vector<std::string>& overrides) {
  const std::string_view marker = "\n%%\n";
  const size_t at = input.find(marker);
  if (at == std::string_view::npos) return input;
  std::string_view rest = input.substr(at + marker.size());
  while (!rest.empty() && overrides.size() < 16) {
    const size_t end = rest.find('\n');
    overrides.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return input.substr(0, at + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  const std::string_view yaml = split_overrides(input, overrides);
  r1forge::Config config;
  try {
    config = r1forge::load_config_text(yaml, "fuzz.yaml", overrides);
  } catch (const r1forge::Error& error) {
    // Every loader error says something; an empty message is a bug.
    if (std::string_view(error.what()).empty()) __builtin_trap();
    return 0;
  }
  // Anything but r1forge::Error escaping above (YAML::Exception, std::bad_alloc, ...) aborts the
  // run: a bug. The resolved YAML of a valid config must load back to the same config.
  const std::string resolved = r1forge::config_to_yaml(config);
  r1forge::Config reloaded;
  try {
    reloaded = r1forge::load_config_text(resolved, "fuzz.resolved.yaml");
  } catch (const r1forge::Error& error) {
    std::fprintf(stderr, "resolved config does not reload: %s\n%s\n", error.what(),
                 resolved.c_str());
    __builtin_trap();
  }
  if (!(reloaded == config)) {
    std::fprintf(stderr, "resolved config reloads differently:\n%s\n", resolved.c_str());
    __builtin_trap();
  }
  return 0;
}
