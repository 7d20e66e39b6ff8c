// Model evaluation and the eval stage functions; see pipeline/eval_stage.h.
#include "r1forge/pipeline/eval_stage.h"

#include <cstdio>
#include <numeric>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/pipeline/grpo_rollouts.h"
#include "r1forge/rl/rewards/accuracy.h"
#include "r1forge/sampling/backends.h"

namespace r1forge {
namespace fs = std::filesystem;

const char* const kEvalBreakdownFields[3] = {"difficulty", "num_terms", "kind"};

namespace {

size_t label_index(const std::vector<std::string>& labels, const std::string& label) {
  for (size_t f = 0; f < labels.size(); ++f) {
    if (labels[f] == label) return f;
  }
  R1F_THROW(ConfigError, "eval: no reward is labelled '", label, "'");
}

RewardSpec spec_with_label(const std::vector<RewardSpec>& specs, const std::string& label) {
  for (const RewardSpec& spec : specs) {
    if (spec.metric_name() == label) return spec;
  }
  R1F_THROW(ConfigError, "eval: no reward is labelled '", label, "'");
}

// The extraction the vote uses: the correctness reward's own when it is `accuracy` (so the
// vote reads the answer the reward judged), else the default order (answer tag first).
math::ExtractionOptions vote_extraction(const RewardSpec& correct) {
  if (correct.name != "accuracy") return {};
  RewardOptions options(correct.options, "eval.rewards (" + correct.metric_name() + ")");
  return read_accuracy_config(options).extraction;
}

AnswerMatch resolve_match(const EvalConfig& eval, const RewardSpec& correct) {
  if (eval.vote_match == "auto") {
    return correct.name == "accuracy" ? AnswerMatch::MATH : AnswerMatch::EXACT;
  }
  std::optional<AnswerMatch> match = parse_answer_match(eval.vote_match);
  R1F_CHECK_CONFIG(match.has_value(), "eval.vote_match '", eval.vote_match,
                   "' is not auto, math or exact");
  return *match;
}

nlohmann::ordered_json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json metrics_json(const EvalMetrics& m) {
  nlohmann::ordered_json pass_at = nlohmann::ordered_json::object();
  for (const auto& [j, value] : m.pass_at) pass_at[std::to_string(j)] = value;
  return {{"pass_at_1", m.pass_at_1},
          {"cons_at_k", m.cons_at_k},
          {"pass_at_k", m.pass_at_k},
          {"format_rate", optional_json(m.format_rate)},
          {"mean_length", m.mean_length},
          {"truncated_rate", m.truncated_rate},
          {"no_answer_rate", m.no_answer_rate},
          {"k", m.k},
          {"problems", m.problems},
          {"samples", m.samples},
          {"pass_at", pass_at}};
}

// The samples (indices into `samples`) per value of `field`, values in JSON order (numbers
// numerically) and named as text; rows without the field fall under "none". Empty when no
// problem carries the field.
std::vector<std::pair<std::string, std::vector<size_t>>> samples_by(
    const std::string& field,
    const std::vector<const PromptRow*>& problems,
    const std::vector<EvalSample>& samples) {
  std::map<nlohmann::json, std::vector<size_t>> groups;
  bool present = false;
  for (size_t i = 0; i < samples.size(); ++i) {
    const nlohmann::json& metadata = problems[samples[i].problem]->metadata;
    auto it = metadata.find(field);
    const bool has = it != metadata.end() && !it->is_null();
    present = present || has;
    groups[has ? *it : nlohmann::json("none")].push_back(i);
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> result;
  if (!present) return result;
  for (auto& [value, indices] : groups) {
    result.emplace_back(value.is_string() ? value.get<std::string>() : value.dump(),
                        std::move(indices));
  }
  return result;
}

// Each reward's mean over the samples `indices` that it scored; nullopt where it scored none.
// `scores` is [reward][sample].
std::vector<std::optional<double>> reward_means_over(
    const std::vector<size_t>& indices, const std::vector<std::vector<RewardScore>>& scores) {
  std::vector<std::optional<double>> means;
  for (const std::vector<RewardScore>& column : scores) {
    double sum = 0.0;
    int64_t count = 0;
    for (size_t i : indices) {
      if (!column[i]) continue;
      sum += *column[i];
      ++count;
    }
    means.push_back(count ? std::optional(sum / static_cast<double>(count)) : std::nullopt);
  }
  return means;
}

// {label: mean or null}, in the rewards' order.
nlohmann::ordered_json means_json(const std::vector<std::string>& labels,
                                  const std::vector<std::optional<double>>& means) {
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
  for (size_t f = 0; f < labels.size(); ++f) json[labels[f]] = optional_json(means[f]);
  return json;
}

void write_lines(const fs::path& path, const std::vector<nlohmann::ordered_json>& lines) {
  AtomicFileWriter writer(path);
  for (const auto& line : lines) writer.write(line.dump() + "\n");
  writer.commit();
}

}  // namespace

EvalResult evaluate_model(const Config& config,
                          StageModel& model,
                          const EvalConfig& eval,
                          uint64_t seed,
                          const fs::path& out_dir) {
  R1F_CHECK(model.tokenizer != nullptr, "evaluate_model needs the model's tokenizer");
  const std::vector<RewardSpec> specs = eval.reward_specs();
  RewardSet rewards(specs, "eval.rewards");
  rewards.refuse_running_normalization("eval.rewards", "an evaluation reports");
  const size_t correct_index = label_index(rewards.labels(), eval.correct_reward);
  const bool has_format = !eval.format_reward.empty();
  const size_t format_index = has_format ? label_index(rewards.labels(), eval.format_reward) : 0;
  const RewardSpec correct_spec = spec_with_label(specs, eval.correct_reward);
  const math::ExtractionOptions extraction = vote_extraction(correct_spec);
  const AnswerMatch match = resolve_match(eval, correct_spec);

  PromptDataset data = load_prompt_dataset(eval.data, *model.tokenizer, model.chat());
  if (eval.max_problems > 0 && static_cast<int64_t>(data.rows.size()) > eval.max_problems) {
    data.rows.resize(static_cast<size_t>(eval.max_problems));
  }
  std::vector<int64_t> rows(data.rows.size());
  std::vector<const PromptRow*> problems(data.rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i] = static_cast<int64_t>(i);
    problems[i] = &data.rows[i];
  }

