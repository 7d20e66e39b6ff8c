// The reward registry, typed reward options and the weighted reward set; see
// include/r1forge/rl/reward.h. Built-ins are registered on the first use of the registry (a
// static initialiser in each reward's file would be dropped by the linker: the library is
// static and nothing else references those objects).
// Not here: the rewards themselves (rl/rewards/*.cpp).
#include "r1forge/rl/reward.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <utility>

#include "r1forge/core/check.h"
#include "r1forge/core/yaml_origin.h"
#include "r1forge/rl/rewards/builtins.h"

namespace r1forge {
namespace {

std::string trim(std::string_view text) {
  const char* spaces = " \t\r\n";
  size_t begin = text.find_first_not_of(spaces);
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(spaces);
  return std::string(text.substr(begin, end - begin + 1));
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += separator;
    out += items[i];
  }
  return out;
}

struct RegistryEntry {
  std::string help;
  RewardFactory factory;
};

struct Registry {
  std::mutex mutex;
  std::map<std::string, RegistryEntry> entries;  // by reward name
};

Registry& storage() {
  static Registry instance;
  return instance;
}

// True on the thread that is running register_builtin_rewards(), whose register_reward calls
// must not re-enter the call_once below.
thread_local bool registering_builtins = false;

// Adds the built-ins once, before anything else reads or changes the registry, so that a user
// program's register_reward("accuracy", ...) replaces the built-in rather than being replaced.
void ensure_builtins() {
  if (registering_builtins) return;
  static std::once_flag once;
  std::call_once(once, [] {
    registering_builtins = true;
    try {
      register_builtin_rewards();
    } catch (...) {
      registering_builtins = false;
      throw;
    }
    registering_builtins = false;
  });
}

}  // namespace

// ---- RewardOptions ------------------------------------------------------------------------------

RewardOptions::RewardOptions(std::map<std::string, std::string> values, std::string where)
    : values_(std::move(values)), where_(std::move(where)) {}

void RewardOptions::fail(const std::string& key, const std::string& message) const {
  R1F_THROW(ConfigError, where_, ": option '", key, "': ", message);
}

std::string RewardOptions::get_string(const std::string& key, const std::string& fallback) {
  read_.push_back(key);
  auto found = values_.find(key);
  return found == values_.end() ? fallback : found->second;
}

double RewardOptions::get_double(const std::string& key, double fallback) {
  read_.push_back(key);
  auto found = values_.find(key);
  if (found == values_.end()) return fallback;
  const std::string text = trim(found->second);
  errno = 0;
  char* end = nullptr;
  double value = text.empty() ? 0.0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    fail(key, "expected a number, found '" + found->second + "'");
  }
  if (!std::isfinite(value)) fail(key, "expected a finite number, found '" + found->second + "'");
  return value;
}

int64_t RewardOptions::get_int(const std::string& key, int64_t fallback) {
  read_.push_back(key);
  auto found = values_.find(key);
  if (found == values_.end()) return fallback;
  const std::string text = trim(found->second);
  int64_t value = 0;
  const char* first = text.data();
  if (!text.empty() && text[0] == '+') ++first;
  auto [end, error] = std::from_chars(first, text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    fail(key, "expected an integer, found '" + found->second + "'");
  }
  return value;
}

bool RewardOptions::get_bool(const std::string& key, bool fallback) {
  read_.push_back(key);
  auto found = values_.find(key);
  if (found == values_.end()) return fallback;
  std::string text = trim(found->second);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  fail(key, "expected true or false, found '" + found->second + "'");
}

