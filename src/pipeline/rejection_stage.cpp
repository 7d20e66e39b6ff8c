// The rejection-sampling stage loop; see pipeline/rejection_stage.h.
#include "r1forge/pipeline/rejection_stage.h"

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/timer.h"
#include "r1forge/data/dataset_reader.h"
#include "r1forge/pipeline/grpo_rollouts.h"
#include "r1forge/pipeline/rejection_select.h"
#include "r1forge/pipeline/rejection_stats.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_references.h"
#include "r1forge/sampling/backends.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

// The index of `label` in the reward list; the config validation guarantees it exists.
size_t reward_index(const RewardSet& rewards, const std::string& label) {
  for (size_t f = 0; f < rewards.labels().size(); ++f) {
    if (rewards.labels()[f] == label) return f;
  }
  R1F_THROW(ConfigError, "no reward labelled '", label, "'");
}

struct NonReasoningRow {
  nlohmann::ordered_json value;
  int64_t line = 0;
};

// Every row of the non-reasoning file; DataError naming file:line for a row that is not an
// object with string prompt and completion. Empty path = none.
std::vector<NonReasoningRow> load_non_reasoning(const std::string& path) {
  std::vector<NonReasoningRow> rows;
  if (path.empty()) return rows;
  DatasetReader reader(path);
  DatasetRow line;
  while (reader.next(line)) {
    const nlohmann::json& value = line.value;
    R1F_CHECK_DATA(value.is_object(), line.location, ": expected a JSON object");
    for (const char* field : {"prompt", "completion"}) {
      auto it = value.find(field);
      R1F_CHECK_DATA(it != value.end() && it->is_string(), line.location,
                     ": non-reasoning rows need a string \"", field, "\"");
    }
    rows.push_back({nlohmann::ordered_json(value), line.number});
  }
  R1F_CHECK_DATA(!rows.empty(), path, ": the non-reasoning file has no rows");
  return rows;
}

// One JSONL line, keys in insertion order; invalid UTF-8 (a completion cut inside a multi-byte
// character) becomes U+FFFD rather than an error.
// `out` is null on the ranks other than 0 (they decide, rank 0 writes).
void write_line(AtomicFileWriter* out, const nlohmann::ordered_json& line) {
  if (out == nullptr) return;
  std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  text.push_back('\n');
  out->write(text);
}

class RejectionStage {
 public:
  RejectionStage(const Config& config, const StageConfig& stage)
      : stage_(stage),
        rs_(*stage.rejection_sampling),
        directory_(stage_directory(config, stage)),
        seed_(derive_seed(config.run.seed, "stage:" + stage.name)),
        // Relative to run.dir when it is an earlier stage's model: the records move with it.
        policy_(run_relative_path(config, stage.init == "base" ? config.model.init : stage.init)),
        model_(load_stage_model(config, stage)),
        rewards_(rs_.rewards, "stage '" + stage.name + "' rejection_sampling.rewards"),
        data_(load_prompt_dataset(rs_.data, *model_.tokenizer, model_.chat())),
        non_reasoning_(load_non_reasoning(rs_.non_reasoning.path)),
        backend_(make_model_backend(config.sampling, model_.model)),
        engine_(*backend_, model_.tokenizer.get(), model_.eos_ids, config.sampling.engine()),
        collector_(engine_, rewards_, data_, rs_.generation.sampling_params(), rs_.num_samples),
        correct_index_(reward_index(rewards_, rs_.accept.correct_reward)),
        difficulty_field_(choose_difficulty_field(data_)),
        stats_(difficulty_field_) {
    rewards_.refuse_running_normalization("stage '" + stage.name + "' rejection_sampling.rewards",
                                          "rejection sampling accepts on");
    if (!rs_.accept.require_format.empty()) {
      format_index_ = reward_index(rewards_, rs_.accept.require_format);
    }
    if (!non_reasoning_.empty()) {
      mix_sampler_.emplace(static_cast<int64_t>(non_reasoning_.size()), /*shuffle=*/true,
                           derive_seed(seed_, "non_reasoning"));
    }
    R1F_LOG_INFO("rejection_sampling '", stage.name, "': ", data_.rows.size(), " prompts x ",
                 rs_.num_samples, " samples from ", policy_, ", keep <= ", rs_.max_per_prompt,
                 " per prompt, ", non_reasoning_.size(), " non-reasoning rows available");
  }

