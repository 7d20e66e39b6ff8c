// The `language_consistency` reward; see include/r1forge/rl/rewards/language_consistency.h.
#include "r1forge/rl/rewards/language_consistency.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "r1forge/rl/rewards/metadata.h"

namespace r1forge {
namespace {

using unicode::is_ascii_letter;
using unicode::Script;
using unicode::skip_markup_tag;

// Index one past a LaTeX math span starting at i ($...$, $$...$$, \(...\), \[...\]) of at most
// 4000 characters (so unclosed dollars cost linear time); i if none.
size_t skip_math(const std::vector<char32_t>& text, size_t i) {
  auto find = [&](size_t from, char32_t a, char32_t b) -> size_t {
    const size_t limit = std::min(text.size(), from + 4000);
    for (size_t k = from; k + (b ? 1 : 0) < limit; ++k) {
      if (text[k] == a && (!b || text[k + 1] == b)) return k;
    }
    return text.size();
  };
  if (text[i] == '$') {
    bool display = i + 1 < text.size() && text[i + 1] == '$';
    size_t close = display ? find(i + 2, '$', '$') : find(i + 1, '$', 0);
    if (close >= text.size()) return i;
    return close + (display ? 2 : 1);
  }
  if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '(' || text[i + 1] == '[')) {
    size_t close = find(i + 2, '\\', text[i + 1] == '(' ? ')' : ']');
    if (close >= text.size()) return i;
    return close + 2;
  }
  return i;
}

class LanguageConsistencyReward : public RewardFunction {
 public:
  LanguageConsistencyReward(std::string field, std::string fixed_language, bool whole_completion)
      : field_(std::move(field)),
        fixed_language_(std::move(fixed_language)),
        whole_completion_(whole_completion) {}

  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores;
    scores.reserve(batch.size());
    for (const RewardSample& sample : batch) scores.push_back(score_one(sample));
    return scores;
  }
  std::map<std::string, double> diagnostics() const override {
    return {{"unknown_language", static_cast<double>(unknown_language_)},
            {"no_words", static_cast<double>(no_words_)}};
  }

 private:
  std::string field_;
  std::string fixed_language_;
  bool whole_completion_;
  int64_t unknown_language_ = 0;
  int64_t no_words_ = 0;

  std::vector<Script> target_of(const RewardSample& sample) {
    if (const nlohmann::json* value = metadata_field(sample, field_)) {
      if (!value->is_string()) return {};
      return scripts_of_language(value->get_ref<const std::string&>());
    }
    if (!fixed_language_.empty()) return scripts_of_language(fixed_language_);
    // The question, not the prompt: a template such as R1-Zero's wraps a short Chinese question
    // in ~50 English words, which would make English the target.
    return dominant_scripts(sample.question);
  }

  RewardScore score_one(const RewardSample& sample) {
    std::vector<Script> target = target_of(sample);
    if (target.empty()) {
      ++unknown_language_;
      return std::nullopt;
    }
    std::string_view region =
        whole_completion_ ? sample.completion : thinking_region(sample.completion);
    std::optional<double> share = language_share(region, target);
    if (!share) ++no_words_;
    return share;
  }
};

}  // namespace

int64_t WordCounts::count(Script script) const {
  for (const auto& [s, n] : by_script) {
    if (s == script) return n;
  }
  return 0;
}

WordCounts count_words(std::string_view utf8) {
  const std::vector<char32_t> text = unicode::decode_utf8(utf8);
  std::map<Script, int64_t> counts;
  size_t i = 0;
  while (i < text.size()) {
    size_t after_markup = skip_math(text, i);
    if (after_markup == i) after_markup = skip_markup_tag(text, i);
    if (after_markup != i) {
      i = after_markup;
      continue;
    }
    if (text[i] == '\\') {  // a LaTeX command: \frac, \alpha
      ++i;
      while (i < text.size() && is_ascii_letter(text[i])) ++i;
      continue;
    }
    const Script script = unicode::script_of(text[i]);
    if (script == Script::NEUTRAL) {
      ++i;
      continue;
    }
    if (unicode::is_ideographic(script)) {
      ++counts[script];
      ++i;
      continue;
    }
    size_t end = i + 1;
    size_t letters = 1;
    while (end < text.size() &&
           (unicode::script_of(text[end]) == script || unicode::is_combining_mark(text[end]))) {
      if (!unicode::is_combining_mark(text[end])) ++letters;
      ++end;
    }
    // A single Latin letter is a variable (x, n) or too short to tell; it is neutral.
    if (!(script == Script::LATIN && letters == 1)) ++counts[script];
    i = end;
  }
  WordCounts out;
  for (const auto& [script, n] : counts) {
    out.by_script.emplace_back(script, n);
    out.total += n;
  }
  return out;
}

