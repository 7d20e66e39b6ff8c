// The tokenizer.json `decoder` (HF tokenizers decoders/): token strings -> text. ByteLevel (the
// byte-level alphabet back to bytes, then lossy UTF-8, formats.md §4.4) and the Llama-2
// conversion's Sequence[Replace("▁" -> " "), ByteFallback, Fuse, Strip(" ", 1, 0)] (§5).
// Other types are a ConfigError.
//
// Not here: which ids become tokens (bpe_tokenizer.h drops special ones for skip_special_tokens).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "r1forge/tokenizer/json_key.h"

namespace r1forge {

class OnigRegex;

struct DecoderSpec {
  enum class Kind { BYTE_LEVEL, REPLACE, BYTE_FALLBACK, FUSE, STRIP, SEQUENCE };
  Kind kind = Kind::BYTE_LEVEL;
  JsonKey key;
  std::string pattern;                // REPLACE
  bool pattern_is_regex = false;      // REPLACE
  std::string content;                // REPLACE: the replacement; STRIP: the character stripped
  int64_t start = 0, stop = 0;        // STRIP: at most this many from the start / the end
  std::vector<DecoderSpec> children;  // SEQUENCE
};

DecoderSpec parse_decoder(const nlohmann::json& value, const JsonKey& key);

class Decoder {
 public:
  explicit Decoder(const DecoderSpec& spec);
  ~Decoder();
  Decoder(Decoder&&) noexcept;

  // HF Decoder::decode: the chain over the token strings, joined.
  std::string decode(std::vector<std::string> tokens) const;
  // True when this is a lone ByteLevel decoder (the caller may then decode from bytes directly).
  bool is_byte_level() const {
    return steps_.size() == 1 && steps_[0].kind == DecoderSpec::Kind::BYTE_LEVEL;
  }

 private:
  struct Step {
    DecoderSpec::Kind kind;
    std::string pattern, content;
    std::unique_ptr<OnigRegex> regex;
    uint32_t strip_char = 0;
    int64_t start = 0, stop = 0;
  };
  void decode_chain(const Step& step, std::vector<std::string>& tokens) const;
  std::vector<Step> steps_;
};

}  // namespace r1forge