  void run() {
    // Data parallel: each rank generates and scores its share of every batch (the collector);
    // all decide the same on the gathered batch, and rank 0 writes.
    const bool main = world().is_main();
    std::optional<AtomicFileWriter> out;
    if (main) {
      fs::create_directories(directory_);
      remove_previous_outputs();
      out.emplace(directory_ / "data.jsonl");  // deleted unless commit() is reached
    }
    AtomicFileWriter* writer = out ? &*out : nullptr;
    Timer timer;
    const int64_t prompts = static_cast<int64_t>(data_.rows.size());
    const int64_t batches = (prompts + rs_.prompts_per_batch - 1) / rs_.prompts_per_batch;
    // Batch b holds prompts [b x prompts_per_batch, min(prompts, (b + 1) x prompts_per_batch)).
    auto batch_end = [&](int64_t batch) {
      return std::min(prompts, (batch + 1) * rs_.prompts_per_batch);
    };
    int64_t own_samples = 0;  // this rank's share of every batch, the bar's total
    for (int64_t batch = 0; batch < batches; ++batch) {
      own_samples += collector_.own_samples(batch_end(batch) - batch * rs_.prompts_per_batch);
    }
    ProgressBar progress(stage_.name, own_samples, "samples");
    for (int64_t batch = 0; batch < batches; ++batch) {
      std::vector<int64_t> rows;
      for (int64_t r = batch * rs_.prompts_per_batch; r < batch_end(batch); ++r) rows.push_back(r);
      const uint64_t seed = derive_seed(seed_, "rollout", {static_cast<uint64_t>(batch)});
      ScoredGroups groups = collector_.collect(rows, seed, &progress);
      // The filters see what the rewards saw (the raw question, not the templated prompt).
      const std::vector<RewardSample> scored = collector_.reward_samples(groups);
      for (int64_t g = 0; g < groups.groups(); ++g) write_group(groups, scored, g, writer);
      progress.set_note(std::to_string(stats_.accepted()) + " accepted");
      // The bar shows the count on a terminal; a log that is not one gets a line per 10.
      if (!log::console_is_terminal() && ((batch + 1) % 10 == 0 || batch + 1 == batches)) {
        R1F_LOG_INFO("rejection_sampling '", stage_.name, "': batch ", batch + 1, "/", batches,
                     ", ", stats_.accepted(), " of ", stats_.samples(), " samples accepted");
      }
    }
    progress.finish();
    if (main) {
      out->commit();
      nlohmann::ordered_json stats = stats_.to_json();
      stats["policy"] = policy_;
      stats["stage"] = stage_.name;
      stats["non_reasoning_path"] = rs_.non_reasoning.path;
      stats["seconds"] = timer.seconds();
      atomic_write_file(directory_ / "stats.json", stats.dump(2) + "\n");
      R1F_LOG_INFO("rejection_sampling '", stage_.name, "': ", stats_.summary(), " -> ",
                   (directory_ / "data.jsonl").string());
    }
    world().barrier("rejection sampling data written");
  }

 private:
  // A rerun replaces the outputs; removing them first means a failed rerun leaves none, never
  // the previous run's data beside this run's partial state.
  void remove_previous_outputs() {
    for (const char* name : {"data.jsonl", "stats.json"}) {
      const fs::path path = directory_ / name;
      if (!fs::exists(path)) continue;
      R1F_LOG_WARN("rejection_sampling '", stage_.name, "': replacing ", path.string());
      fs::remove(path);
    }
  }

