// A stage's step metrics to the files and the console; see pipeline/step_log.h.
#include "r1forge/pipeline/step_log.h"

#include <cmath>
#include <cstdio>

#include "r1forge/core/log.h"
#include "r1forge/core/progress_bar.h"

namespace r1forge {
namespace {

// printf into a std::string (every field is one short number).
template <class... Args>
std::string printed(const char* format, Args... args) {
  char text[64];
  std::snprintf(text, sizeof text, format, args...);
  return text;
}

const double* find(const MetricValues& metrics, const std::string& key) {
  auto it = metrics.find(key);
  return it == metrics.end() || !std::isfinite(it->second) ? nullptr : &it->second;
}

// Appends " | <fields>" when `fields` is not empty.
void add_group(std::string& line, const std::string& fields) {
  if (!fields.empty()) line += " | " + fields;
}

// Space-separated "<label> <value>" for the keys present.
std::string fields(const MetricValues& metrics,
                   const std::vector<std::pair<std::string, std::string>>& label_and_key,
                   const char* format) {
  std::string out;
  for (const auto& [label, key] : label_and_key) {
    if (const double* value = find(metrics, key)) {
      out += (out.empty() ? "" : " ") + label + " " + printed(format, *value);
    }
  }
  return out;
}

}  // namespace

std::string format_count(double value) {
  if (!std::isfinite(value)) return "?";
  if (value >= 1e6) return printed("%.2fM", value / 1e6);
  if (value >= 1e4) return printed("%.1fk", value / 1e3);
  if (value >= 1e3) return printed("%.2fk", value / 1e3);
  return printed("%.0f", value);
}

std::string format_step_line(const std::string& stage,
                             int64_t step,
                             int64_t total_steps,
                             const MetricValues& metrics,
                             const std::vector<std::string>& reward_labels,
                             double eta_seconds) {
  const int digits = static_cast<int>(std::to_string(total_steps).size());
  std::string line = stage + printed(" step %*lld/%lld", digits, static_cast<long long>(step),
                                     static_cast<long long>(total_steps));
  // Losses: the training loss, the distillation term, the held-out loss.
  add_group(line,
            fields(metrics, {{"loss", "loss"}, {"distill", "distill/loss"}, {"eval", "eval/loss"}},
                   "%.4g"));
  // GRPO: the summed reward with its spread over the batch, then each reward's mean.
  if (const double* reward = find(metrics, "reward")) {
    std::string text = "reward " + printed("%.3f", *reward);
    if (const double* spread = find(metrics, "reward_std")) text += printed(" ± %.3f", *spread);
    add_group(line, text);
  }
  std::vector<std::pair<std::string, std::string>> reward_means;
  for (const auto& label : reward_labels)
    reward_means.push_back({label, "rewards/" + label + "/mean"});
  add_group(line, fields(metrics, reward_means, "%.3f"));
  // Reward models: pair accuracy (train, held out) and the chosen-rejected margin.
  std::string accuracy;
  for (const auto& [label, key] : std::vector<std::pair<std::string, std::string>>{
           {"acc", "accuracy"}, {"eval acc", "eval/accuracy"}}) {
    if (const double* value = find(metrics, key)) {
      accuracy += (accuracy.empty() ? "" : " ") + label + printed(" %.1f%%", 100 * *value);
    }
  }
  add_group(line, accuracy);
  add_group(line, fields(metrics, {{"margin", "margin"}}, "%.3f"));
  add_group(line, fields(metrics, {{"kl", "kl"}}, "%.3g"));
  if (const double* clip = find(metrics, "clip_ratio/region_mean")) {
    add_group(line, "clip" + printed(" %.1f%%", 100 * *clip));
  }
  add_group(line, fields(metrics, {{"len", "completions/mean_length"}}, "%.1f"));
  add_group(line, fields(metrics, {{"lr", "learning_rate"}}, "%.2e"));
  add_group(line, fields(metrics, {{"gnorm", "grad_norm"}}, "%.3f"));
  if (const double* rate = find(metrics, "tokens_per_second")) {
    add_group(line, format_count(*rate) + " tok/s");
  }
  if (const double* mfu = find(metrics, "mfu")) add_group(line, printed("MFU %.1f%%", 100 * *mfu));
  // Where the step's time went: GRPO's phases, or the whole step.
  std::string phases = fields(metrics,
                              {{"rollout", "time/rollout"},
                               {"reward", "time/reward"},
                               {"logprobs", "time/logprobs"},
                               {"update", "time/update"}},
                              "%.2fs");
  if (phases.empty()) phases = fields(metrics, {{"step", "time/step"}}, "%.2fs");
  add_group(line, phases);
  if (eta_seconds >= 0 && step < total_steps)
    add_group(line, "ETA " + format_duration(eta_seconds));
  return line;
}

StepLog::StepLog(StepLogOptions options) : options_(std::move(options)) {
  if (!options_.metrics_path.empty()) {
    writer_ = std::make_unique<MetricsWriter>(options_.metrics_path, /*tensorboard=*/true,
                                              options_.resumed_steps);
  }
}

StepLog::~StepLog() = default;

void StepLog::record(int64_t step, MetricValues& metrics, double model_flops) {
  auto seconds = metrics.find("time/step");
  if (model_flops > 0 && options_.peak_flops_per_second > 0 && seconds != metrics.end() &&
      seconds->second > 0) {
    metrics["mfu"] = model_flops / seconds->second / options_.peak_flops_per_second;
  }
  if (writer_) writer_->write(step, metrics);
  const bool last = step == options_.total_steps;
  if (step % std::max<int64_t>(options_.logging_steps, 1) != 0 && !last && step != 1) return;
  // The ETA from this attempt's average step so far (evaluations and checkpoints included,
  // since they recur), not from the last step alone, which swings with completion lengths.
  const int64_t done = step - options_.resumed_steps;
  const double eta =
      done > 0 ? clock_.seconds() / static_cast<double>(done) * (options_.total_steps - step) : -1;
  R1F_LOG_INFO(format_step_line(options_.stage, step, options_.total_steps, metrics,
                                options_.reward_labels, eta));
}

void StepLog::record_evaluation(int64_t step, const MetricValues& metrics) {
  if (writer_) writer_->write(step, metrics);
  MetricValues shown;
  for (const auto& [key, value] : metrics) {
    if (key.rfind("eval/", 0) == 0) shown[key.substr(5)] = value;
  }
  if (const double* seconds = find(metrics, "eval/time")) shown["time/step"] = *seconds;
  R1F_LOG_INFO(format_step_line(options_.stage + " eval at", step, options_.total_steps, shown,
                                options_.reward_labels, -1));
}

}  // namespace r1forge
