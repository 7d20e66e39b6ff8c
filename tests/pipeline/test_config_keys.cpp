// Every key of the run config acts. For each key the structs declare (describe_fields<Config>,
// the table docs/config.md shows), a probe (config_key_probes.h) gives it a non-default value
// and the test observes a change in what the stage then does: the files it writes, its
// console, the threads it set, its peak memory, or the engine or model it builds; or, for a
// setting a section cannot use, a ConfigError naming it. A key without a probe fails
// EveryKeyHasOneProbe, so no key can again be parsed, validated and written to
// config.resolved.yaml while nothing reads it (as sampling.max_new_tokens once was).
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <typeinfo>

#include "counting_allocator.h"
#include "pipeline/config_key_probes.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/sha256.h"
#include "r1forge/data/make_data.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/runner.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/rl/reward.h"
#include "r1forge/sampling/backends.h"
#include "r1forge/sampling/paged_backend.h"
#include "r1forge/sampling/torch_backend.h"
#include "test_util.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;
using testing::Observed;
using testing::Probe;

// scale x (FNV-1a of salt + completion mod 1000) / 1000: a score that differs between almost
// any two completions, with options, so that groups have reward variance and a change of
// `options` reaches the scores. `reversed` hashes the completion backwards (a second reward
// with the same options, for the rewards[].name probes).
class TextHash : public RewardFunction {
 public:
  TextHash(std::string salt, double scale, bool reversed)
      : salt_(std::move(salt)), scale_(scale), reversed_(reversed) {}
  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    for (const auto& sample : batch) {
      std::string text(sample.completion);
      if (reversed_) std::reverse(text.begin(), text.end());
      uint64_t hash = 14695981039346656037ull;
      for (unsigned char c : salt_ + text) hash = (hash ^ c) * 1099511628211ull;
      scores.push_back(scale_ * static_cast<double>(hash % 1000) / 1000.0);
    }
    return scores;
  }

 private:
  std::string salt_;
  double scale_;
  bool reversed_;
};

// Leaf keys as docs/config.md names them (sections left out).
std::vector<std::string> leaf_keys() {
  std::vector<std::string> keys;
  for (const FieldDoc& row : describe_fields<Config>()) {
    if (row.type == "section" || row.type == "section or null" || row.type == "list of section") {
      continue;
    }
    keys.push_back(row.path);
  }
  return keys;
}

// JSON without what is not behaviour: timings (and MFU, a rate), and the config values some
// outputs echo.
void normalise(nlohmann::json& value) {
  static const std::set<std::string> kEchoes = {"seed",
                                                "data",
                                                "policy",
                                                "stage",
                                                "temperature",
                                                "top_p",
                                                "max_completion_length",
                                                "correct_reward",
                                                "format_reward",
                                                "vote_match"};
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      const std::string& key = it.key();
      if (key.find("time") != std::string::npos || key.find("second") != std::string::npos ||
          key == "mfu" || kEchoes.count(key)) {
        it = value.erase(it);
      } else {
        normalise(*it);
        ++it;
      }
    }
  } else if (value.is_array()) {
    for (auto& item : value) normalise(item);
  }
}

