// Interim reward registry and weighted set (no built-ins yet); see rl/reward.h.
#include "r1forge/rl/reward.h"

#include <algorithm>
#include <mutex>
#include <set>

#include "r1forge/core/check.h"
#include "r1forge/core/timer.h"

namespace r1forge {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::pair<std::string, RewardFactory>> entries;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

RewardOptions::RewardOptions(std::map<std::string, std::string> values, std::string where)
    : values_(std::move(values)), where_(std::move(where)) {}

std::string RewardOptions::get_string(const std::string& key, const std::string& fallback) {
  read_.push_back(key);
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

double RewardOptions::get_double(const std::string& key, double fallback) {
  read_.push_back(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    double value = std::stod(it->second, &used);
    if (used == it->second.size()) return value;
  } catch (const std::exception&) {
  }
  fail(key, "expected a number, found '" + it->second + "'");
}

int64_t RewardOptions::get_int(const std::string& key, int64_t fallback) {
  read_.push_back(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    int64_t value = std::stoll(it->second, &used);
    if (used == it->second.size()) return value;
  } catch (const std::exception&) {
  }
  fail(key, "expected an integer, found '" + it->second + "'");
}

bool RewardOptions::get_bool(const std::string& key, bool fallback) {
  read_.push_back(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  fail(key, "expected true or false, found '" + it->second + "'");
}

std::vector<std::string> RewardOptions::get_list(const std::string& key,
                                                 const std::vector<std::string>& fallback) {
  read_.push_back(key);
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  std::vector<std::string> items;
  std::string item;
  for (char c : it->second + ",") {
    if (c == ',') {
      const size_t first = item.find_first_not_of(' ');
      if (first != std::string::npos)
        items.push_back(item.substr(first, item.find_last_not_of(' ') - first + 1));
      item.clear();
    } else {
      item += c;
    }
  }
  return items;
}

void RewardOptions::fail(const std::string& key, const std::string& message) const {
  R1F_THROW(ConfigError, where_, ".options.", key, ": ", message);
}

void RewardOptions::finish() const {
  for (const auto& [key, value] : values_) {
    if (std::find(read_.begin(), read_.end(), key) == read_.end()) {
      std::string known;
      for (const auto& name : read_) known += (known.empty() ? "" : ", ") + name;
      R1F_THROW(ConfigError, where_, ".options: unknown key '", key,
                "' (this reward reads: ", known.empty() ? "no options" : known, ")");
    }
  }
}

void register_reward(const std::string& name, std::string help, RewardFactory factory) {
  std::lock_guard<std::mutex> lock(registry().mutex);
  registry().entries[name] = {std::move(help), std::move(factory)};
}

std::vector<RewardInfo> registered_rewards() {
  std::lock_guard<std::mutex> lock(registry().mutex);
  std::vector<RewardInfo> infos;
  for (const auto& [name, entry] : registry().entries) infos.push_back({name, entry.first});
  return infos;
}

std::unique_ptr<RewardFunction> make_reward(const RewardSpec& spec, const std::string& where) {
  RewardFactory factory;
  {
    std::lock_guard<std::mutex> lock(registry().mutex);
    auto it = registry().entries.find(spec.name);
    if (it != registry().entries.end()) factory = it->second.second;
  }
  if (!factory) {
    std::string names;
    for (const auto& info : registered_rewards()) names += (names.empty() ? "" : ", ") + info.name;
    R1F_THROW(ConfigError, where, ": unknown reward '", spec.name, "' (registered: ", names, ")");
  }
  RewardOptions options(spec.options, where);
  std::unique_ptr<RewardFunction> function = factory(options);
  options.finish();
  return function;
}

RewardSet::RewardSet(const std::vector<RewardSpec>& specs, const std::string& where) {
  R1F_CHECK_CONFIG(!specs.empty(), where, ": no rewards listed");
  std::set<std::string> labels;
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string item = where + "." + std::to_string(i) + " (" + specs[i].name + ")";
    R1F_CHECK_CONFIG(labels.insert(specs[i].metric_name()).second, item, ": the label '",
                     specs[i].metric_name(), "' is used twice; give one of them a label");
    functions_.push_back(make_reward(specs[i], item));
    labels_.push_back(specs[i].metric_name());
    weights_.push_back(specs[i].weight);
  }
  last_seconds_.assign(functions_.size(), 0.0);
}

std::vector<std::vector<RewardScore>> RewardSet::score(const std::vector<RewardSample>& batch) {
  std::vector<std::vector<RewardScore>> scores;
  for (size_t f = 0; f < functions_.size(); ++f) {
    Timer timer;
    scores.push_back(functions_[f]->score(batch));
    last_seconds_[f] = timer.seconds();
    R1F_CHECK(scores.back().size() == batch.size(), "reward '", labels_[f], "' returned ",
              scores.back().size(), " scores for ", batch.size(), " samples");
  }
  return scores;
}

std::map<std::string, double> RewardSet::diagnostics() const {
  std::map<std::string, double> all;
  for (size_t f = 0; f < functions_.size(); ++f) {
    for (const auto& [key, value] : functions_[f]->diagnostics())
      all[labels_[f] + "/" + key] = value;
  }
  return all;
}

}  // namespace r1forge
