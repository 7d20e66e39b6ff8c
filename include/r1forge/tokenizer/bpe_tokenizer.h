// Byte-level BPE from an HF tokenizer.json (Qwen2/Qwen3, Llama-3, DeepSeek-V3, and Llama-2
// conversions) behind the Tokenizer interface, with the ids HF's `tokenizers` gives: added tokens
// split out first, then normalizer, pre-tokenizer, BPE, and the post-processor when
// add_special_tokens (formats.md §4).
//
// tokenizer_config.json (when given) names bos/eos/pad/unk and may mark added tokens special.
// Its add_bos_token/add_eos_token do not act: like transformers 5, the tokenizer.json
// post_processor alone decides what add_special_tokens adds (DeepSeek-V3: nothing, although its
// config says add_bos_token: true; transformers 4's LlamaTokenizerFast prepended BOS there).
// Text must be valid UTF-8 (a DataError otherwise). encode/decode are const and thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "r1forge/tokenizer/added_vocabulary.h"
#include "r1forge/tokenizer/bpe_model.h"
#include "r1forge/tokenizer/decoder.h"
#include "r1forge/tokenizer/normalizer.h"
#include "r1forge/tokenizer/post_processor.h"
#include "r1forge/tokenizer/pre_tokenizer.h"
#include "r1forge/tokenizer/tokenizer.h"
#include "r1forge/tokenizer/tokenizer_json.h"

namespace r1forge {

class BpeTokenizer : public Tokenizer {
 public:
  // Loads a tokenizer.json; IoError when unreadable, ConfigError naming the file and key when
  // malformed or unsupported.
  explicit BpeTokenizer(const std::filesystem::path& tokenizer_json);
  // Same, then applies tokenizer_config.json; ConfigError naming config.source and the key when
  // a token it names is not in the tokenizer.
  BpeTokenizer(const std::filesystem::path& tokenizer_json, const TokenizerConfigFile& config);
  // From an already parsed file (tests, the fuzzer); `config` may be null.
  BpeTokenizer(const TokenizerJson& parsed, const TokenizerConfigFile* config);
  ~BpeTokenizer() override;

  std::vector<int64_t> encode(std::string_view text, bool add_special_tokens) const override;
  // A pair of sequences (HF encode(a, b)): the post-processor's pair template.
  std::vector<int64_t> encode_pair(std::string_view a,
                                   std::string_view b,
                                   bool add_special_tokens) const;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const override;
  int64_t vocab_size() const override { return vocab_size_; }
  std::optional<int64_t> bos_id() const override { return bos_id_; }
  std::optional<int64_t> eos_id() const override { return eos_id_; }
  std::optional<int64_t> pad_id() const override { return pad_id_; }
  std::optional<int64_t> unk_id() const override { return unk_id_; }
  std::optional<int64_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(int64_t id) const override;
  std::vector<AddedToken> added_tokens() const override;
  bool is_special(int64_t id) const override;
  std::string describe() const override;

 private:
  // The ids of one text without post-processing.
  void encode_text(std::string_view text, std::vector<int64_t>& ids) const;
  void encode_plain(std::string_view text, std::vector<int64_t>& ids) const;
  const std::string& token_of(int64_t id) const;  // DataError for an id with no token
  void apply_config(const TokenizerConfigFile& config);

  std::filesystem::path source_;
  std::unique_ptr<Normalizer> normalizer_;       // null: none (or an identity Sequence)
  std::unique_ptr<PreTokenizer> pre_tokenizer_;  // null: one piece per segment
  std::unique_ptr<BpeModel> model_;
  std::unique_ptr<AddedVocabulary> added_vocabulary_;
  std::unique_ptr<PostProcessor> post_processor_;  // null: adds nothing
  std::unique_ptr<Decoder> decoder_;               // null: tokens joined with " "
  std::vector<AddedToken> added_;                  // in id order
  std::vector<std::string> added_content_;         // by id; empty where not an added token
  std::unordered_map<std::string, int64_t, StringHash, std::equal_to<>> added_ids_;
  std::vector<bool> special_;               // by id
  std::vector<std::string> decoded_bytes_;  // by id, for a lone ByteLevel decoder
  int64_t vocab_size_ = 0;
  std::optional<int64_t> bos_id_, eos_id_, pad_id_, unk_id_;
};

}  // namespace r1forge
