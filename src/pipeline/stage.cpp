// Stage folders, stage models and dispatch; see pipeline/stage.h.
#include "r1forge/pipeline/stage.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fault_injection.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/gemm_peak.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/data/dataset_reader.h"
#include "r1forge/model/architecture_config.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/pipeline/distill_stage.h"
#include "r1forge/pipeline/eval_stage.h"
#include "r1forge/pipeline/grpo_stage.h"
#include "r1forge/pipeline/rejection_stage.h"
#include "r1forge/pipeline/reward_model_stage.h"
#include "r1forge/pipeline/sft_stage.h"
#include "r1forge/pipeline/stage_references.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"

namespace r1forge {
namespace fs = std::filesystem;

namespace {

// Tokenizer files an HF folder may hold; copied as they are into saved model folders.
const char* const kTokenizerFiles[] = {"tokenizer.model", "tokenizer.json", "tokenizer_config.json",
                                       "special_tokens_map.json", "chat_template.jinja"};

at::Device parse_device(const std::string& name) {
  if (name == "cpu") return at::kCPU;
  if (name == "cuda" || name == "auto") {
    // One device per local rank (data parallel); device 0 for one process.
    if (at::hasCUDA()) {
      return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(world().placement().local_rank));
    }
    R1F_CHECK_CONFIG(name == "auto", "model.device is cuda but no CUDA device is available");
  }
  return at::kCPU;
}

}  // namespace

double stage_peak_flops(const torch::nn::Module& model) {
  const at::Tensor weight = model.parameters().front();
  // A mixed-precision transformer's matmuls run in bf16: its MFU is against the bf16 peak.
  const auto* transformer = dynamic_cast<const TransformerImpl*>(&model);
  const at::ScalarType dtype = transformer ? transformer->compute_dtype() : weight.scalar_type();
  return gemm_peak_flops_per_second(dtype, weight.device());
}

fs::path stage_directory(const Config& config, const StageConfig& stage) {
  int64_t position = 0;
  for (size_t i = 0; i < config.stages.size(); ++i) {
    if (config.stages[i].name == stage.name) position = static_cast<int64_t>(i) + 1;
  }
  R1F_CHECK(position > 0, "stage '", stage.name, "' is not in the config");
  char prefix[32];
  std::snprintf(prefix, sizeof prefix, "%02lld-", static_cast<long long>(position));
  return fs::path(config.run.dir) / "stages" / (prefix + stage.name);
}

const StageConfig& find_stage(const Config& config, const std::string& name) {
  std::string names;
  for (const auto& stage : config.stages) {
    if (stage.name == name) return stage;
    names += (names.empty() ? "" : ", ") + stage.name;
  }
  R1F_THROW(ConfigError, "no stage named '", name, "' in the config; its stages are: ",
            names.empty() ? "(none: the config has no stages: list)" : names);
}

ModelLoadOptions stage_model_load_options(const Config& config) {
  ModelLoadOptions options;
  options.dtype = parse_dtype_name(config.model.dtype);
  options.device = parse_device(config.model.device);
  return options;
}

