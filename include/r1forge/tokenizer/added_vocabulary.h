// The tokenizer.json `added_tokens` (HF tokenizers added_vocabulary.rs): strings matched whole in
// the text before normalization and pre-tokenization, whatever their `special` flag (formats.md
// §4.5). Matching is leftmost-longest over a byte trie, like HF's Aho-Corasick LeftmostLongest;
// tokens with normalized:false are matched in the raw text, those with normalized:true in each
// normalized segment between the first ones. single_word, lstrip and rstrip act as in HF.
//
// Not here: what `special` does on decode (bpe_tokenizer.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/tokenizer/json_key.h"

namespace r1forge {

class Normalizer;

struct AddedTokenSpec {
  int64_t id = 0;
  std::string content;
  bool single_word = false;  // only matched between non-word characters
  bool lstrip = false;       // swallows the whitespace on its left
  bool rstrip = false;       // swallows the whitespace on its right
  bool normalized = true;    // matched in normalized text (content normalized too)
  bool special = false;      // dropped by skip_special_tokens
};

// `value` is the added_tokens list at `key`.
std::vector<AddedTokenSpec> parse_added_tokens(const nlohmann::json& value, const JsonKey& key);

// A stretch of text: an added token (id >= 0) or plain text to normalize and pre-tokenize.
struct TextSegment {
  std::string_view text;
  int64_t id = -1;
};

class AddedVocabulary {
 public:
  // `normalizer` (may be null) normalizes the content of normalized:true tokens.
  AddedVocabulary(const std::vector<AddedTokenSpec>& tokens, const Normalizer* normalizer);

  // Splits `text` at the matches of the normalized:false tokens (`normalized_pass` false) or of
  // the normalized:true ones (true), appending segments in order; empty text segments are left
  // out.
  void split(std::string_view text, bool normalized_pass, std::vector<TextSegment>& out) const;
  bool has_normalized_tokens() const { return !tries_[1].nodes.empty(); }

 private:
  struct Node {
    std::vector<std::pair<uint8_t, int32_t>> children;  // sorted by byte
    int32_t token = -1;                                 // index into tokens_ when a token ends here
  };
  struct Trie {
    std::vector<Node> nodes;  // nodes[0] is the root when non-empty
    std::vector<bool> first_bytes = std::vector<bool>(256, false);
  };
  void insert(Trie& trie, const std::string& pattern, int32_t token);
  std::vector<AddedTokenSpec> tokens_;
  Trie tries_[2];  // [0]: normalized:false tokens, [1]: normalized:true tokens
};

}  // namespace r1forge