std::vector<Script> scripts_of_language(std::string_view code) {
  std::string key;
  for (char c : code) {
    if (c == '-' || c == '_') break;
    key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static const std::map<std::string, std::vector<Script>> kLanguages = [] {
    std::map<std::string, std::vector<Script>> m;
    for (const char* latin : {"en", "fr", "de", "es", "it", "pt", "nl", "sv", "da", "no",
                              "nb", "fi", "pl", "cs", "sk", "tr", "vi", "id", "ms", "ro",
                              "hu", "ca", "hr", "sl", "et", "lv", "lt", "sw", "tl", "latin"}) {
      m[latin] = {Script::LATIN};
    }
    for (const char* han : {"zh", "han", "chinese"}) m[han] = {Script::HAN};
    m["ja"] = {Script::HAN, Script::HIRAGANA, Script::KATAKANA};
    m["ko"] = {Script::HANGUL, Script::HAN};
    m["hangul"] = {Script::HANGUL};
    for (const char* cyrillic : {"ru", "uk", "bg", "sr", "be", "kk", "mk", "mn", "cyrillic"}) {
      m[cyrillic] = {Script::CYRILLIC};
    }
    for (const char* arabic : {"ar", "fa", "ur", "ps", "arabic"}) m[arabic] = {Script::ARABIC};
    for (const char* hebrew : {"he", "iw", "yi", "hebrew"}) m[hebrew] = {Script::HEBREW};
    for (const char* greek : {"el", "greek"}) m[greek] = {Script::GREEK};
    for (const char* deva : {"hi", "mr", "ne", "sa", "devanagari"}) m[deva] = {Script::DEVANAGARI};
    for (const char* bengali : {"bn", "as", "bengali"}) m[bengali] = {Script::BENGALI};
    for (const char* thai : {"th", "thai"}) m[thai] = {Script::THAI};
    for (const char* armenian : {"hy", "armenian"}) m[armenian] = {Script::ARMENIAN};
    return m;
  }();
  auto found = kLanguages.find(key);
  return found == kLanguages.end() ? std::vector<Script>{} : found->second;
}

std::vector<Script> dominant_scripts(std::string_view text) {
  const WordCounts words = count_words(text);
  if (words.total == 0) return {};
  // Japanese prose mixes kana and Han by design; kana anywhere makes the text Japanese.
  if (words.count(Script::HIRAGANA) + words.count(Script::KATAKANA) > 0) {
    return scripts_of_language("ja");
  }
  auto best = std::max_element(words.by_script.begin(), words.by_script.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return {best->first};
}

std::string_view thinking_region(std::string_view completion) {
  const size_t close = completion.find("</think>");
  const size_t open = completion.find("<think>");
  if (close == std::string_view::npos) {
    if (open == std::string_view::npos) return completion;
    return completion.substr(open + 7);  // truncated inside the thinking
  }
  size_t begin = (open != std::string_view::npos && open < close) ? open + 7 : 0;
  return completion.substr(begin, close - begin);
}

std::optional<double> language_share(std::string_view text, const std::vector<Script>& target) {
  WordCounts counts = count_words(text);
  if (counts.total == 0) return std::nullopt;
  int64_t in_target = 0;
  for (Script script : target) in_target += counts.count(script);
  return static_cast<double>(in_target) / static_cast<double>(counts.total);
}

const char* const kLanguageConsistencyHelp =
    "Share of the chain-of-thought words (inside <think>...</think>, else the whole completion) "
    "written in the target language's script, in [0, 1] (R1 eq. 7); Han characters count one "
    "word each; digits, punctuation, math and single Latin letters are not counted. None when "
    "there is no countable word or the language is unknown. Target: metadata[language_field], "
    "else option language, else the dominant script of the question itself (before the prompt "
    "template). Options: language_field "
    "(language), language (''), scope (think | completion; think).";

std::unique_ptr<RewardFunction> make_language_consistency_reward(RewardOptions& options) {
  std::string field = options.get_string("language_field", "language");
  std::string language = options.get_string("language", "");
  if (!language.empty() && scripts_of_language(language).empty()) {
    options.fail("language", "unknown language '" + language +
                                 "' (use a code such as en, zh, ja, ko, ru, ar, or a script "
                                 "name such as latin, han, cyrillic)");
  }
  std::string scope = options.get_string("scope", "think");
  if (scope != "think" && scope != "completion") {
    options.fail("scope", "expected think or completion, found '" + scope + "'");
  }
  return std::make_unique<LanguageConsistencyReward>(std::move(field), std::move(language),
                                                     scope == "completion");
}

}  // namespace r1forge