StageModel load_stage_model(const Config& config, const StageConfig& stage) {
  StageModel result;
  const std::string init = stage.init == "base" ? config.model.init : stage.init;
  const ModelLoadOptions options = stage_model_load_options(config);
  const bool is_folder = fs::is_directory(init);
  std::vector<std::string> presets = model_preset_names();
  R1F_CHECK_CONFIG(
      is_folder || std::find(presets.begin(), presets.end(), init) != presets.end(), "stage '",
      stage.name, "': init '", init, "' is neither a model folder nor a preset (presets: ",
      [&] {
        std::string list;
        for (const auto& p : presets) list += (list.empty() ? "" : ", ") + p;
        return list;
      }(),
      ")");
  R1F_CHECK_CONFIG(is_folder || !config.model.tokenizer.empty(), "stage '", stage.name,
                   "': init is the preset '", init,
                   "', which has no tokenizer; set model.tokenizer to a tokenizer file or folder");
  result.tokenizer_source =
      config.model.tokenizer.empty() ? fs::path(init) : fs::path(config.model.tokenizer);
  result.tokenizer = load_tokenizer(result.tokenizer_source);
  if (fs::is_directory(result.tokenizer_source)) {
    result.chat_template = load_chat_template(result.tokenizer_source);
  }

  if (is_folder) {
    result.model = load_model(init, options);
  } else {
    const bool base = stage.init == "base";
    const ArchitectureConfig& shape = base ? config.model.architecture : stage.architecture;
    ModelConfig model_config =
        apply_architecture(model_preset(init), shape, result.tokenizer->vocab_size(),
                           base ? "model.architecture" : "stage '" + stage.name + "' architecture");
    result.model = Transformer(model_config, /*initialize=*/false);
    // The base model's seed is the run's "init" stream; a stage starting from its own preset
    // (a distillation student) gets a stream of its own.
    result.model->init_weights(
        derive_seed(config.run.seed, base ? std::string("init") : "init:" + stage.name));
    result.model->to(options.device, *options.dtype);
    result.model->refresh_handles();
  }
  result.model->set_gradient_checkpointing(config.model.gradient_checkpointing);
  // load_config checked that mixed precision comes with float32 weights.
  if (config.model.mixed_precision != "none") {
    result.model->set_mixed_precision(parse_dtype_name(config.model.mixed_precision));
  }
  const ModelConfig& model_config = result.model->config();
  R1F_CHECK_CONFIG(result.tokenizer->vocab_size() <= model_config.vocab_size, "stage '", stage.name,
                   "': the tokenizer ", result.tokenizer_source, " has ",
                   result.tokenizer->vocab_size(), " ids but the model's vocabulary is ",
                   model_config.vocab_size);

  std::set<int64_t> eos(model_config.eos_token_ids.begin(), model_config.eos_token_ids.end());
  if (is_folder) {
    for (int64_t id : load_generation_config(init).eos_token_ids) eos.insert(id);
  }
  if (result.tokenizer->eos_id()) eos.insert(*result.tokenizer->eos_id());
  result.eos_ids.assign(eos.begin(), eos.end());
  result.pad_id =
      result.tokenizer->pad_id().value_or(result.eos_ids.empty() ? 0 : result.eos_ids.front());
  return result;
}

void write_model_files(StageModel& model, const fs::path& folder) {
  save_model(model.model, folder);
  GenerationConfig generation = load_generation_config(folder);
  generation.eos_token_ids = model.eos_ids;
  generation.bos_token_id = model.tokenizer->bos_id();
  generation.pad_token_id = model.pad_id;
  save_generation_config(generation, folder);
  write_tokenizer_files(model, folder);
}

void write_tokenizer_files(const StageModel& model, const fs::path& folder) {
  if (fs::is_directory(model.tokenizer_source)) {
    for (const char* name : kTokenizerFiles) {
      const fs::path source = model.tokenizer_source / name;
      if (fs::exists(source)) atomic_write_file(folder / name, read_file(source));
    }
  } else {
    write_tokenizer_folder_files(folder, model.tokenizer_source);
  }
}

void save_stage_model(StageModel& model, const fs::path& folder) {
  replace_folder(folder, [&](const fs::path& staging) { write_model_files(model, staging); });
}

void replace_folder(const fs::path& folder, const std::function<void(const fs::path&)>& write) {
  // Data parallel: every rank holds the same weights; rank 0 writes them, and the others wait
  // here so that nothing reads the folder before it is complete.
  if (world().is_main()) {
    const fs::path staging = folder.string() + ".staging";
    std::error_code error;
    fs::remove_all(staging, error);  // a leftover of an interrupted save
    fs::create_directories(staging, error);
    R1F_CHECK_IO(!error, "cannot create ", staging, ": ", error.message());
    write(staging);
    fsync_directory(staging);
    // Replace atomically: the old folder moves aside first (rename cannot replace a non-empty
    // directory), then the new one takes its name; a crash in between leaves `.old` complete.
    const fs::path old = folder.string() + ".old";
    fs::remove_all(old, error);
    if (fs::exists(folder)) fs::rename(folder, old);
    fs::rename(staging, folder);
    fsync_directory(folder.parent_path());
    fs::remove_all(old, error);
  }
  world().barrier("save " + folder.string());
}

