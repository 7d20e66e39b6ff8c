// DeepSeek-R1's readability filters for rejection-sampled reasoning (R1 paper §2.3.3: "we
// have filtered out chain-of-thought with mixed languages, long paragraphs, and code blocks"),
// as pure functions of one sample: language mixing inside <think>, overlong (truncated or over
// a token budget), repeated n-grams (loops), and ``` code blocks in the reasoning (off by
// default), plus the normalised text key rejection sampling dedupes on.
// Each filter has its knob in ReadabilityFilterConfig; the first filter that rejects a sample
// names it. Not here: correctness (rl/reward.h), the stage loop (rejection_stage.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/rl/reward.h"
#include "r1forge/rl/rewards/unicode_script.h"

namespace r1forge {

struct ReadabilityFilterConfig {
  // ---- language mixing: share of the <think> block's letters outside the target script.
  // R1 states no number; 0.1 lets a Chinese trace name an English term or two but not switch
  // language midway. 1 = off.
  double max_foreign_letter_share = 0.1;
  // Fewer counted letters than this in the think block: too short to judge, never rejected.
  int64_t min_letters_for_mixing = 20;
  // Metadata field naming the target language (en, zh, ...); without it, the raw prompt's
  // dominant script is the target (as the language_consistency reward does).
  std::string language_field = "language";
  // ---- overlong
  bool reject_truncated = true;  // the completion hit max_completion_length (no final answer)
  int64_t max_tokens = 0;        // reject completions longer than this; 0 = off
  // ---- repeated n-grams: 1 - distinct n-grams / all n-grams over the whole completion.
  // n = 8 words: natural reasoning almost never repeats an 8-word span, while a degenerate
  // loop repeats little else, so the share separates the two sharply. 1 = off.
  int64_t ngram_size = 8;
  double max_repeated_ngram_share = 0.2;
  std::string ngram_unit = "word";  // word (whitespace split, lower-cased) | token (ids)
  // ---- code blocks: ``` inside <think>. R1 removed them; off by default because code tasks
  // legitimately draft code while thinking.
  bool reject_code_in_thinking = false;

  bool operator==(const ReadabilityFilterConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("max_foreign_letter_share", max_foreign_letter_share,
            "language mixing: reject when this share of <think> letters is outside the target "
            "script; 1 = off",
            RealRange{0.0, 1.0});
    v.field("min_letters_for_mixing", min_letters_for_mixing,
            "language mixing: think blocks with fewer letters are not judged",
            IntRange{0, INT64_MAX});
    v.field("language_field", language_field,
            "metadata field with the target language; absent = the prompt's script");
    v.field("reject_truncated", reject_truncated,
            "overlong: reject completions cut by max_completion_length");
    v.field("max_tokens", max_tokens, "overlong: reject completions above this; 0 = off",
            IntRange{0, INT64_MAX});
    v.field("ngram_size", ngram_size, "repetition: n of the n-grams", IntRange{1, 1 << 16});
    v.field("max_repeated_ngram_share", max_repeated_ngram_share,
            "repetition: reject above this 1 - distinct/all n-grams; 1 = off", RealRange{0.0, 1.0});
    v.field("ngram_unit", ngram_unit, "repetition: n-grams of words or token ids",
            OneOf{"word", "token"});
    v.field("reject_code_in_thinking", reject_code_in_thinking,
            "reject completions with a ``` code block inside <think>");
  }
};

// What the filters see of one sample.
struct ReadabilitySample {
  std::string_view prompt;      // the raw problem text (before the prompt template)
  std::string_view completion;  // the decoded completion
  const std::vector<int64_t>* token_ids = nullptr;  // [L]; needed for ngram_unit token
  int64_t completion_tokens = 0;                    // L
  bool truncated = false;                           // generation hit max_new_tokens
  const nlohmann::json* metadata = nullptr;         // the dataset row; may be null
};

// The filters' view of a sample the rewards scored: its question (RewardSample::question, the
// raw problem text), completion, length, truncation and row, so the language-mixing filter
// and the language_consistency reward read one target; `token_ids` [L] may be null.
ReadabilitySample readability_sample(const RewardSample& sample,
                                     const std::vector<int64_t>* token_ids);

// Filter names, in the order the filters run (cheapest first); the stage's stats use them.
inline constexpr const char* kFilterOverlong = "overlong";
inline constexpr const char* kFilterLanguageMixing = "language_mixing";
inline constexpr const char* kFilterRepetition = "repetition";
inline constexpr const char* kFilterCodeInThinking = "code_in_thinking";
std::vector<std::string> readability_filter_names();

// The name of the first filter that rejects `sample`, or nullopt when all pass.
std::optional<std::string> first_rejecting_filter(const ReadabilitySample& sample,
                                                  const ReadabilityFilterConfig& config);

// ---- the filters one by one (each true = reject) and their measures ----
bool is_overlong(const ReadabilitySample& sample, const ReadabilityFilterConfig& config);
bool has_language_mixing(const ReadabilitySample& sample, const ReadabilityFilterConfig& config);
bool has_repeated_ngrams(const ReadabilitySample& sample, const ReadabilityFilterConfig& config);
bool has_code_in_thinking(std::string_view completion);

// Letters of `text` by script: LaTeX commands (\frac), markup tags (<think>) and lone Latin
// letters (variables such as x) are not counted; digits and punctuation are not letters.
struct LetterCounts {
  int64_t total = 0;
  int64_t in_target = 0;
};
LetterCounts count_letters(std::string_view text, const std::vector<unicode::Script>& target);
// The target scripts: metadata[language_field] when it is a known language code, else the
// dominant script of `prompt`; empty when neither tells (the mixing filter then passes).
std::vector<unicode::Script> target_scripts(std::string_view prompt,
                                            const nlohmann::json* metadata,
                                            const std::string& language_field);
// 1 - distinct/all n-grams of the lower-cased whitespace-separated words; 0 when fewer than n.
double repeated_word_ngram_share(std::string_view text, int64_t n);
// The same over token ids.
double repeated_token_ngram_share(const std::vector<int64_t>& ids, int64_t n);

// The key two samples share when they are the same answer to the same prompt up to case and
// whitespace: lower-cased ASCII, whitespace runs collapsed to one space, ends trimmed.
std::string normalize_for_dedupe(std::string_view text);
std::string dedupe_key(std::string_view prompt, std::string_view completion);

}  // namespace r1forge
