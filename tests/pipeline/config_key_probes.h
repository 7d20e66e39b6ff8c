// The probes of test_config_keys.cpp, one per key of the run config: the overrides that give
// the key a non-default value, what else must be set for it to act (context, in both runs),
// the stage that runs, and what is compared. The test fails for a key the structs declare
// without a probe here, so a new key must be wired into the run and probed before it lands.
// Not here: running and comparing (test_config_keys.cpp), the input files
// (write_probe_inputs).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace r1forge::testing {

enum class Observed {
  // The stage's outputs (every file it writes, JSON without timings and config echoes), its
  // console lines, the thread count it set, and its error if it stopped with one.
  RUN,
  // The run's peak CPU allocation, which must drop: keys that bound memory and nothing else.
  PEAK_MEMORY,
  // The engine settings and the model backend the generating stages build from `sampling:`.
  ENGINE,
  // The model load_stage_model builds for the stage: flags that change no result.
  STAGE_MODEL,
  // A setting the section cannot use: the changed config must be a ConfigError naming it.
  REJECTED,
  // As RUN, of a rerun: the stage runs as `r1forge stage` does (run_pipeline_stage) with
  // `first_run` added to the config, then again with the probe's config; what the second run
  // did (keys that decide how a rerun treats what an earlier attempt left).
  RERUN,
  // The files make_data() (the runner's step before the first stage) writes under
  // make_data.dir, by path and content, its stamp (the settings) left out; the config is
  // probe_base_config with probe_make_data_config's section.
  MAKE_DATA,
  // A key that acts only across processes (distributed.timeout_seconds, ...): one process
  // cannot show it. A script in tests/integration (data_parallel.sh) sets it on a 2-process
  // run and asserts its effect; this test checks that one still sets it (`<key>=<value>`).
  MULTI_PROCESS,
  // The process-wide kernel selection (kernels/kernel_config.h) after the runner's
  // apply_runtime: keys that choose a CUDA kernel or its twin, which a CPU run cannot show.
  KERNELS,
};

struct Probe {
  std::string key;                   // as docs/config.md names it: stages[].grpo.top_k
  std::string stage;                 // the stage both runs run (by name)
  std::vector<std::string> change;   // overrides that give the key its probe value
  std::vector<std::string> context;  // overrides in both runs that make the key act
  Observed observed = Observed::RUN;
  std::string changed_stage;  // the stage the changed run runs when `change` renames it
  bool may_fail = false;      // the changed run may stop with an error (model.device: cuda)
  std::vector<std::string> first_run = {};  // RERUN: overrides of the first run only
};

// Writes the probes' inputs under `root`: tokenizers, model folders, prompt and SFT files.
void write_probe_inputs(const std::filesystem::path& root);
// The config every probe starts from: one stage of each type (sft, pre, rl, rs, dist, ev, rm),
// each tiny enough to run in a fraction of a second on CPU.
std::string probe_base_config(const std::filesystem::path& root);
// A `make_data:` section writing every task, a mix and a tokenizer under root/made/data.
std::string probe_make_data_config(const std::filesystem::path& root);
std::vector<Probe> config_key_probes(const std::filesystem::path& root);

}  // namespace r1forge::testing