void truncate_step_log(const fs::path& file, int64_t last_step) {
  if (!fs::exists(file)) return;
  std::string kept;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) {
    auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_object() && json.value("step", INT64_MAX) <= last_step) kept += line + "\n";
  }
  atomic_write_file(file, kept);
}

void prepare_step_logs(const fs::path& directory,
                       int64_t resumed_step,
                       const std::vector<std::string>& logs,
                       const std::string& label) {
  if (resumed_step > 0) {
    for (const auto& name : logs) truncate_step_log(directory / name, resumed_step);
    return;
  }
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (std::find(logs.begin(), logs.end(), name) != logs.end() ||
        name.find("tfevents") != std::string::npos) {
      stale.push_back(entry.path());
    }
  }
  if (stale.empty()) return;
  R1F_LOG_WARN(label, ": starting from step 1; replacing the logs of an earlier attempt in ",
               directory.string());
  for (const auto& path : stale) fs::remove(path);
}

Transformer clone_model(Transformer& model) {
  Transformer copy(model->config(), /*initialize=*/false);
  copy->to(model->device(), model->dtype());
  copy->refresh_handles();
  load_hf_tensors(copy, hf_named_tensors(model), "the policy");
  copy->set_mixed_precision(model->mixed_precision());
  for (auto& parameter : copy->parameters()) parameter.set_requires_grad(false);
  return copy;
}

Config resolve_stage_inputs(const Config& original,
                            const std::string& name,
                            const std::string& source) {
  const StageConfig& requested = find_stage(original, name);
  // Earlier stages' outputs must exist by now; other inputs were checked when resolving.
  Config config = resolve_stage_references(original, source, /*check_inputs_exist=*/true);
  const StageConfig& stage = find_stage(config, name);
  for (const auto& earlier : original.stages) {
    if (earlier.name == requested.init) {
      R1F_CHECK_CONFIG(fs::exists(fs::path(stage.init) / "config.json"), source, ": stage '", name,
                       "' starts from stage '", earlier.name, "', which has not finished (no ",
                       stage.init, "); run it first, or run the whole pipeline with r1forge run");
    }
  }
  StageConfig inputs = stage;
  for (auto& [key, path] : stage_data_paths(inputs)) {
    if (is_reward_model_path(key)) {  // a reward model's folder, maybe an earlier stage's final/
      R1F_CHECK_CONFIG(fs::exists(fs::path(*path) / "config.json"), source, ": stage '", name, "' ",
                       key, ": ", *path,
                       " holds no model (an earlier stage's output: run that stage first)");
      continue;
    }
    // A file the make_data: section makes counts: r1forge stage makes it before the stage runs.
    R1F_CHECK_CONFIG(dataset_exists(*path) || made_by_make_data(original, *path), source,
                     ": stage '", name, "' ", key, ": ", *path,
                     " does not exist (an earlier stage's output: run that stage first)");
  }
  return config;
}

void run_stage(const Config& original, const std::string& name, const std::string& source) {
  const Config config = resolve_stage_inputs(original, name, source);
  const StageConfig& stage = find_stage(config, name);
  apply_runtime(config);
  write_resolved_config(original, config.run.dir);
  set_test_stage(stage.name);
  R1F_LOG_INFO("stage '", stage.name, "' (", stage.type, ") -> ",
               stage_directory(config, stage).string());
  if (stage.type == "eval") {
    run_eval_stage(config, stage);  // its eval: section is the whole stage
    return;
  }
  if (stage.type == "grpo") {
    run_grpo_stage(config, stage);
  } else if (stage.type == "sft" || stage.type == "pretrain") {
    run_sft_stage(config, stage);
  } else if (stage.type == "distill") {
    run_distill_stage(config, stage);
  } else if (stage.type == "rejection_sampling") {
    run_rejection_sampling_stage(config, stage);
  } else if (stage.type == "reward_model") {
    run_reward_model_stage(config, stage);
  } else {
    R1F_THROW(ConfigError, "stage '", stage.name, "': type '", stage.type, "' cannot run yet");
  }
  if (stage.eval) run_stage_evaluation(config, stage);
}

}  // namespace r1forge
