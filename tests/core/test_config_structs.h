// Test-only config structs covering every supported field type, including a list of sections
// with a nested section (`stages[2].grpo.beta`), plus helpers that load YAML text with overrides
// as "test.yaml" and capture the ConfigError message.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/config_overrides.h"
#include "r1forge/core/yaml_io.h"

namespace r1forge::testing_config {

struct GrpoLike {
  double beta = 0.04;      // KL coefficient
  int64_t group_size = 8;  // samples per prompt
  bool operator==(const GrpoLike&) const = default;
  template <class V>
  void visit(V& v) {
    v.field("beta", beta, "KL coefficient", RealRange{0.0, 10.0});
    v.field("group_size", group_size, "samples per prompt", IntRange{1, 1024});
  }
};

struct StageLike {
  std::string name = "stage";  // stage name
  std::string type = "sft";    // sft|grpo
  GrpoLike grpo;               // used when type = grpo
  bool operator==(const StageLike&) const = default;
  template <class V>
  void visit(V& v) {
    v.field("name", name, "stage name");
    v.field("type", type, "stage type", OneOf{"sft", "grpo"});
    v.field("grpo", grpo, "GRPO settings");
  }
};

struct AllTypes {
  bool flag = false;
  int32_t small = 7;
  int64_t big = int64_t{1} << 40;
  double rate = 0.1;
  std::string text = "hello";
  std::optional<int64_t> limit;
  std::vector<std::string> tags = {"a", "b"};
  std::vector<double> weights = {0.5, 0.25};
  std::map<std::string, double> reward_weights = {{"format", 0.1}};
  double ceiling = 1.0;  // may be +infinity
  std::vector<StageLike> stages;
  bool operator==(const AllTypes&) const = default;
  template <class V>
  void visit(V& v) {
    v.field("flag", flag, "a switch");
    v.field("small", small, "a 32-bit count");
    v.field("big", big, "a 64-bit count");
    v.field("rate", rate, "a finite rate");
    v.field("text", text, "free text");
    v.field("limit", limit, "an optional cap; null = none");
    v.field("tags", tags, "names");
    v.field("weights", weights, "numbers");
    v.field("reward_weights", reward_weights, "weight per reward name");
    v.field("ceiling", ceiling, "an upper bound; .inf = none", RealRange{0.0, INFINITY});
    v.field("stages", stages, "the stages, in order");
  }
};

inline AllTypes load(std::string_view text, const std::vector<std::string>& overrides = {}) {
  YamlOrigin origin("test.yaml");
  YAML::Node root = parse_yaml_with_overrides(text, origin, overrides);
  return from_yaml<AllTypes>(root, origin);
}

// The ConfigError message loading `text` raises; a test failure if it raises none.
inline std::string error_of(std::string_view text, const std::vector<std::string>& overrides = {}) {
  try {
    load(text, overrides);
  } catch (const ConfigError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ConfigError for:\n" << text;
  return "";
}

}  // namespace r1forge::testing_config