  // Decides group g's N samples, writes its accepted rows, and mixes non-reasoning rows in.
  // `scored` [N]: the reward samples of `groups` (RolloutCollector::reward_samples).
  void write_group(const ScoredGroups& groups,
                   const std::vector<RewardSample>& scored,
                   int64_t g,
                   AtomicFileWriter* out) {
    const PromptRow& row = data_.rows[groups.prompt_rows[g]];
    const std::string& raw_prompt = row.question;
    const int64_t n = rs_.num_samples;
    std::vector<Candidate> candidates;
    PromptOutcome outcome;
    for (int64_t j = 0; j < n; ++j) {
      const size_t i = static_cast<size_t>(g * n + j);
      Candidate candidate;
      candidate.sample = readability_sample(scored[i], &groups.samples[i].token_ids);
      candidate.correct_score = groups.scores[correct_index_][i];
      if (format_index_) candidate.format_score = groups.scores[*format_index_][i];
      outcome.correct += is_correct(candidate, rs_.accept);
      outcome.unscored += !candidate.correct_score.has_value();
      candidates.push_back(candidate);
    }
    outcome.reasons = select_candidates(candidates, rs_, seen_);
    if (!difficulty_field_.empty()) {
      outcome.difficulty = difficulty_label(row.metadata.at(difficulty_field_));
    }
    stats_.add(outcome);
    for (int64_t j = 0; j < n; ++j) {
      if (!outcome.reasons[j].empty()) continue;
      const size_t i = static_cast<size_t>(g * n + j);
      write_line(out, reasoning_row(row, raw_prompt, groups, i));
      ++reasoning_written_;
      mix_non_reasoning(out);
    }
  }

  nlohmann::ordered_json reasoning_row(const PromptRow& row,
                                       const std::string& raw_prompt,
                                       const ScoredGroups& groups,
                                       size_t i) const {
    const GeneratedSample& sample = groups.samples[i];
    nlohmann::ordered_json line;
    line["prompt"] = raw_prompt;
    line["completion"] = sample.text;
    if (rs_.keep_metadata) {
      for (const auto& [key, value] : row.metadata.items()) {
        // The prompt field is "prompt" now; a reference "completion" would shadow the sample.
        if (key == rs_.data.prompt_field || key == "prompt" || key == "completion" ||
            key == "provenance") {
          continue;
        }
        line[key] = value;
      }
    }
    nlohmann::ordered_json rewards = nlohmann::ordered_json::object();
    for (size_t f = 0; f < groups.scores.size(); ++f) {
      const RewardScore& score = groups.scores[f][i];
      rewards[rewards_.labels()[f]] = score ? nlohmann::ordered_json(*score) : nullptr;
    }
    line["provenance"] = {{"policy", policy_},
                          {"stage", stage_.name},
                          {"sample_index", sample.sample_index},
                          {"tokens", sample.token_ids.size()},
                          {"finish_reason", finish_reason_name(sample.finish_reason)},
                          {"rewards", rewards}};
    return line;
  }

  // Keeps the non-reasoning rows written at round(ratio x accepted so far), so the final count
  // is exactly round(ratio x accepted) and the two kinds stay evenly interleaved.
  void mix_non_reasoning(AtomicFileWriter* out) {
    if (!mix_sampler_) return;
    const int64_t target =
        std::llround(rs_.non_reasoning.ratio * static_cast<double>(reasoning_written_));
    while (stats_.non_reasoning() < target) {
      const NonReasoningRow& source = non_reasoning_[mix_sampler_->next(1)[0]];
      nlohmann::ordered_json line = source.value;
      line["provenance"] = {
          {"source", "non_reasoning"}, {"path", rs_.non_reasoning.path}, {"line", source.line}};
      write_line(out, line);
      stats_.add_non_reasoning(1);
    }
  }

  const StageConfig& stage_;
  const RejectionSamplingConfig& rs_;
  fs::path directory_;
  uint64_t seed_;
  std::string policy_;
  StageModel model_;
  RewardSet rewards_;
  PromptDataset data_;
  std::vector<NonReasoningRow> non_reasoning_;
  std::optional<PromptSampler> mix_sampler_;  // draws non-reasoning rows; none without a file
  std::unique_ptr<ModelBackend> backend_;
  Engine engine_;
  RolloutCollector collector_;
  size_t correct_index_;
  std::optional<size_t> format_index_;
  std::string difficulty_field_;
  RejectionStats stats_;
  DedupeSet seen_;
  int64_t reasoning_written_ = 0;
};

}  // namespace

void run_rejection_sampling_stage(const Config& config, const StageConfig& stage) {
  R1F_CHECK_CONFIG(stage.rejection_sampling.has_value(), "stage '", stage.name,
                   "' has no rejection_sampling: section");
  RejectionStage(config, stage).run();
}

}  // namespace r1forge
