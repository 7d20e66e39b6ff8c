// The tokenizer.json `normalizer` (HF tokenizers normalizers/): Unicode normalization forms via
// utf8proc (Qwen: NFC), Prepend and Replace (the Llama-2 conversion), and Sequence (DeepSeek-V3
// ships an empty one). Other types (Lowercase, Strip, BertNormalizer, Precompiled, ...) are a
// ConfigError naming the key rather than being ignored.
//
// Not here: where normalization sits in the pipeline (bpe_tokenizer.h: only on text between
// added tokens, formats.md §4.1).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/tokenizer/json_key.h"

namespace r1forge {

class OnigRegex;

struct NormalizerSpec {
  enum class Kind { NFC, NFD, NFKC, NFKD, PREPEND, REPLACE, SEQUENCE };
  Kind kind = Kind::SEQUENCE;
  JsonKey key;                           // where it came from, for messages
  std::string prepend;                   // PREPEND: added in front of non-empty text
  std::string pattern;                   // REPLACE: what to replace ...
  bool pattern_is_regex = false;         // ... as {"Regex": ..} rather than {"String": ..}
  std::string content;                   // REPLACE: the replacement
  std::vector<NormalizerSpec> children;  // SEQUENCE: applied in order
};

// `value` is the JSON of a normalizer object found at `key`.
NormalizerSpec parse_normalizer(const nlohmann::json& value, const JsonKey& key);

class Normalizer {
 public:
  explicit Normalizer(const NormalizerSpec& spec);
  ~Normalizer();
  Normalizer(Normalizer&&) noexcept;

  // Normalizes well-formed UTF-8 `text` in place.
  void normalize(std::string& text) const;
  // True when normalize() never changes anything (an empty Sequence).
  bool is_identity() const { return steps_.empty(); }

 private:
  struct Step {
    NormalizerSpec::Kind kind;
    std::string prepend, pattern, content;
    std::unique_ptr<OnigRegex> regex;  // REPLACE with a regex pattern
  };
  std::vector<Step> steps_;  // the spec flattened (nested Sequences inlined)
};

// Pattern arguments shared with the pre-tokenizer and decoders: {"String": s} or {"Regex": r}.
struct JsonPattern {
  std::string text;
  bool is_regex = false;
};
JsonPattern parse_json_pattern(const nlohmann::json& object, const JsonKey& key);

}  // namespace r1forge
