// The reward interface and registry: a reward function scores a batch of (prompt, completion,
// sample metadata) and returns one optional score per sample — nullopt means "none" (the
// function could not score it, e.g. no reference answer), which the advantage estimator
// handles as TRL does (rl/advantage.h), never as a silent zero.
//
// Rewards are named in YAML as `{name, weight, options}`; `options` is a flat map of scalars
// that each reward reads through RewardOptions (unknown keys are ConfigErrors). The registry
// holds the built-ins (rl/rewards/*.h) and anything a user program registers before a stage
// starts. Not here: combining scores into advantages (advantage.h), the stage loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/core/yaml_fields.h"

namespace r1forge {

// One completion to score. Views point into the caller's storage for the duration of score().
struct RewardSample {
  std::string_view prompt;  // the prompt text the model saw (after the prompt template)
  // The question itself: the dataset row's prompt field before the template (which adds ~50
  // English words under r1_zero). Rewards that judge the question, such as the target
  // language of language_consistency, read this, never `prompt`. Empty = not known.
  std::string_view question;
  std::string_view completion;  // the decoded completion (special tokens removed)
  // The dataset row's fields (e.g. "answer", "numbers", "target", "language"); never null.
  const nlohmann::json* metadata = nullptr;
  int64_t completion_tokens = 0;      // completion length in tokens
  bool truncated = false;             // generation hit max_new_tokens
  int64_t max_completion_tokens = 0;  // the stage's max_new_tokens (length-based rewards)
  int64_t source = 0;  // the prompt set it came from, in a stage with several (prompt_mix.h)
};

using RewardScore = std::optional<double>;  // nullopt = none

class RewardFunction {
 public:
  virtual ~RewardFunction() = default;
  // Exactly one score per sample, finite or nullopt. Throws on a broken contract (a bug), never
  // for a sample it cannot score (that is nullopt).
  virtual std::vector<RewardScore> score(const std::vector<RewardSample>& batch) = 0;
  // Counters the stage logs as `rewards/<name>/<key>` (e.g. external timeouts); may be empty.
  virtual std::map<std::string, double> diagnostics() const { return {}; }
  // True when its scores are to be normalised by their running mean and std over the stage
  // (a reward model's `normalize: running`); a GRPO stage does it on the gathered batch
  // (reward_normalizer.h), and evaluation and rejection sampling refuse it.
  virtual bool running_normalization() const { return false; }
};

// A reward as written in YAML (one item of a stage's `rewards:` list).
struct RewardSpec {
  std::string name;                            // registry name, e.g. accuracy
  double weight = 1.0;                         // TRL reward_weights: multiplies this score
  std::map<std::string, std::string> options;  // reward-specific, see each reward's docs
  // Metrics name (`rewards/<label>/mean`); empty = name. Lets one reward appear twice.
  std::string label;

  bool operator==(const RewardSpec&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("name", name, "reward function (see docs/rewards.md for the list)");
    v.field("weight", weight, "multiplies this reward in the sum", RealRange{-1e6, 1e6});
    v.field("options", options, "reward-specific options (scalars), see docs/rewards.md");
    v.field("label", label, "metrics name rewards/<label>/...; empty = name");
  }
  std::string metric_name() const { return label.empty() ? name : label; }
};

// Typed access to a RewardSpec's options. Every getter marks its key as read; finish() throws
// ConfigError for keys never read (with the closest known key as a suggestion), so a typo in
// YAML is an error, not an ignored option. `where` prefixes messages, e.g.
// "configs/x.yaml: stages[1].grpo.rewards[0] (accuracy)".
class RewardOptions {
 public:
  RewardOptions(std::map<std::string, std::string> values, std::string where);
  std::string get_string(const std::string& key, const std::string& fallback);
  double get_double(const std::string& key, double fallback);
  int64_t get_int(const std::string& key, int64_t fallback);
  bool get_bool(const std::string& key, bool fallback);
  // Comma-separated list ("a, b, c"); empty string = empty list.
  std::vector<std::string> get_list(const std::string& key,
                                    const std::vector<std::string>& fallback);
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  const std::string& where() const { return where_; }
  // ConfigError naming `where` and the key for a value that fails a reward's own check.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  void finish() const;

 private:
  std::map<std::string, std::string> values_;
  std::string where_;
  std::vector<std::string> read_;
};

// Builds one reward from its options (reading every option it accepts).
using RewardFactory = std::function<std::unique_ptr<RewardFunction>(RewardOptions& options)>;

struct RewardInfo {
  std::string name;
  std::string help;  // one paragraph: what it scores, its range, its options and defaults
};

// Adds (or replaces) a reward under `name`. Built-ins are registered on first use of the
// registry; user programs call this before building a stage.
void register_reward(const std::string& name, std::string help, RewardFactory factory);
// Every registered reward, sorted by name.
std::vector<RewardInfo> registered_rewards();
// ConfigError naming `where` and listing the registered names for an unknown name; the
// factory's own ConfigErrors for bad options.
std::unique_ptr<RewardFunction> make_reward(const RewardSpec& spec, const std::string& where);

// The weighted list of a stage's rewards, each scored separately so it can be logged.
class RewardSet {
 public:
  // ConfigError for an empty list, an unknown name, bad options, or two rewards with one label.
  // `where` names the list (e.g. "x.yaml: stages[1].grpo.rewards"); errors name item i as
  // "<where>[i]", and its options as "<where>[i] (<name>)".
  RewardSet(const std::vector<RewardSpec>& specs, const std::string& where);
  // Mixed prompt sets: moves `rewards` (one source's list) into this set, labelled
  // "<name>/<label>"; each scores only the samples whose RewardSample::source is `source` and
  // gives the others none. Start from an empty set (RewardSet{}).
  RewardSet() = default;
  void append_source(RewardSet&& rewards, int64_t source, const std::string& name);
  // scores[f][i]: reward f's score of sample i.
  std::vector<std::vector<RewardScore>> score(const std::vector<RewardSample>& batch);
  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<double>& weights() const { return weights_; }
  // Seconds spent in each reward's last score() call, by label.
  const std::vector<double>& last_seconds() const { return last_seconds_; }
  std::map<std::string, double> diagnostics() const;  // `<label>/<key>` -> value
  // Per function: its running_normalization().
  std::vector<bool> running_normalization() const;
  // ConfigError "<where> (<label>): normalize: running is for GRPO stages ..." for the first
  // reward that asks for it, where the stage `uses` raw scores (evaluation, rejection sampling).
  void refuse_running_normalization(const std::string& where, const std::string& uses) const;
  // Counts carried over from a checkpoint: added to diagnostics() so the counters run on
  // across a resume as they would have without one.
  void set_diagnostics_baseline(std::map<std::string, double> baseline) {
    diagnostics_baseline_ = std::move(baseline);
  }
  size_t size() const { return functions_.size(); }

 private:
  std::vector<std::unique_ptr<RewardFunction>> functions_;
  std::vector<std::string> labels_;
  std::vector<double> weights_;
  std::vector<double> last_seconds_;
  std::vector<int64_t> source_of_;  // per function: the source it scores; -1 = every sample
  std::map<std::string, double> diagnostics_baseline_;
};

}  // namespace r1forge
