// tokenizer.json pre-tokenizers; see include/r1forge/tokenizer/pre_tokenizer.h.
#include "r1forge/tokenizer/pre_tokenizer.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/normalizer.h"
#include "r1forge/tokenizer/onig_regex.h"

namespace r1forge {

namespace {

using nlohmann::json;

SplitBehavior parse_behavior(const json& object, const JsonKey& key) {
  const std::string name = json_string_member(object, key, "behavior");
  if (name == "Removed") return SplitBehavior::REMOVED;
  if (name == "Isolated") return SplitBehavior::ISOLATED;
  if (name == "MergedWithPrevious") return SplitBehavior::MERGED_WITH_PREVIOUS;
  if (name == "MergedWithNext") return SplitBehavior::MERGED_WITH_NEXT;
  if (name == "Contiguous") return SplitBehavior::CONTIGUOUS;
  throw_json_error(key / "behavior", "unknown behavior '" + name +
                                         "' (Removed, Isolated, MergedWithPrevious, "
                                         "MergedWithNext or Contiguous)");
}

// One span of a piece: a match of the pattern or a gap between matches.
struct Span {
  size_t begin, end;
  bool is_match;
};

}  // namespace

const char* const kGpt2PreTokenizerRegex =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct PreTokenizer::Step {
  PreTokenizerSpec::Kind kind;
  std::string pattern;               // SPLIT with a String pattern
  std::unique_ptr<OnigRegex> regex;  // SPLIT with a Regex pattern; BYTE_LEVEL with use_regex
  SplitBehavior behavior = SplitBehavior::ISOLATED;
  bool invert = false;
  bool add_prefix_space = false;
};

PreTokenizerSpec parse_pre_tokenizer(const json& value, const JsonKey& key) {
  PreTokenizerSpec spec;
  spec.key = key;
  const std::string type = json_type_of(value, key);
  if (type == "Split") {
    spec.kind = PreTokenizerSpec::Kind::SPLIT;
    JsonPattern pattern = parse_json_pattern(json_required(value, key, "pattern"), key / "pattern");
    spec.pattern = pattern.text;
    spec.pattern_is_regex = pattern.is_regex;
    spec.behavior = parse_behavior(value, key);
    spec.invert = json_bool_member(value, key, "invert", false);
  } else if (type == "ByteLevel") {
    spec.kind = PreTokenizerSpec::Kind::BYTE_LEVEL;
    spec.add_prefix_space = json_bool_member(value, key, "add_prefix_space", true);
    json_bool_member(value, key, "trim_offsets", true);  // type-checked; offsets only
    spec.use_regex = json_bool_member(value, key, "use_regex", true);
  } else if (type == "Sequence") {
    spec.kind = PreTokenizerSpec::Kind::SEQUENCE;
    const json& list = json_required(value, key, "pretokenizers");
    if (!list.is_array()) throw_json_error(key / "pretokenizers", "must be a list");
    for (size_t i = 0; i < list.size(); ++i)
      spec.children.push_back(parse_pre_tokenizer(list[i], (key / "pretokenizers")[i]));
  } else {
    throw_json_error(key / "type", "unsupported pre_tokenizer type '" + type +
                                       "' (supported: Split, ByteLevel, Sequence)");
  }
  return spec;
}

PreTokenizer::PreTokenizer(const PreTokenizerSpec& spec) {
  if (spec.kind == PreTokenizerSpec::Kind::SEQUENCE) {
    for (const PreTokenizerSpec& child : spec.children) {
      PreTokenizer inner(child);
      if (byte_level_ && !inner.steps_.empty()) {
        throw_json_error(child.key,
                         "a pre-tokenizer after ByteLevel is not supported (r1forge "
                         "applies the byte-level alphabet inside the BPE model)");
      }
      for (Step& step : inner.steps_) steps_.push_back(std::move(step));
      byte_level_ = byte_level_ || inner.byte_level_;
    }
    return;
  }
  Step step;
  step.kind = spec.kind;
  if (spec.kind == PreTokenizerSpec::Kind::SPLIT) {
    if (spec.pattern_is_regex)
      step.regex = std::make_unique<OnigRegex>(spec.pattern, (spec.key / "pattern").where());
    else
      step.pattern = spec.pattern;
    step.behavior = spec.behavior;
    step.invert = spec.invert;
  } else {
    byte_level_ = true;
    step.add_prefix_space = spec.add_prefix_space;
    if (spec.use_regex)
      step.regex = std::make_unique<OnigRegex>(kGpt2PreTokenizerRegex, spec.key.where());
  }
  steps_.push_back(std::move(step));
}

PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;

void PreTokenizer::split(std::string_view text,
                         std::vector<std::string_view>& pieces,
                         std::deque<std::string>& storage) const {
  if (text.empty()) return;
  if (steps_.empty()) {
    pieces.push_back(text);
    return;
  }
  // Each step splits every piece of the previous one (HF Sequence semantics).
  thread_local std::vector<std::string_view> current, next;
  current.assign(1, text);
  for (const Step& step : steps_) {
    next.clear();
    for (std::string_view piece : current) apply(step, piece, next, storage);
    std::swap(current, next);
  }
  pieces.insert(pieces.end(), current.begin(), current.end());
}

void PreTokenizer::apply(const Step& step,
                         std::string_view piece,
                         std::vector<std::string_view>& out,
                         std::deque<std::string>& storage) const {
  if (step.kind == PreTokenizerSpec::Kind::BYTE_LEVEL) {
    if (step.add_prefix_space && piece.substr(0, 1) != " ") {
      storage.push_back(" " + std::string(piece));
      piece = storage.back();
    }
    if (!step.regex) {
      out.push_back(piece);
      return;
    }
  }
  const bool fast_isolated = step.kind == PreTokenizerSpec::Kind::BYTE_LEVEL ||
                             (step.behavior == SplitBehavior::ISOLATED && !step.invert);
  // HF find_matches: alternating gaps and matches covering the piece.
  thread_local std::vector<Span> spans;
  spans.clear();
  size_t previous = 0;
  auto on_match = [&](size_t begin, size_t end) {
    if (fast_isolated) {
      if (begin > previous) out.push_back(piece.substr(previous, begin - previous));
      if (end > begin) out.push_back(piece.substr(begin, end - begin));
    } else {
      if (begin > previous) spans.push_back({previous, begin, false});
      spans.push_back({begin, end, true});
    }
    previous = end;
  };
  if (step.regex) {
    step.regex->for_each_match(piece, on_match);
  } else if (!step.pattern.empty()) {
    for (size_t at = piece.find(step.pattern); at != std::string_view::npos;
         at = piece.find(step.pattern, at + step.pattern.size())) {
      on_match(at, at + step.pattern.size());
    }
  }
  if (fast_isolated) {
    if (previous < piece.size()) out.push_back(piece.substr(previous));
    return;
  }
  if (previous < piece.size()) spans.push_back({previous, piece.size(), false});
  if (step.invert)
    for (Span& span : spans) span.is_match = !span.is_match;
  // The delimiter behaviors, as HF NormalizedString::split folds them.
  std::vector<Span> kept;  // is_match now means "remove"
  bool previous_match = false;
  switch (step.behavior) {
    case SplitBehavior::ISOLATED:
      for (const Span& span : spans) kept.push_back({span.begin, span.end, false});
      break;
    case SplitBehavior::REMOVED: kept = spans; break;
    case SplitBehavior::CONTIGUOUS:
      for (const Span& span : spans) {
        if (span.is_match == previous_match && !kept.empty())
          kept.back().end = span.end;
        else
          kept.push_back({span.begin, span.end, false});
        previous_match = span.is_match;
      }
      break;
    case SplitBehavior::MERGED_WITH_PREVIOUS:
      for (const Span& span : spans) {
        if (span.is_match && !previous_match && !kept.empty())
          kept.back().end = span.end;
        else
          kept.push_back({span.begin, span.end, false});
        previous_match = span.is_match;
      }
      break;
    case SplitBehavior::MERGED_WITH_NEXT:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !kept.empty())
          kept.back().begin = it->begin;
        else
          kept.push_back({it->begin, it->end, false});
        previous_match = it->is_match;
      }
      std::reverse(kept.begin(), kept.end());
      break;
  }
  for (const Span& span : kept)
    if (!span.is_match && span.end > span.begin)
      out.push_back(piece.substr(span.begin, span.end - span.begin));
}

}  // namespace r1forge