  std::unique_ptr<ModelBackend> backend = make_model_backend(config.sampling, model.model);
  Engine engine(*backend, model.tokenizer.get(), model.eos_ids, config.sampling.engine());
  RolloutCollector collector(engine, rewards, data, eval.generation.sampling_params(),
                             eval.num_samples);
  R1F_LOG_INFO("eval: ", rows.size(), " problems x ", eval.num_samples, " samples from ",
               eval.data.path, " (temperature ", eval.generation.temperature, ", top_p ",
               eval.generation.top_p, ", max ", eval.generation.max_completion_length, " tokens)");
  // One call over every problem: sample j of problem i draws from (seed, i, j) whatever the
  // engine's batching, so the first problems' samples do not depend on max_problems.
  ProgressBar progress("eval " + out_dir.filename().string(),
                       collector.own_samples(static_cast<int64_t>(rows.size())), "samples");
  ScoredGroups groups = collector.collect(rows, seed, &progress);
  progress.finish();

  EvalResult result;
  result.seconds = groups.rollout_seconds + groups.reward_seconds;
  result.reward_labels = rewards.labels();
  const size_t functions = rewards.labels().size();
  for (size_t i = 0; i < groups.samples.size(); ++i) {
    const GeneratedSample& generated = groups.samples[i];
    const PromptRow& row = *problems[static_cast<size_t>(generated.prompt_index)];
    EvalSample sample;
    sample.problem = generated.prompt_index;
    const RewardScore& correct_score = groups.scores[correct_index][i];
    if (!correct_score) ++result.unscored_samples;
    sample.correct = correct_score.value_or(0.0) >= 1.0;
    if (has_format) sample.formatted = groups.scores[format_index][i].value_or(0.0) >= 1.0;
    sample.answer = math::extract_completion_answer(generated.text, extraction);
    sample.length = static_cast<int64_t>(generated.token_ids.size());
    sample.truncated = generated.finish_reason == FinishReason::LENGTH;

    nlohmann::ordered_json scores = nlohmann::ordered_json::object();
    for (size_t f = 0; f < functions; ++f) {
      const RewardScore& score = groups.scores[f][i];
      scores[rewards.labels()[f]] = optional_json(score);
    }
    nlohmann::ordered_json line = {
        {"problem", sample.problem}, {"sample", generated.sample_index}, {"line", row.line}};
    if (auto id = row.metadata.find("id"); id != row.metadata.end()) line["id"] = *id;
    // The problem as written (before the prompt template), as SFT rows carry it.
    auto raw = row.metadata.find(eval.data.prompt_field);
    line["prompt"] =
        raw != row.metadata.end() && raw->is_string() ? raw->get<std::string>() : row.text;
    line["completion"] = generated.text;
    line["tokens"] = sample.length;
    line["finish_reason"] = finish_reason_name(generated.finish_reason);
    line["rewards"] = scores;
    line["answer"] =
        sample.answer ? nlohmann::ordered_json(*sample.answer) : nlohmann::ordered_json(nullptr);
    line["correct"] = sample.correct;
    line["formatted"] =
        sample.formatted ? nlohmann::ordered_json(*sample.formatted) : nlohmann::ordered_json();
    result.sample_lines.push_back(std::move(line));
    result.samples.push_back(std::move(sample));
  }
  std::vector<size_t> every_sample(result.samples.size());
  std::iota(every_sample.begin(), every_sample.end(), size_t{0});
  result.reward_means = reward_means_over(every_sample, groups.scores);
  if (result.unscored_samples > 0) {
    R1F_LOG_WARN("eval: the correctness reward '", eval.correct_reward, "' could not score ",
                 result.unscored_samples, " samples (e.g. no gold answer); they count as wrong");
  }

