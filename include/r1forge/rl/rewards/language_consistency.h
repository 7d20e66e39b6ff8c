// The `language_consistency` reward (DeepSeek-R1 Nature eq. 7): the share of the words of the
// chain of thought written in the target language, in [0, 1]. Language means writing system
// here (unicode_script.h): a Latin-script word counts as English, French, ...; each Han
// character is one word; digits, punctuation, symbols, LaTeX commands, $...$ math, tags such
// as <think>, and single Latin letters (variables) are neutral and not counted. None when the
// region has no countable word or the target language is unknown. The target comes from the
// row's language field, else the `language` option, else the question's own script
// (RewardSample::question: the raw question, so the prompt template's English does not count).
// Not here: telling apart languages that share a script (en vs fr).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/rl/reward.h"
#include "r1forge/rl/rewards/unicode_script.h"

namespace r1forge {

struct WordCounts {
  int64_t total = 0;
  std::vector<std::pair<unicode::Script, int64_t>> by_script;  // scripts with >= 1 word
  int64_t count(unicode::Script script) const;
};

// Counts words by script, skipping LaTeX math and commands (see the file comment).
WordCounts count_words(std::string_view text);

// The scripts a language code writes in ("en" -> Latin, "zh" -> Han, "ja" -> Han + kana, ...;
// a script name such as "cyrillic" is accepted too). Empty for an unknown code.
std::vector<unicode::Script> scripts_of_language(std::string_view code);

// The writing system `text` is mostly in, as a language target: its most frequent script by
// words, or Japanese (Han + kana) when it has any kana. Empty when it has no countable word.
// Both the reward and rejection sampling's language-mixing filter infer a question's target
// language with this, from the question itself (RewardSample::question), never from the
// templated prompt.
std::vector<unicode::Script> dominant_scripts(std::string_view text);

// The part of a completion that is the chain of thought: inside <think>...</think> (from the
// start when the prompt opened the block), up to the end when </think> is missing, or the
// whole completion when there are no think tags.
std::string_view thinking_region(std::string_view completion);

// Target-word share of `text`, or nullopt when it has no countable word.
std::optional<double> language_share(std::string_view text,
                                     const std::vector<unicode::Script>& target);

extern const char* const kLanguageConsistencyHelp;
std::unique_ptr<RewardFunction> make_language_consistency_reward(RewardOptions& options);

}  // namespace r1forge