// Every file under root/run*: path and content (JSON normalised, other files hashed). Left
// out: YAML (the config, echoed into checkpoints), manifests (hashes of that YAML),
// TensorBoard files (wall-clock times; the same numbers as metrics.jsonl), and the run
// folder's logs/ and locks/ (an attempt's time-named log and its lock holder).
std::string outputs_digest(const fs::path& root) {
  std::vector<fs::path> files;
  for (const auto& top : fs::directory_iterator(root)) {
    if (top.path().filename().string().rfind("run", 0) != 0) continue;
    for (auto it = fs::recursive_directory_iterator(top.path());
         it != fs::recursive_directory_iterator(); ++it) {
      const std::string name = it->path().filename().string();
      if (it.depth() == 0 && it->is_directory() && (name == "logs" || name == "locks")) {
        it.disable_recursion_pending();
      } else if (it->is_regular_file()) {
        files.push_back(it->path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  std::ostringstream out;
  for (const fs::path& file : files) {
    const std::string name = file.filename().string();
    if (file.extension() == ".yaml" || name == "manifest.json" ||
        name.rfind("events.out.tfevents", 0) == 0) {
      continue;
    }
    out << fs::relative(file, root).string() << "\n";
    if (file.extension() == ".json") {
      nlohmann::json value = nlohmann::json::parse(read_file(file));
      normalise(value);
      out << value.dump() << "\n";
    } else if (file.extension() == ".jsonl") {
      for (nlohmann::json line : testing::read_jsonl(file)) {
        normalise(line);
        out << line.dump() << "\n";
      }
    } else {
      out << sha256_file(file) << "\n";
    }
  }
  return out.str();
}

class ConfigKeysTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new testing::TempDir();
    testing::write_probe_inputs(root_->path());
    for (const bool reversed : {false, true}) {
      register_reward(reversed ? "keys_text_hash_reversed" : "keys_text_hash",
                      "test only: a salted hash of the completion", [=](RewardOptions& options) {
                        return std::make_unique<TextHash>(options.get_string("salt", ""),
                                                          options.get_double("scale", 1.0),
                                                          reversed);
                      });
    }
  }
  static void TearDownTestSuite() {
    delete root_;
    root_ = nullptr;
    at::set_num_threads(2);  // as tests/test_main.cpp left it
    log::set_level(log::Level::INFO);
  }
  static const fs::path& root() { return root_->path(); }

  Config load(const Probe& probe, bool changed, bool first_run = false) const {
    std::vector<std::string> overrides = probe.context;
    if (changed) overrides.insert(overrides.end(), probe.change.begin(), probe.change.end());
    if (first_run) {
      overrides.insert(overrides.end(), probe.first_run.begin(), probe.first_run.end());
    }
    std::string yaml = testing::probe_base_config(root());
    if (probe.observed == Observed::MAKE_DATA || probe.key.rfind("make_data.", 0) == 0) {
      yaml += testing::probe_make_data_config(root());
    }
    return load_config_text(yaml, "probe.yaml", overrides);
  }

  // Makes config.make_data's folder afresh; every file under root/made (the stamp and the
  // lock files left out), by path and SHA-256.
  std::string made_data(const Config& config) const {
    const fs::path made = root() / "made";
    fs::remove_all(made);
    std::string error;
    ::testing::internal::CaptureStderr();
    try {
      make_data(*config.make_data, "probe.yaml: make_data");
    } catch (const std::exception& thrown) {
      error = thrown.what();
    }
    ::testing::internal::GetCapturedStderr();
    std::vector<fs::path> files;
    if (fs::exists(made)) {
      for (const auto& entry : fs::recursive_directory_iterator(made)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_regular_file() && name != kMakeDataStamp &&
            entry.path().extension() != ".lock") {
          files.push_back(entry.path());
        }
      }
    }
    std::sort(files.begin(), files.end());
    std::ostringstream out;
    out << "error: " << error << "\n";
    for (const fs::path& file : files) {
      out << fs::relative(file, root()).string() << " " << sha256_file(file) << "\n";
    }
    fs::remove_all(made);
    return out.str();
  }

  void clear_outputs() const {
    for (const auto& top : fs::directory_iterator(root())) {
      if (top.path().filename().string().rfind("run", 0) == 0) fs::remove_all(top.path());
    }
  }

  // Runs `stage`; what it did (RUN, RERUN) or its peak CPU bytes above the start
  // (PEAK_MEMORY). RERUN runs it as `r1forge stage` does, after `first` (if given) ran it.
  std::string run(const Config& config,
                  const std::string& stage,
                  Observed observed,
                  const Config* first = nullptr) const {
    clear_outputs();
    if (first != nullptr) {
      std::string first_error;
      ::testing::internal::CaptureStderr();
      try {
        run_pipeline_stage(*first, stage, "probe.yaml");
      } catch (const std::exception& thrown) {
        first_error = thrown.what();
      }
      ::testing::internal::GetCapturedStderr();
      if (!first_error.empty()) return "error: the first run failed: " + first_error;
    }
    std::string error;
    int64_t peak = 0;
    ::testing::internal::CaptureStderr();
    {
      testing::CountingScope scope;
      testing::CountingAllocator& counter = scope.counter();
      const int64_t start = counter.live();
      counter.reset_peak();
      try {
        if (observed == Observed::RERUN) {
          run_pipeline_stage(config, stage, "probe.yaml");
        } else {
          run_stage(config, stage);
        }
      } catch (const std::exception& thrown) {
        error = thrown.what();
      }
      peak = counter.peak() - start;
    }
    const std::string console = ::testing::internal::GetCapturedStderr();
    if (observed == Observed::PEAK_MEMORY) return error.empty() ? std::to_string(peak) : error;
    std::ostringstream out;
    out << "error: " << error << "\n"
        << "console lines: " << std::count(console.begin(), console.end(), '\n') << "\n"
        << "threads: " << at::get_num_threads() << "\n"
        << outputs_digest(root());
    return out.str();
  }

  std::string observe(const Probe& probe, bool changed) const {
    Config config = load(probe, changed);
    const std::string stage =
        changed && !probe.changed_stage.empty() ? probe.changed_stage : probe.stage;
    switch (probe.observed) {
      case Observed::RUN:
      case Observed::PEAK_MEMORY: return run(config, stage, probe.observed);
      case Observed::MAKE_DATA: return made_data(config);
      case Observed::RERUN: {
        const Config first = load(probe, changed, /*first_run=*/true);
        return run(config, stage, probe.observed, &first);
      }
      case Observed::ENGINE: {
        StageModel model = load_stage_model(config, find_stage(config, stage));
        std::unique_ptr<ModelBackend> backend = make_model_backend(config.sampling, model.model);
        const ModelBackend& kind = *backend;
        const auto* torch_backend = dynamic_cast<const TorchBackend*>(backend.get());
        const auto* paged_backend = dynamic_cast<const PagedBackend*>(backend.get());
        const EngineConfig engine = config.sampling.engine();
        return std::string(typeid(kind).name()) + " " + std::to_string(engine.max_batch_size) +
               " " + std::to_string(engine.max_cached_tokens) + " " +
               std::to_string(engine.raw_logprobs) + " " +
               (torch_backend
                    ? std::to_string(static_cast<int>(torch_backend->prompt_cache_sharing()))
                    : "-") +
               " " + (paged_backend ? std::to_string(paged_backend->cuda_graphs()) : "-");
      }
      case Observed::STAGE_MODEL: {
        StageModel model = load_stage_model(config, find_stage(config, stage));
        return std::to_string(model.model->gradient_checkpointing()) + " " +
               c10::toString(model.model->dtype()) + " " + model.model->device().str();
      }
      case Observed::KERNELS: {
        apply_runtime(config);
        const KernelConfig selected = kernels::kernel_config();
        kernels::set_kernel_config({});  // the process-wide default for the tests after
        return selected.rms_norm + " " + selected.sampling + " " + selected.paged_attention + " " +
               selected.rope_append + " " + selected.logprob_stats;
      }
      case Observed::REJECTED:
      case Observed::MULTI_PROCESS: return "loaded";
    }
    return "";
  }

  // Runs every probe whose key starts with `prefix` and checks that the key acts.
  void check_keys_starting_with(const std::string& prefix) {
    std::map<std::string, std::string> bases;  // observation without the change, by context
    int64_t checked = 0;
    for (const Probe& probe : testing::config_key_probes(root())) {
      if (probe.key.rfind(prefix, 0) != 0) continue;
      ++checked;
      SCOPED_TRACE("key " + probe.key);
      if (probe.observed == Observed::MULTI_PROCESS) {
        bool set_by_a_script = false;
        for (const auto& entry :
             fs::directory_iterator(fs::path(R1F_SOURCE_DIR) / "tests/integration")) {
          if (entry.path().extension() != ".sh") continue;
          set_by_a_script = set_by_a_script ||
                            read_file(entry.path()).find(probe.change.front()) != std::string::npos;
        }
        EXPECT_TRUE(set_by_a_script)
            << probe.key << ": no tests/integration/*.sh sets " << probe.change.front()
            << " any more (the multi-process run that shows it acting)";
        continue;
      }
      if (probe.observed == Observed::REJECTED) {
        EXPECT_NO_THROW(load(probe, false));
        try {
          load(probe, true);
          ADD_FAILURE() << probe.key << ": a value this section cannot use was accepted";
        } catch (const ConfigError& error) {
          const std::string field = probe.key.substr(probe.key.rfind('.') + 1);
          EXPECT_NE(std::string(error.what()).find(field), std::string::npos) << error.what();
        }
        continue;
      }
      std::string context = probe.stage + " " + std::to_string(static_cast<int>(probe.observed));
      for (const auto& item : probe.context) context += " " + item;
      auto [it, fresh] = bases.emplace(context, "");
      if (fresh) {
        it->second = observe(probe, false);
        ASSERT_TRUE((probe.observed != Observed::RUN && probe.observed != Observed::MAKE_DATA) ||
                    it->second.rfind("error: \n", 0) == 0)
            << "the base run failed: " << it->second.substr(0, 400);
        if (probe.context.empty() && probe.observed == Observed::RUN) {
          // Deterministic, or a change below would mean nothing.
          ASSERT_EQ(observe(probe, false), it->second) << "two identical runs differ";
        }
      }
      const std::string changed = observe(probe, true);
      // R1F_PROBE_DUMP=KEY prints both observations of KEY's probe, to see why one fails.
      if (const char* dump = std::getenv("R1F_PROBE_DUMP"); dump && probe.key == dump) {
        std::cout << "BASE\n" << it->second << "\nCHANGED\n" << changed << std::endl;
      }
      if (probe.observed == Observed::PEAK_MEMORY) {
        EXPECT_LT(std::stoll(changed), std::stoll(it->second))
            << probe.key << ": peak memory did not drop";
        continue;
      }
      EXPECT_TRUE(changed != it->second)
          << probe.key << ": setting it changed nothing observed (" << probe.change.front()
          << "); both runs: " << changed.substr(0, 400);
      if (!probe.may_fail &&
          (probe.observed == Observed::RUN || probe.observed == Observed::RERUN ||
           probe.observed == Observed::MAKE_DATA)) {
        EXPECT_EQ(changed.rfind("error: \n", 0), 0u)
            << probe.key << ": the changed run failed: " << changed.substr(0, 400);
      }
    }
    EXPECT_GT(checked, 0) << "no probes under " << prefix;
    clear_outputs();
  }

  static testing::TempDir* root_;
};

testing::TempDir* ConfigKeysTest::root_ = nullptr;

TEST_F(ConfigKeysTest, EveryKeyHasOneProbe) {
  std::map<std::string, int> probed;
  for (const Probe& probe : testing::config_key_probes(root())) ++probed[probe.key];
  for (const std::string& key : leaf_keys()) {
    EXPECT_EQ(probed[key], 1) << key
                              << (probed[key] ? " has several probes"
                                              : ": no probe; wire the key into the run and add "
                                                "one in tests/pipeline/config_key_probes.cpp");
    probed.erase(key);
  }
  for (const auto& [key, count] : probed) {
    ADD_FAILURE() << "a probe for " << key << ", which is not a key of the config";
  }
}

TEST_F(ConfigKeysTest, MakeDataKeysAct) {
  check_keys_starting_with("make_data.");
}

TEST_F(ConfigKeysTest, RunModelSamplingAndStageKeysAct) {
  check_keys_starting_with("run.");
  check_keys_starting_with("model.");
  check_keys_starting_with("sampling.");
  check_keys_starting_with("kernels.");
  check_keys_starting_with("distributed.");
  for (const char* key : {"name", "type", "init", "architecture."}) {
    check_keys_starting_with(std::string("stages[].") + key);
  }
}

TEST_F(ConfigKeysTest, SftKeysAct) {
  check_keys_starting_with("stages[].sft.");
}

TEST_F(ConfigKeysTest, GrpoKeysAct) {
  check_keys_starting_with("stages[].grpo.");
}

TEST_F(ConfigKeysTest, DistillKeysAct) {
  check_keys_starting_with("stages[].distill.");
}

TEST_F(ConfigKeysTest, RejectionSamplingKeysAct) {
  check_keys_starting_with("stages[].rejection_sampling.");
}

TEST_F(ConfigKeysTest, EvalKeysAct) {
  check_keys_starting_with("stages[].eval.");
}

TEST_F(ConfigKeysTest, RewardModelKeysAct) {
  check_keys_starting_with("stages[].reward_model.");
}

}  // namespace
}  // namespace r1forge