  result.metrics = compute_eval_metrics(result.samples, match);
  nlohmann::ordered_json report = metrics_json(result.metrics);
  report["rewards"] = means_json(result.reward_labels, result.reward_means);
  report["unscored_samples"] = result.unscored_samples;
  report["correct_reward"] = eval.correct_reward;
  report["format_reward"] = eval.format_reward;
  report["vote_match"] = match == AnswerMatch::MATH ? "math" : "exact";
  report["data"] = eval.data.path;
  report["temperature"] = eval.generation.temperature;
  report["top_p"] = eval.generation.top_p;
  report["max_completion_length"] = eval.generation.max_completion_length;
  report["seed"] = seed;
  for (const char* field : kEvalBreakdownFields) {
    const auto groups_of_field = samples_by(field, problems, result.samples);
    if (groups_of_field.empty()) continue;
    nlohmann::ordered_json by = nlohmann::ordered_json::object();
    std::vector<std::pair<std::string, EvalMetrics>> figures;
    for (const auto& [value, indices] : groups_of_field) {
      std::vector<EvalSample> group;
      for (size_t i : indices) group.push_back(result.samples[i]);
      figures.emplace_back(value, compute_eval_metrics(group, match));
      by[value] = metrics_json(figures.back().second);
      by[value]["rewards"] =
          means_json(result.reward_labels, reward_means_over(indices, groups.scores));
    }
    report[std::string("by_") + field] = by;
    result.breakdown[field] = std::move(figures);
  }
  result.report = std::move(report);

  if (!out_dir.empty() && world().is_main()) {  // data parallel: rank 0 writes
    fs::create_directories(out_dir);
    write_eval_files(result, out_dir / "eval.json", out_dir / "eval_samples.jsonl");
  }
  R1F_LOG_INFO("eval: pass@1 ", result.metrics.pass_at_1, ", cons@", result.metrics.k, " ",
               result.metrics.cons_at_k, ", pass@", result.metrics.k, " ", result.metrics.pass_at_k,
               " over ", result.metrics.problems, " problems in ", result.seconds, " s");
  return result;
}

void write_eval_files(const EvalResult& result,
                      const fs::path& json_path,
                      const fs::path& samples_path) {
  atomic_write_file(json_path, result.report.dump(2) + "\n");
  write_lines(samples_path, result.sample_lines);
}

std::string format_eval_table(const EvalResult& result) {
  const EvalMetrics& m = result.metrics;
  char line[160];
  std::string table;
  auto row = [&](const std::string& name, double value) {
    std::snprintf(line, sizeof line, "  %-16s %10.4f\n", name.c_str(), value);
    table += line;
  };
  std::snprintf(line, sizeof line, "eval: %lld problems x %lld samples\n",
                static_cast<long long>(m.problems), static_cast<long long>(m.k));
  table += line;
  row("pass@1", m.pass_at_1);
  for (const auto& [j, value] : m.pass_at) {
    if (j > 1) row("pass@" + std::to_string(j), value);
  }
  row("cons@" + std::to_string(m.k), m.cons_at_k);
  if (m.format_rate) row("format_rate", *m.format_rate);
  row("mean_length", m.mean_length);
  row("truncated_rate", m.truncated_rate);
  row("no_answer_rate", m.no_answer_rate);
  for (size_t f = 0; f < result.reward_labels.size(); ++f) {
    if (result.reward_means[f]) row("reward " + result.reward_labels[f], *result.reward_means[f]);
  }
  for (const auto& [field, groups] : result.breakdown) {
    std::snprintf(line, sizeof line, "  %-16s %8s %8s %8s %8s\n", field.c_str(), "problems",
                  "pass@1", "cons@k", "pass@k");
    table += line;
    for (const auto& [value, g] : groups) {
      std::snprintf(line, sizeof line, "  %-16s %8lld %8.4f %8.4f %8.4f\n", value.c_str(),
                    static_cast<long long>(g.problems), g.pass_at_1, g.cons_at_k, g.pass_at_k);
      table += line;
    }
  }
  return table;
}

void run_eval_stage(const Config& config, const StageConfig& stage) {
  R1F_CHECK_CONFIG(stage.eval.has_value(), "stage '", stage.name, "' has no eval: section");
  StageModel model = load_stage_model(config, stage);
  evaluate_model(config, model, *stage.eval, derive_seed(config.run.seed, "eval:" + stage.name),
                 stage_directory(config, stage));
}

void run_stage_evaluation(const Config& config, const StageConfig& stage) {
  R1F_CHECK_CONFIG(stage.eval.has_value(), "stage '", stage.name, "' has no eval: section");
  if (stage.type == "eval" || stage.type == "rejection_sampling") {
    run_eval_stage(config, stage);  // no model of its own: its init model is what it used
    return;
  }
  const fs::path final_model = stage_directory(config, stage) / "final";
  R1F_CHECK_IO(fs::is_directory(final_model), "stage '", stage.name, "': no final model at ",
               final_model, " to evaluate; run the stage first");
  StageConfig evaluated = stage;
  evaluated.init = final_model.string();
  run_eval_stage(config, evaluated);
}

}  // namespace r1forge