std::vector<std::string> RewardOptions::get_list(const std::string& key,
                                                 const std::vector<std::string>& fallback) {
  read_.push_back(key);
  auto found = values_.find(key);
  if (found == values_.end()) return fallback;
  std::vector<std::string> items;
  const std::string& text = found->second;
  if (trim(text).empty()) return items;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = trim(std::string_view(text).substr(
        start, comma == std::string::npos ? std::string::npos : comma - start));
    if (item.empty()) fail(key, "empty item in the comma-separated list '" + text + "'");
    items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

void RewardOptions::finish() const {
  std::vector<std::string> known = read_;
  std::sort(known.begin(), known.end());
  known.erase(std::unique(known.begin(), known.end()), known.end());
  for (const auto& [key, value] : values_) {
    if (std::binary_search(known.begin(), known.end(), key)) continue;
    std::string message = where_ + ": unknown option '" + key + "'";
    std::string hint = closest_key(key, known);
    for (const std::string& candidate : known) {  // a shortened name: "ngram" for "ngram_size"
      if (hint.empty() && key.size() >= 3 && candidate.starts_with(key)) hint = candidate;
    }
    if (!hint.empty()) message += " (did you mean '" + hint + "'?)";
    message += known.empty() ? "; this reward takes no options"
                             : "; accepted options: " + join(known, ", ");
    R1F_THROW(ConfigError, message);
  }
}

// ---- registry -----------------------------------------------------------------------------------

void register_reward(const std::string& name, std::string help, RewardFactory factory) {
  R1F_CHECK(!name.empty() && factory, "a reward needs a name and a factory");
  ensure_builtins();
  Registry& instance = storage();
  std::lock_guard<std::mutex> lock(instance.mutex);
  instance.entries[name] = {std::move(help), std::move(factory)};
}

std::vector<RewardInfo> registered_rewards() {
  ensure_builtins();
  Registry& instance = storage();
  std::lock_guard<std::mutex> lock(instance.mutex);
  std::vector<RewardInfo> out;
  for (const auto& [name, entry] : instance.entries) out.push_back({name, entry.help});
  return out;  // std::map keeps them sorted by name
}

std::unique_ptr<RewardFunction> make_reward(const RewardSpec& spec, const std::string& where) {
  ensure_builtins();
  RewardFactory factory;
  std::vector<std::string> names;
  {
    Registry& instance = storage();
    std::lock_guard<std::mutex> lock(instance.mutex);
    auto found = instance.entries.find(spec.name);
    if (found != instance.entries.end()) factory = found->second.factory;
    for (const auto& entry : instance.entries) names.push_back(entry.first);
  }
  if (!factory) {
    std::string message = where + ": unknown reward '" + spec.name + "'";
    std::string hint = closest_key(spec.name, names);
    if (!hint.empty()) message += " (did you mean '" + hint + "'?)";
    R1F_THROW(ConfigError, message, "; registered rewards: ", join(names, ", "));
  }
  RewardOptions options(spec.options, where + " (" + spec.name + ")");
  std::unique_ptr<RewardFunction> function = factory(options);
  R1F_CHECK(function != nullptr, "the factory of reward '", spec.name, "' returned null");
  options.finish();
  return function;
}

// ---- RewardSet ----------------------------------------------------------------------------------

RewardSet::RewardSet(const std::vector<RewardSpec>& specs, const std::string& where) {
  R1F_CHECK_CONFIG(!specs.empty(), where, ": the list of rewards is empty; name at least one",
                   " (e.g. {name: accuracy})");
  for (size_t i = 0; i < specs.size(); ++i) {
    const RewardSpec& spec = specs[i];
    const std::string item = where + "[" + std::to_string(i) + "]";
    R1F_CHECK_CONFIG(std::isfinite(spec.weight), item, ": weight must be finite");
    const std::string label = spec.metric_name();
    auto previous = std::find(labels_.begin(), labels_.end(), label);
    if (previous != labels_.end()) {
      R1F_THROW(ConfigError, item, ": label '", label, "' is already used by ", where, "[",
                previous - labels_.begin(),
                "]; give one of them a distinct `label:` (metrics are logged as rewards/<label>)");
    }
    functions_.push_back(make_reward(spec, item));
    labels_.push_back(label);
    weights_.push_back(spec.weight);
  }
  last_seconds_.assign(functions_.size(), 0.0);
  source_of_.assign(functions_.size(), -1);
}

void RewardSet::append_source(RewardSet&& rewards, int64_t source, const std::string& name) {
  for (size_t f = 0; f < rewards.functions_.size(); ++f) {
    functions_.push_back(std::move(rewards.functions_[f]));
    labels_.push_back(name + "/" + rewards.labels_[f]);
    weights_.push_back(rewards.weights_[f]);
    last_seconds_.push_back(0.0);
    source_of_.push_back(source);
  }
}

std::vector<std::vector<RewardScore>> RewardSet::score(const std::vector<RewardSample>& batch) {
  for (size_t i = 0; i < batch.size(); ++i) {
    R1F_CHECK(batch[i].metadata != nullptr, "reward sample ", i, " has no metadata");
  }
  std::vector<std::vector<RewardScore>> scores;
  scores.reserve(functions_.size());
  for (size_t f = 0; f < functions_.size(); ++f) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<RewardScore> column;
    if (source_of_[f] < 0) {
      column = functions_[f]->score(batch);
    } else {
      // A source's reward scores that source's samples only (a reward model is not run on
      // reasoning rows); the others get none, which the combined reward skips.
      std::vector<RewardSample> mine;
      std::vector<size_t> positions;
      for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].source != source_of_[f]) continue;
        mine.push_back(batch[i]);
        positions.push_back(i);
      }
      std::vector<RewardScore> part =
          mine.empty() ? std::vector<RewardScore>{} : functions_[f]->score(mine);
      R1F_CHECK(part.size() == mine.size(), "reward '", labels_[f], "' returned ", part.size(),
                " scores for ", mine.size(), " samples");
      column.assign(batch.size(), std::nullopt);
      for (size_t k = 0; k < positions.size(); ++k) column[positions[k]] = part[k];
    }
    last_seconds_[f] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    R1F_CHECK(column.size() == batch.size(), "reward '", labels_[f], "' returned ", column.size(),
              " scores for ", batch.size(), " samples");
    for (size_t i = 0; i < column.size(); ++i) {
      R1F_CHECK(!column[i] || std::isfinite(*column[i]), "reward '", labels_[f],
                "' returned a non-finite score (", *column[i], ") for sample ", i,
                "; return nullopt (none) for a sample it cannot score");
    }
    scores.push_back(std::move(column));
  }
  return scores;
}

std::vector<bool> RewardSet::running_normalization() const {
  std::vector<bool> flags;
  for (const auto& function : functions_) flags.push_back(function->running_normalization());
  return flags;
}

void RewardSet::refuse_running_normalization(const std::string& where,
                                             const std::string& uses) const {
  for (size_t f = 0; f < functions_.size(); ++f) {
    R1F_CHECK_CONFIG(!functions_[f]->running_normalization(), where, " (", labels_[f],
                     "): normalize: running is for GRPO stages (statistics of the scores seen in "
                     "training); ",
                     uses, " raw scores, so remove it here");
  }
}

std::map<std::string, double> RewardSet::diagnostics() const {
  std::map<std::string, double> out = diagnostics_baseline_;
  for (size_t f = 0; f < functions_.size(); ++f) {
    for (const auto& [key, value] : functions_[f]->diagnostics()) {
      out[labels_[f] + "/" + key] += value;
    }
  }
  return out;
}

}  // namespace r1forge
