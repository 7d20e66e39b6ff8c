// Running one stage of a run config: where its files go (`run.dir/stages/NN-<name>/`), the
// model it starts from (its `init`) with the tokenizer and stop ids, writing HF model folders
// atomically (a staging folder renamed into place), and dispatch by stage type.
// `r1forge stage CONFIG NAME` calls run_stage, and the pipeline runner (runner.h) calls it for
// each stage in turn.
// Not here: the stage algorithms (grpo_stage.h, ...), checkpoints (checkpoint.h,
// training_state.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/model/hf_io.h"
#include "r1forge/model/transformer.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/tokenizer/chat_template.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

// A stage's model with what generation and saving need besides the weights.
struct StageModel {
  Transformer model{nullptr};
  std::unique_ptr<Tokenizer> tokenizer;
  std::filesystem::path tokenizer_source;  // file or folder the tokenizer came from
  std::vector<int64_t> eos_ids;            // stop ids: generation config, config.json, tokenizer
  int64_t pad_id = 0;                      // padding id for training batches
  // The tokenizer folder's chat template (prompt_format: chat); empty when it has none.
  std::optional<ChatTemplate> chat_template;
  const ChatTemplate* chat() const { return chat_template ? &*chat_template : nullptr; }
};

// The machine's measured matmul FLOP/s in the dtype and on the device of `model`'s first
// parameter (core/gemm_peak.h, measured once per process): the denominator of the step
// line's MFU.
double stage_peak_flops(const torch::nn::Module& model);

// `run.dir/stages/NN-<name>` with NN the stage's 1-based position in `stages:`.
std::filesystem::path stage_directory(const Config& config, const StageConfig& stage);
// The stage's index in config.stages; ConfigError listing the names when there is none.
const StageConfig& find_stage(const Config& config, const std::string& name);

// The dtype and device stage models load in: model.dtype, and model.device (auto: this
// rank's GPU when there is one, else the CPU; cuda without a GPU: ConfigError).
ModelLoadOptions stage_model_load_options(const Config& config);

// Loads `init` (base = model.init: a folder, or a preset initialised from run.seed), the
// tokenizer (model.tokenizer, else the init folder) and the stop ids, on model.device in
// model.dtype. ConfigError when no tokenizer can be found or its vocabulary is larger than the
// model's; the loaders' errors otherwise.
StageModel load_stage_model(const Config& config, const StageConfig& stage);

// Writes an HF folder (weights, config.json, generation_config.json with the stop ids, and
// the tokenizer files) into `folder.staging`, then renames it over `folder`, so `folder` is
// either the previous complete model or the new complete one. Data parallel: rank 0 writes,
// every rank returns once the folder is complete (a collective).
void save_stage_model(StageModel& model, const std::filesystem::path& folder);
// The files of that HF folder, written into the existing folder `folder` (a checkpoint's
// staging folder), each atomically.
void write_model_files(StageModel& model, const std::filesystem::path& folder);
// The tokenizer files of `model` (copied from its tokenizer folder, or written from its
// tokenizer file) into the existing folder `folder`, each atomically.
void write_tokenizer_files(const StageModel& model, const std::filesystem::path& folder);
// Calls `write` on `folder.staging` (emptied first), then renames it over `folder`, so `folder`
// is either the previous complete folder or the new complete one. Data parallel: rank 0
// writes, every rank returns once the folder is complete (a collective).
void replace_folder(const std::filesystem::path& folder,
                    const std::function<void(const std::filesystem::path& staging)>& write);

// Keeps the lines of a JSONL log whose "step" is at most `last_step` (a resumed stage's
// history), dropping the rest (and a torn last line); no-op when the file does not exist.
void truncate_step_log(const std::filesystem::path& file, int64_t last_step);
// A training stage's step logs (`logs` in `directory`, e.g. metrics.jsonl) before its first
// step: resumed after `resumed_step` > 0, each is cut back to that step; on a fresh start
// they and the TensorBoard events files of an earlier attempt (which would interleave with
// this run's steps) are removed, with a warning naming `label`.
void prepare_step_logs(const std::filesystem::path& directory,
                       int64_t resumed_step,
                       const std::vector<std::string>& logs,
                       const std::string& label);

// A copy of `model` with its own parameters (no gradients): the reference policy.
Transformer clone_model(Transformer& model);

// A copy of `config` with the references of the stage `name` resolved (stage_references.h),
// after checking that every input it reads exists: ConfigError naming `source`, the stage and
// the key for an earlier stage that has not produced its output yet or a missing file.
Config resolve_stage_inputs(const Config& config,
                            const std::string& name,
                            const std::string& source);

// Runs the stage named `name` of `config`: resolves its references to earlier stages
// (stage_references.h; ConfigError when one has not produced its output yet), writes
// config.resolved.yaml into run.dir, and runs the algorithm of its type; then, when it has an
// `eval:` section (and is not itself of type eval), run_stage_evaluation (eval_stage.h).
// `source` names the config file in messages. Errors as the stage's.
void run_stage(const Config& config, const std::string& name, const std::string& source = "config");

}  // namespace r1forge
