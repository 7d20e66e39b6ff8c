// SentencePiece tokenizer (Llama-2 style `.model` files) behind the Tokenizer interface, with
// HF LlamaTokenizer semantics (legacy=true): add_special_tokens prepends BOS (and appends EOS
// when add_eos_token), special-token strings in the text ("<s>") encode to their ids, and
// tokenizer_config.json may rename or disable bos/eos/pad/unk.
//
// Segmentation, normalization and user-defined symbols are SentencePiece's own (libsentencepiece);
// the piece types (which the library does not expose) come from a small reader of the model's
// protobuf. Not here: training (sentencepiece_trainer.h), tokenizer.json BPE (bpe.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/tokenizer/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace r1forge {

// Piece types of sentencepiece_model.proto (formats.md §5).
enum class PieceType : int32_t {
  PIECE_NORMAL = 1,
  PIECE_UNKNOWN = 2,
  PIECE_CONTROL = 3,
  PIECE_USER_DEFINED = 4,
  PIECE_UNUSED = 5,
  PIECE_BYTE = 6,
};

struct ModelPiece {
  std::string piece;
  float score = 0.0f;
  PieceType type = PieceType::PIECE_NORMAL;
};

// Reads the pieces (field 1) of a serialized ModelProto; IoError naming `source` when the bytes
// are not a valid protobuf message of that shape.
std::vector<ModelPiece> read_sentencepiece_pieces(const std::string& serialized,
                                                  const std::string& source);

class SentencePieceTokenizer : public Tokenizer {
 public:
  // Loads `model_file`; IoError naming the file when it is missing or not a SentencePiece model.
  explicit SentencePieceTokenizer(const std::filesystem::path& model_file);
  // Same, then applies tokenizer_config.json settings; ConfigError naming config.source and the
  // key when a token it names is not in the model.
  SentencePieceTokenizer(const std::filesystem::path& model_file,
                         const TokenizerConfigFile& config);
  ~SentencePieceTokenizer() override;

  std::vector<int64_t> encode(std::string_view text, bool add_special_tokens) const override;
  std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  std::optional<int64_t> bos_id() const override { return bos_id_; }
  std::optional<int64_t> eos_id() const override { return eos_id_; }
  std::optional<int64_t> pad_id() const override { return pad_id_; }
  std::optional<int64_t> unk_id() const override { return unk_id_; }
  std::optional<int64_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(int64_t id) const override;
  std::vector<AddedToken> added_tokens() const override;
  bool is_special(int64_t id) const override;
  std::string describe() const override;

  bool add_bos_token() const { return add_bos_token_; }
  bool add_eos_token() const { return add_eos_token_; }
  const std::vector<ModelPiece>& pieces() const { return pieces_; }
  const std::filesystem::path& model_file() const { return model_file_; }

 private:
  void check_id(int64_t id) const;
  void encode_segment(std::string_view text, std::vector<int64_t>& ids) const;
  void update_split_ids();
  std::optional<int64_t> resolve_setting(const TokenSetting& setting,
                                         const char* key,
                                         std::optional<int64_t> model_default,
                                         const TokenizerConfigFile& config) const;

  std::filesystem::path model_file_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::vector<ModelPiece> pieces_;  // by id
  std::vector<bool> special_;       // by id: dropped by skip_special_tokens
  std::vector<int64_t> split_ids_;  // special ids whose strings encode() matches in text
  std::optional<int64_t> bos_id_;
  std::optional<int64_t> eos_id_;
  std::optional<int64_t> pad_id_;
  std::optional<int64_t> unk_id_;
  bool add_bos_token_ = true;  // LlamaTokenizer's default
  bool add_eos_token_ = false;
};

}  // namespace r1forge
