// Readability filters and the dedupe key; see pipeline/readability_filters.h.
#include "r1forge/pipeline/readability_filters.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "r1forge/rl/rewards/language_consistency.h"
#include "r1forge/rl/rewards/repetition.h"

namespace r1forge {
namespace {

using unicode::is_ascii_letter;
using unicode::Script;
using unicode::skip_markup_tag;

}  // namespace

std::vector<std::string> readability_filter_names() {
  return {kFilterOverlong, kFilterLanguageMixing, kFilterRepetition, kFilterCodeInThinking};
}

std::optional<std::string> first_rejecting_filter(const ReadabilitySample& sample,
                                                  const ReadabilityFilterConfig& config) {
  if (is_overlong(sample, config)) return kFilterOverlong;
  if (has_language_mixing(sample, config)) return kFilterLanguageMixing;
  if (has_repeated_ngrams(sample, config)) return kFilterRepetition;
  if (config.reject_code_in_thinking && has_code_in_thinking(sample.completion)) {
    return kFilterCodeInThinking;
  }
  return std::nullopt;
}

bool is_overlong(const ReadabilitySample& sample, const ReadabilityFilterConfig& config) {
  if (config.reject_truncated && sample.truncated) return true;
  return config.max_tokens > 0 && sample.completion_tokens > config.max_tokens;
}

bool has_language_mixing(const ReadabilitySample& sample, const ReadabilityFilterConfig& config) {
  if (config.max_foreign_letter_share >= 1.0) return false;
  const std::vector<Script> target =
      target_scripts(sample.prompt, sample.metadata, config.language_field);
  if (target.empty()) return false;  // nothing to compare against
  const LetterCounts counts = count_letters(thinking_region(sample.completion), target);
  if (counts.total == 0 || counts.total < config.min_letters_for_mixing) return false;
  const double foreign =
      static_cast<double>(counts.total - counts.in_target) / static_cast<double>(counts.total);
  return foreign > config.max_foreign_letter_share;
}

bool has_repeated_ngrams(const ReadabilitySample& sample, const ReadabilityFilterConfig& config) {
  if (config.max_repeated_ngram_share >= 1.0) return false;
  double share = 0.0;
  if (config.ngram_unit == "token") {
    if (sample.token_ids == nullptr) return false;  // callers without ids cannot use this unit
    share = repeated_token_ngram_share(*sample.token_ids, config.ngram_size);
  } else {
    share = repeated_word_ngram_share(sample.completion, config.ngram_size);
  }
  return share > config.max_repeated_ngram_share;
}

bool has_code_in_thinking(std::string_view completion) {
  return thinking_region(completion).find("```") != std::string_view::npos;
}

LetterCounts count_letters(std::string_view utf8, const std::vector<Script>& target) {
  const std::vector<char32_t> text = unicode::decode_utf8(utf8);
  LetterCounts counts;
  size_t i = 0;
  while (i < text.size()) {
    if (const size_t after = skip_markup_tag(text, i); after != i) {
      i = after;
      continue;
    }
    if (text[i] == '\\') {  // a LaTeX command: its name is markup, not prose
      ++i;
      while (i < text.size() && is_ascii_letter(text[i])) ++i;
      continue;
    }
    const Script script = unicode::script_of(text[i]);
    if (script == Script::NEUTRAL) {
      ++i;
      continue;
    }
    // A run of letters of one script (combining marks continue it).
    size_t end = i + 1;
    int64_t letters = 1;
    while (end < text.size() && !unicode::is_ideographic(script) &&
           (unicode::script_of(text[end]) == script || unicode::is_combining_mark(text[end]))) {
      if (!unicode::is_combining_mark(text[end])) ++letters;
      ++end;
    }
    // A lone Latin letter is a variable (x, n) in any language's mathematics.
    if (!(script == Script::LATIN && letters == 1)) {
      counts.total += letters;
      if (std::find(target.begin(), target.end(), script) != target.end()) {
        counts.in_target += letters;
      }
    }
    i = end;
  }
  return counts;
}

ReadabilitySample readability_sample(const RewardSample& sample,
                                     const std::vector<int64_t>* token_ids) {
  ReadabilitySample out;
  out.prompt = sample.question;
  out.completion = sample.completion;
  out.token_ids = token_ids;
  out.completion_tokens = sample.completion_tokens;
  out.truncated = sample.truncated;
  out.metadata = sample.metadata;
  return out;
}

std::vector<Script> target_scripts(std::string_view prompt,
                                   const nlohmann::json* metadata,
                                   const std::string& language_field) {
  if (metadata != nullptr && metadata->is_object()) {
    auto it = metadata->find(language_field);
    if (it != metadata->end() && it->is_string()) {
      std::vector<Script> scripts = scripts_of_language(it->get_ref<const std::string&>());
      if (!scripts.empty()) return scripts;
    }
  }
  return dominant_scripts(prompt);
}

double repeated_word_ngram_share(std::string_view text, int64_t n) {
  // repetition_penalty is (1 - distinct/all) * max_penalty; max_penalty -1 gives minus the share.
  return std::max(0.0, -repetition_penalty(text, n, /*max_penalty=*/-1.0));
}

double repeated_token_ngram_share(const std::vector<int64_t>& ids, int64_t n) {
  const size_t size = static_cast<size_t>(n);
  if (n < 1 || ids.size() < size) return 0.0;
  std::set<std::vector<int64_t>> distinct;
  const size_t total = ids.size() - size + 1;
  for (size_t i = 0; i < total; ++i) {
    distinct.emplace(ids.begin() + static_cast<std::ptrdiff_t>(i),
                     ids.begin() + static_cast<std::ptrdiff_t>(i + size));
  }
  return 1.0 - static_cast<double>(distinct.size()) / static_cast<double>(total);
}

std::string normalize_for_dedupe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isspace(byte)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(static_cast<char>(std::tolower(byte)));
  }
  return out;
}

std::string dedupe_key(std::string_view prompt, std::string_view completion) {
  // U+001F (unit separator) keeps the two apart: normalisation leaves it (it is not
  // whitespace) and text practically never contains it.
  return normalize_for_dedupe(prompt) + '\x1f' + normalize_for_dedupe(completion);
}

}  // namespace r1forge
