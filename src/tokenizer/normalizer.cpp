// tokenizer.json normalizers; see include/r1forge/tokenizer/normalizer.h.
#include "r1forge/tokenizer/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/onig_regex.h"
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

namespace {

using nlohmann::json;

// Whether every code point of `text` has NFC/NFD/NFKC/NFKD quick-check Yes with combining class
// 0, so that all four forms leave it unchanged: ASCII, and CJK unified ideographs (the bulk of
// the text r1forge tokenizes). Anything else goes through utf8proc.
bool normalization_is_identity(const std::string& text) {
  size_t at = 0;
  while (at < text.size()) {
    auto byte = static_cast<unsigned char>(text[at]);
    if (byte < 0x80) {
      ++at;
      continue;
    }
    uint32_t c = next_code_point(text, at);
    bool cjk = (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
    if (!cjk) return false;
  }
  return true;
}

void apply_unicode_form(std::string& text, NormalizerSpec::Kind kind) {
  if (normalization_is_identity(text)) return;
  int options = UTF8PROC_STABLE;
  switch (kind) {
    case NormalizerSpec::Kind::NFC: options |= UTF8PROC_COMPOSE; break;
    case NormalizerSpec::Kind::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case NormalizerSpec::Kind::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalizerSpec::Kind::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    default: R1F_CHECK(false, "not a Unicode normalization form");
  }
  utf8proc_uint8_t* result = nullptr;
  utf8proc_ssize_t length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                         static_cast<utf8proc_ssize_t>(text.size()), &result,
                                         static_cast<utf8proc_option_t>(options));
  R1F_CHECK(length >= 0, "utf8proc failed to normalize text: ", utf8proc_errmsg(length));
  text.assign(reinterpret_cast<const char*>(result), static_cast<size_t>(length));
  std::free(result);
}

void replace_all(std::string& text,
                 const std::string& pattern,
                 const OnigRegex* regex,
                 const std::string& content) {
  std::string out;
  size_t copied = 0;
  auto replace = [&](size_t begin, size_t end) {
    out.append(text, copied, begin - copied);
    out += content;
    copied = end;
  };
  if (regex != nullptr) {
    regex->for_each_match(text, replace);
  } else {
    if (pattern.empty()) return;  // HF: an empty String pattern matches nothing
    for (size_t at = text.find(pattern); at != std::string::npos;
         at = text.find(pattern, at + pattern.size())) {
      replace(at, at + pattern.size());
    }
  }
  if (copied == 0 && out.empty()) return;
  out.append(text, copied, std::string::npos);
  text = std::move(out);
}

}  // namespace

JsonPattern parse_json_pattern(const json& object, const JsonKey& key) {
  json_object_at(object, key);
  if (object.size() == 1 && object.contains("String") && object["String"].is_string())
    return {object["String"].get<std::string>(), false};
  if (object.size() == 1 && object.contains("Regex") && object["Regex"].is_string())
    return {object["Regex"].get<std::string>(), true};
  throw_json_error(key,
                   "must be {\"String\": \"..\"} or {\"Regex\": \"..\"}, got " + object.dump());
}

NormalizerSpec parse_normalizer(const json& value, const JsonKey& key) {
  NormalizerSpec spec;
  spec.key = key;
  const std::string type = json_type_of(value, key);
  if (type == "NFC") {
    spec.kind = NormalizerSpec::Kind::NFC;
  } else if (type == "NFD") {
    spec.kind = NormalizerSpec::Kind::NFD;
  } else if (type == "NFKC") {
    spec.kind = NormalizerSpec::Kind::NFKC;
  } else if (type == "NFKD") {
    spec.kind = NormalizerSpec::Kind::NFKD;
  } else if (type == "Prepend") {
    spec.kind = NormalizerSpec::Kind::PREPEND;
    spec.prepend = json_string_member(value, key, "prepend");
  } else if (type == "Replace") {
    spec.kind = NormalizerSpec::Kind::REPLACE;
    JsonPattern pattern = parse_json_pattern(json_required(value, key, "pattern"), key / "pattern");
    spec.pattern = pattern.text;
    spec.pattern_is_regex = pattern.is_regex;
    spec.content = json_string_member(value, key, "content");
  } else if (type == "Sequence") {
    spec.kind = NormalizerSpec::Kind::SEQUENCE;
    const json& list = json_required(value, key, "normalizers");
    if (!list.is_array()) throw_json_error(key / "normalizers", "must be a list");
    for (size_t i = 0; i < list.size(); ++i)
      spec.children.push_back(parse_normalizer(list[i], (key / "normalizers")[i]));
  } else {
    throw_json_error(key / "type", "unsupported normalizer type '" + type +
                                       "' (supported: NFC, NFD, NFKC, NFKD, Prepend, Replace, "
                                       "Sequence)");
  }
  return spec;
}

Normalizer::Normalizer(const NormalizerSpec& spec) {
  if (spec.kind == NormalizerSpec::Kind::SEQUENCE) {
    for (const NormalizerSpec& child : spec.children) {
      Normalizer inner(child);
      for (Step& step : inner.steps_) steps_.push_back(std::move(step));
    }
    return;
  }
  Step step{spec.kind, spec.prepend, spec.pattern, spec.content, nullptr};
  if (spec.kind == NormalizerSpec::Kind::REPLACE && spec.pattern_is_regex)
    step.regex = std::make_unique<OnigRegex>(spec.pattern, (spec.key / "pattern").where());
  steps_.push_back(std::move(step));
}

Normalizer::~Normalizer() = default;
Normalizer::Normalizer(Normalizer&&) noexcept = default;

void Normalizer::normalize(std::string& text) const {
  for (const Step& step : steps_) {
    switch (step.kind) {
      case NormalizerSpec::Kind::PREPEND:
        if (!text.empty()) text.insert(0, step.prepend);
        break;
      case NormalizerSpec::Kind::REPLACE:
        replace_all(text, step.pattern, step.regex.get(), step.content);
        break;
      case NormalizerSpec::Kind::SEQUENCE: break;  // flattened away in the constructor
      default: apply_unicode_form(text, step.kind);
    }
  }
}

}  // namespace r1forge
