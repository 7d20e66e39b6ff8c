// Evaluating a model on held-out problems: k samples per problem from the generation engine
// (RolloutCollector, the GRPO stage's rollout path), scored by the eval section's rewards, turned
// into the figures of eval_metrics.h, and written as out_dir/eval.json (the figures, overall and
// per difficulty) and out_dir/eval_samples.jsonl (every sample with its rewards and answer).
// Also the stage functions: a stage of type eval, and the evaluation after any stage that
// carries an `eval:` section. docs/eval.md describes the figures and the files.
// Not here: the figures themselves (eval_metrics.h), the section (eval_config.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "r1forge/pipeline/eval_config.h"
#include "r1forge/pipeline/eval_metrics.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage.h"

namespace r1forge {

// Row fields that split the figures (and each reward's mean) when the problems carry them:
// difficulty, or the kind of a general prompt (the preferences task's kind: an instruction or
// a request marked harmful).
extern const char* const kEvalBreakdownFields[3];  // "difficulty", "num_terms", "kind"

struct EvalResult {
  EvalMetrics metrics;  // over every problem
  // field -> (value, figures over the problems with that value), values in JSON order
  // (numbers numerically); rows without the field fall under "none".
  std::map<std::string, std::vector<std::pair<std::string, EvalMetrics>>> breakdown;
  std::vector<EvalSample> samples;  // [problems x k], problem-major
  std::vector<std::string> reward_labels;
  std::vector<std::optional<double>> reward_means;  // per label, over the samples it scored
  int64_t unscored_samples = 0;   // samples the correctness reward could not score (none)
  nlohmann::ordered_json report;  // eval.json
  std::vector<nlohmann::ordered_json> sample_lines;  // eval_samples.jsonl
  double seconds = 0.0;                              // generation + scoring
};

// Generates eval.num_samples samples for each of the first eval.max_problems problems of
// eval.data (all when 0) at eval's temperature and top-p, sample j of problem i drawing from
// derive_seed(seed, i, j); scores them, computes the figures and, unless `out_dir` is empty,
// writes out_dir/eval.json and out_dir/eval_samples.jsonl atomically. Engine settings (backend,
// batch, memory bound) come from config.sampling. ConfigError for bad rewards; the dataset's
// IoError/DataError naming file:line.
EvalResult evaluate_model(const Config& config,
                          StageModel& model,
                          const EvalConfig& eval,
                          uint64_t seed,
                          const std::filesystem::path& out_dir);

// Writes result.report to `json_path` and result.sample_lines to `samples_path`, atomically.
void write_eval_files(const EvalResult& result,
                      const std::filesystem::path& json_path,
                      const std::filesystem::path& samples_path);

// A console table: one line per figure, then one row per breakdown value.
std::string format_eval_table(const EvalResult& result);

// A stage of type eval: evaluates its init model per its eval section into its stage
// directory. Seed: derive_seed(run.seed, "eval:" + name).
void run_eval_stage(const Config& config, const StageConfig& stage);

// After a stage with an `eval:` section: evaluates `stage_directory/final` (for type
// rejection_sampling, which writes no model, and for type eval: the init model) into the
// stage directory. ConfigError without an eval section; IoError when final/ is missing.
void run_stage_evaluation(const Config& config, const StageConfig& stage);

}  // namespace r1forge
