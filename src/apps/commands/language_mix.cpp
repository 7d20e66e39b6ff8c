// `r1forge language-mix`: how often a run's chains of thought leave the question's language,
// counted exactly as the language_consistency reward counts (count_words on thinking_region,
// target scripts from scripts_of_language / dominant_scripts), so the figure and the reward agree.
// Reads samples JSONL with "completion" and "prompt" strings: a stage's eval_samples.jsonl,
// `r1forge eval --output` FILE_samples.jsonl, or a GRPO stage's samples.jsonl. The target: the
// line's "language" field, else (--data) the language field of the problem row its "line"
// names, else --language, else the prompt's dominant script (as the reward without a language
// field; a GRPO line's prompt is templated, so pass --language there).
// Prints one JSON object per target language. Not here: the reward itself (rl/rewards/).
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/rl/rewards/language_consistency.h"

namespace r1forge::app {
namespace {

using unicode::Script;

struct LanguageMixOptions {
  std::string samples;
  std::string data;      // the problems file of eval samples: their "line" names its row
  std::string language;  // empty: each line's language field, else its prompt's script
  std::string output;    // empty: standard output only
};

const char* script_name(Script script) {
  switch (script) {
    case Script::LATIN: return "latin";
    case Script::GREEK: return "greek";
    case Script::CYRILLIC: return "cyrillic";
    case Script::ARMENIAN: return "armenian";
    case Script::HEBREW: return "hebrew";
    case Script::ARABIC: return "arabic";
    case Script::DEVANAGARI: return "devanagari";
    case Script::BENGALI: return "bengali";
    case Script::THAI: return "thai";
    case Script::HANGUL: return "hangul";
    case Script::HIRAGANA: return "hiragana";
    case Script::KATAKANA: return "katakana";
    case Script::HAN: return "han";
    case Script::NEUTRAL: break;
  }
  return "neutral";
}

// Counts of one target language's completions.
struct Tally {
  int64_t completions = 0;
  int64_t with_words = 0;           // the think block has >= 1 countable word (the reward scores)
  int64_t any_off_target = 0;       // >= 1 word outside the target scripts (reward < 1)
  int64_t majority_off_target = 0;  // more than half the words outside them (reward < 0.5)
  double reward_sum = 0.0;          // language_consistency over the scored completions
  int64_t judged = 0;               // lines with a boolean "correct" field
  int64_t correct = 0;
};

double share(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

void run_language_mix(const LanguageMixOptions& options) {
  if (!options.language.empty()) {
    R1F_CHECK_USAGE(!scripts_of_language(options.language).empty(), "language-mix: --language '",
                    options.language, "' is not a known language code (en, zh, ja, ru, ...)");
  }
  // Line number -> language field of the problems file (eval samples carry "line", not the row).
  std::map<int64_t, std::string> data_languages;
  if (!options.data.empty()) {
    JsonlReader data(options.data);
    JsonlLine row;
    while (data.next(row)) {
      auto field = row.value.is_object() ? row.value.find("language") : row.value.end();
      if (field != row.value.end() && field->is_string()) {
        data_languages[row.line_number] = field->get<std::string>();
      }
    }
  }
  JsonlReader reader(options.samples);
  JsonlLine line;
  std::map<std::string, Tally> tallies;
  int64_t lines = 0, unknown_language = 0;
  while (reader.next(line)) {
    ++lines;
    const nlohmann::json& value = line.value;
    auto text = [&](const char* key) -> const std::string& {
      auto field = value.is_object() ? value.find(key) : value.end();
      R1F_CHECK_DATA(value.is_object() && field != value.end() && field->is_string(),
                     reader.where(line), ": expected an object with a \"", key, "\" string");
      return field->get_ref<const std::string&>();
    };
    const std::string& completion = text("completion");
    std::string label;
    std::vector<Script> target;
    if (auto field = value.find("language"); field != value.end()) {
      R1F_CHECK_DATA(field->is_string(), reader.where(line), ": \"language\" is not a string");
      label = field->get<std::string>();
      target = scripts_of_language(label);
    } else if (!options.data.empty()) {
      auto number = value.find("line");
      R1F_CHECK_DATA(number != value.end() && number->is_number_integer(), reader.where(line),
                     ": --data needs a \"line\" field (the problem's line in ", options.data, ")");
      auto found = data_languages.find(number->get<int64_t>());
      R1F_CHECK_DATA(found != data_languages.end(), reader.where(line), ": line ", *number, " of ",
                     options.data, " has no \"language\" string");
      label = found->second;
      target = scripts_of_language(label);
    } else if (!options.language.empty()) {
      label = options.language;
      target = scripts_of_language(label);
    } else {
      target = dominant_scripts(text("prompt"));
      for (Script script : target)
        label += std::string(label.empty() ? "" : "+") + script_name(script);
    }
    if (target.empty()) {  // the reward scores none too
      ++unknown_language;
      continue;
    }
    Tally& tally = tallies[label];
    ++tally.completions;
    const WordCounts words = count_words(thinking_region(completion));
    if (words.total > 0) {
      int64_t on_target = 0;
      for (Script script : target) on_target += words.count(script);
      const int64_t off_target = words.total - on_target;
      ++tally.with_words;
      tally.any_off_target += off_target > 0;
      tally.majority_off_target += 2 * off_target > words.total;
      tally.reward_sum += static_cast<double>(on_target) / static_cast<double>(words.total);
    }
    if (auto correct = value.find("correct"); correct != value.end() && correct->is_boolean()) {
      ++tally.judged;
      tally.correct += correct->get<bool>();
    }
  }
  R1F_CHECK_DATA(lines > 0, options.samples, ": no samples");

  nlohmann::ordered_json by_language = nlohmann::ordered_json::object();
  for (const auto& [label, t] : tallies) {
    nlohmann::ordered_json entry = {
        {"completions", t.completions},
        {"with_words", t.with_words},
        {"any_off_target", share(t.any_off_target, t.completions)},
        {"majority_off_target", share(t.majority_off_target, t.completions)},
        {"language_consistency",
         t.with_words > 0 ? nlohmann::ordered_json(t.reward_sum / static_cast<double>(t.with_words))
                          : nlohmann::ordered_json(nullptr)}};
    entry["accuracy"] = t.judged > 0 ? nlohmann::ordered_json(share(t.correct, t.judged))
                                     : nlohmann::ordered_json(nullptr);
    by_language[label] = entry;
  }
  nlohmann::ordered_json report = {{"samples", options.samples},
                                   {"lines", lines},
                                   {"unknown_language", unknown_language},
                                   {"by_language", by_language}};
  if (!options.output.empty()) atomic_write_file(options.output, report.dump(2) + "\n");
  std::cout << report.dump(2) << "\n";
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<LanguageMixOptions>();
  CLI::App* command = root.add_subcommand(
      "language-mix",
      "Share of completions whose <think> block has words outside the question's language "
      "(any / a majority), counted as the language_consistency reward counts; docs/rewards.md");
  command
      ->add_option("--samples", options->samples,
                   "samples JSONL with completion and prompt: eval_samples.jsonl, an eval "
                   "--output FILE_samples.jsonl, or a GRPO stage's samples.jsonl")
      ->required();
  command->add_option("--data", options->data,
                      "the problems JSONL the eval samples came from: each sample's \"line\" "
                      "picks the row whose language field is its target");
  command->add_option("--language", options->language,
                      "target language for lines without a language field (default: the "
                      "prompt's dominant script; give it for templated GRPO prompts)");
  command->add_option("--output", options->output, "also write the JSON report to this file");
  return [options] { run_language_mix(*options); };
}

CommandRegistration registration(28, setup);

}  // namespace
}  // namespace r1forge::app
