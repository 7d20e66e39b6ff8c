// The tokenizer.json `pre_tokenizer` (HF tokenizers pre_tokenizers/): Split with a String or
// Regex pattern (all five delimiter behaviors, invert), ByteLevel (add_prefix_space, use_regex
// with the GPT-2 regex) and Sequence; formats.md §4.3. Other types are a ConfigError.
//
// Pieces are views: into the text, or into `storage` where ByteLevel's add_prefix_space made a
// new string. ByteLevel's byte -> character mapping is not applied here: the BPE model reads the
// raw bytes of each piece through the byte-level alphabet (bpe_model.h), so ByteLevel must be
// the last pre-tokenizer (a ConfigError otherwise). Not here: normalization, added tokens.
#pragma once

#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/tokenizer/json_key.h"

namespace r1forge {

class OnigRegex;

// HF SplitDelimiterBehavior: what becomes of each match of a Split pattern.
enum class SplitBehavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS };

struct PreTokenizerSpec {
  enum class Kind { SPLIT, BYTE_LEVEL, SEQUENCE };
  Kind kind = Kind::SEQUENCE;
  JsonKey key;
  // SPLIT
  std::string pattern;
  bool pattern_is_regex = false;
  SplitBehavior behavior = SplitBehavior::ISOLATED;
  bool invert = false;
  // BYTE_LEVEL (trim_offsets only affects offsets, which r1forge does not return)
  bool add_prefix_space = false;  // a space before each piece not starting with one
  bool use_regex = true;          // split each piece with the GPT-2 regex first
  // SEQUENCE
  std::vector<PreTokenizerSpec> children;
};

PreTokenizerSpec parse_pre_tokenizer(const nlohmann::json& value, const JsonKey& key);

// The GPT-2 pattern ByteLevel uses when use_regex is true.
extern const char* const kGpt2PreTokenizerRegex;

class PreTokenizer {
 public:
  explicit PreTokenizer(const PreTokenizerSpec& spec);
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;

  // Splits well-formed UTF-8 `text` and appends its non-empty pieces, in order, to `pieces`.
  void split(std::string_view text,
             std::vector<std::string_view>& pieces,
             std::deque<std::string>& storage) const;
  // Whether the pieces are to be read through the byte-level alphabet (a ByteLevel step).
  bool byte_level() const { return byte_level_; }

 private:
  struct Step;
  void apply(const Step& step,
             std::string_view piece,
             std::vector<std::string_view>& out,
             std::deque<std::string>& storage) const;
  std::vector<Step> steps_;  // the spec flattened (nested Sequences inlined)
  bool byte_level_ = false;
};

}  // namespace r1forge
