// An HF tokenizer.json file parsed into the specs of its parts (formats.md §4.1): added_tokens,
// normalizer, pre_tokenizer, model (BPE only), post_processor, decoder. Every malformed or
// unsupported value is a ConfigError naming the file and the JSON key; unknown component types
// and unknown top-level keys are errors, never ignored.
//
// Not here: running the pipeline (bpe_tokenizer.h).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "r1forge/tokenizer/added_vocabulary.h"
#include "r1forge/tokenizer/bpe_model.h"
#include "r1forge/tokenizer/decoder.h"
#include "r1forge/tokenizer/normalizer.h"
#include "r1forge/tokenizer/post_processor.h"
#include "r1forge/tokenizer/pre_tokenizer.h"

namespace r1forge {

struct TokenizerJson {
  std::filesystem::path source;
  std::vector<AddedTokenSpec> added_tokens;
  std::optional<NormalizerSpec> normalizer;       // null: none
  std::optional<PreTokenizerSpec> pre_tokenizer;  // null: the whole text is one piece
  BpeModelSpec model;
  std::optional<PostProcessorSpec> post_processor;  // null: add_special_tokens adds nothing
  std::optional<DecoderSpec> decoder;               // null: tokens joined with spaces
};

// Parses the text of a tokenizer.json; `source` names it in messages.
TokenizerJson parse_tokenizer_json(std::string_view text, const std::filesystem::path& source);
// Reads and parses a file; IoError when it cannot be read.
TokenizerJson read_tokenizer_json(const std::filesystem::path& path);

}  // namespace r1forge
