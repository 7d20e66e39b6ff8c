// What a run's config sets apart from the defaults: the short table a run prints at its start,
// so a reader of the log sees what this run is without the 600-line resolved config
// (config.resolved.yaml holds every key). Top-level sections are compared with the structs'
// defaults; each stage's sections with a default section of the same kind (a stage's name,
// type and init always show). Not here: loading or validating the config (run_config.h).
#pragma once

#include <string>
#include <vector>

#include "r1forge/pipeline/run_config.h"

namespace r1forge {

struct ConfigDifference {
  std::string key;            // docs/config.md's path with list items numbered: stages[2].grpo.beta
  std::string value;          // flow YAML: 0.04, [a, b], {name: accuracy, weight: 1}
  std::string default_value;  // flow YAML; empty for a key with no default (a list item's)
};

// Every leaf of `config` whose value differs from its default, in the file's key order.
std::vector<ConfigDifference> config_differences(const Config& config);

// The differences as an aligned two-column text table ("key  value  (default d)"), each value
// cut to `value_width` characters with "..." (0 = no cut).
std::string format_config_differences(const std::vector<ConfigDifference>& rows,
                                      size_t value_width = 60);

// Every key with its default and comment as YAML (`r1forge config --dump-defaults`): the
// top-level sections, make_data, and one stage with every section a stage can have (a real
// stage has only its type's).
std::string config_defaults_yaml();

}  // namespace r1forge
