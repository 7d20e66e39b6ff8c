// The tokenizer.json `post_processor` (HF tokenizers processors/): what add_special_tokens adds
// around one sequence or a pair. ByteLevel (adds nothing; its trim_offsets only moves offsets),
// TemplateProcessing (single and pair templates of SpecialToken and Sequence items, generic: the
// Llama-2/3 BOS) and Sequence. Other types (Bert, Roberta) are a ConfigError. formats.md §4.6.
//
// Not here: the BOS trap of chat templates (tokenizer.h).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/tokenizer/json_key.h"

namespace r1forge {

// One item of a TemplateProcessing template.
struct TemplateItem {
  bool is_sequence = false;  // {"Sequence": {"id": "A"|"B"}} rather than {"SpecialToken": ..}
  std::string id;            // "A"/"B", or the special token's name in special_tokens
  int64_t type_id = 0;       // segment id (r1forge returns no type ids; parsed and checked)
};

struct PostProcessorSpec {
  enum class Kind { BYTE_LEVEL, TEMPLATE, SEQUENCE };
  Kind kind = Kind::BYTE_LEVEL;
  JsonKey key;
  std::vector<TemplateItem> single, pair;                      // TEMPLATE
  std::map<std::string, std::vector<int64_t>> special_tokens;  // TEMPLATE: name -> ids
  std::vector<PostProcessorSpec> children;                     // SEQUENCE
};

PostProcessorSpec parse_post_processor(const nlohmann::json& value, const JsonKey& key);

class PostProcessor {
 public:
  explicit PostProcessor(const PostProcessorSpec& spec) : spec_(spec) {}

  // The ids of `a` (and `b` for a pair) with what the templates add when add_special_tokens;
  // without it, a then b.
  std::vector<int64_t> process(const std::vector<int64_t>& a,
                               const std::vector<int64_t>* b,
                               bool add_special_tokens) const;
  // Every id the templates can add (to check them against the vocab).
  std::vector<int64_t> special_ids() const;

 private:
  PostProcessorSpec spec_;
};

}  // namespace r1forge
