// Added tokens; see include/r1forge/tokenizer/added_vocabulary.h.
#include "r1forge/tokenizer/added_vocabulary.h"

#include <utf8proc.h>

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/normalizer.h"
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

namespace {

using nlohmann::json;

// Rust's char::is_alphanumeric or '_' (HF's is_word_character), by general category: letters
// and numbers. (Rust's Alphabetic also covers a few combining marks; single_word tokens are rare
// and none of the supported models has one.)
bool is_word_character(uint32_t c) {
  if (c == '_') return true;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return true;
    default: return false;
  }
}

// The code point ending at text[end) (text well-formed), and its start.
uint32_t code_point_before(std::string_view text, size_t end, size_t& start) {
  start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  size_t at = start;
  return next_code_point(text, at);
}

bool ends_with_word(std::string_view text) {
  if (text.empty()) return false;
  size_t start = 0;
  return is_word_character(code_point_before(text, text.size(), start));
}

bool starts_with_word(std::string_view text) {
  if (text.empty()) return false;
  size_t at = 0;
  return is_word_character(next_code_point(text, at));
}

// Start of the whitespace run that ends `text` (text.size() when none).
size_t whitespace_run_start(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = 0;
    if (!is_unicode_whitespace(code_point_before(text, end, start))) break;
    end = start;
  }
  return end;
}

// Length of the whitespace run that starts `text`.
size_t whitespace_run_length(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    size_t next = at;
    if (!is_unicode_whitespace(next_code_point(text, next))) break;
    at = next;
  }
  return at;
}

}  // namespace

std::vector<AddedTokenSpec> parse_added_tokens(const json& value, const JsonKey& key) {
  std::vector<AddedTokenSpec> tokens;
  if (value.is_null()) return tokens;
  if (!value.is_array()) throw_json_error(key, "must be a list of added-token objects");
  for (size_t i = 0; i < value.size(); ++i) {
    const JsonKey at = key[i];
    const json& entry = json_object_at(value[i], at);
    AddedTokenSpec token;
    const json& id = json_required(entry, at, "id");
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      throw_json_error(at / "id", "must be a token id (a non-negative integer), got " + id.dump());
    token.id = id.get<int64_t>();
    token.content = json_string_member(entry, at, "content");
    if (token.content.empty()) throw_json_error(at / "content", "must not be empty");
    if (first_invalid_utf8(token.content)) throw_json_error(at / "content", "is not valid UTF-8");
    token.single_word = json_bool_member(entry, at, "single_word", false);
    token.lstrip = json_bool_member(entry, at, "lstrip", false);
    token.rstrip = json_bool_member(entry, at, "rstrip", false);
    token.special = json_bool_member(entry, at, "special", false);
    token.normalized = json_bool_member(entry, at, "normalized", !token.special);  // HF's default
    tokens.push_back(std::move(token));
  }
  return tokens;
}

AddedVocabulary::AddedVocabulary(const std::vector<AddedTokenSpec>& tokens,
                                 const Normalizer* normalizer)
    : tokens_(tokens) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedTokenSpec& token = tokens_[i];
    if (!token.normalized) {
      insert(tries_[0], token.content, static_cast<int32_t>(i));
      continue;
    }
    std::string pattern = token.content;
    if (normalizer != nullptr) normalizer->normalize(pattern);
    if (!pattern.empty()) insert(tries_[1], pattern, static_cast<int32_t>(i));
  }
}

void AddedVocabulary::insert(Trie& trie, const std::string& pattern, int32_t token) {
  if (trie.nodes.empty()) trie.nodes.emplace_back();
  int32_t node = 0;
  for (char c : pattern) {
    auto byte = static_cast<uint8_t>(c);
    auto& children = trie.nodes[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, INT32_MIN));
    if (it != children.end() && it->first == byte) {
      node = it->second;
      continue;
    }
    auto child = static_cast<int32_t>(trie.nodes.size());
    children.insert(it, {byte, child});
    trie.nodes.emplace_back();
    node = child;
  }
  // A repeated content keeps its first token, as HF's map from content to token does.
  if (trie.nodes[node].token < 0) trie.nodes[node].token = token;
  trie.first_bytes[static_cast<uint8_t>(pattern[0])] = true;
}

void AddedVocabulary::split(std::string_view text,
                            bool normalized_pass,
                            std::vector<TextSegment>& out) const {
  const Trie& trie = tries_[normalized_pass ? 1 : 0];
  size_t segment_start = 0;  // HF's start_offset
  if (!trie.nodes.empty()) {
    size_t at = 0;
    while (at < text.size()) {
      if (!trie.first_bytes[static_cast<uint8_t>(text[at])]) {
        ++at;
        continue;
      }
      // Longest token starting at `at`.
      int32_t node = 0, found = -1;
      size_t found_end = 0;
      for (size_t i = at; i < text.size(); ++i) {
        const auto& children = trie.nodes[node].children;
        auto byte = static_cast<uint8_t>(text[i]);
        auto it =
            std::lower_bound(children.begin(), children.end(), std::make_pair(byte, INT32_MIN));
        if (it == children.end() || it->first != byte) break;
        node = it->second;
        if (trie.nodes[node].token >= 0) found = trie.nodes[node].token, found_end = i + 1;
      }
      if (found < 0) {
        ++at;
        continue;
      }
      const AddedTokenSpec& token = tokens_[found];
      size_t start = at, stop = found_end;
      at = found_end;  // the next match starts after this one, even if this one is refused
      if (token.single_word &&
          (ends_with_word(text.substr(0, start)) || starts_with_word(text.substr(stop))))
        continue;
      if (token.lstrip)
        start = std::max(whitespace_run_start(text.substr(0, start)), segment_start);
      if (token.rstrip) stop += whitespace_run_length(text.substr(stop));
      if (segment_start < start) out.push_back({text.substr(segment_start, start - segment_start)});
      out.push_back({text.substr(start, stop - start), token.id});
      segment_start = stop;
    }
  }
  if (segment_start < text.size()) out.push_back({text.substr(segment_start)});
}

}  // namespace r1forge
