// SentencePiece tokenizer; see include/r1forge/tokenizer/sentencepiece.h.
//
// Encoding and the text of ordinary pieces come from libsentencepiece. Special ids are handled
// here because HF semantics differ from SentencePiece's: SentencePiece renders control pieces as
// nothing and <unk> as " ⁇ ", while HF's decode writes their token strings unless
// skip_special_tokens drops them.
#include "r1forge/tokenizer/sentencepiece.h"

#include <sentencepiece_processor.h>

#include <cstring>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"

namespace r1forge {

namespace {

// Protobuf wire format, just enough for ModelProto.pieces: varints, length-delimited fields,
// and skipping of the fixed-width ones (https://protobuf.dev/programming-guides/encoding/).
class WireReader {
 public:
  WireReader(const char* begin, const char* end, const std::string& source)
      : position_(begin), end_(end), source_(source) {}
  bool done() const { return position_ >= end_; }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      R1F_CHECK_IO(position_ < end_, source_, ": corrupt SentencePiece model (truncated varint)");
      auto byte = static_cast<uint8_t>(*position_++);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    R1F_THROW(IoError, source_, ": corrupt SentencePiece model (varint longer than 10 bytes)");
  }
  std::string_view bytes(uint64_t size) {
    R1F_CHECK_IO(size <= static_cast<uint64_t>(end_ - position_), source_,
                 ": corrupt SentencePiece model (field of ", size, " bytes past the end)");
    std::string_view view(position_, size);
    position_ += size;
    return view;
  }
  // Skips a field of `wire_type` (its tag already read).
  void skip(uint64_t wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1: bytes(8); break;
      case 2: bytes(varint()); break;
      case 5: bytes(4); break;
      default:
        R1F_THROW(IoError, source_, ": corrupt SentencePiece model (wire type ", wire_type, ")");
    }
  }

 private:
  const char* position_;
  const char* end_;
  const std::string& source_;
};

ModelPiece read_piece(std::string_view message, const std::string& source) {
  ModelPiece piece;
  WireReader reader(message.data(), message.data() + message.size(), source);
  while (!reader.done()) {
    uint64_t tag = reader.varint();
    uint64_t field = tag >> 3, wire_type = tag & 7;
    if (field == 1 && wire_type == 2) {
      piece.piece = std::string(reader.bytes(reader.varint()));
    } else if (field == 2 && wire_type == 5) {
      std::string_view raw = reader.bytes(4);
      std::memcpy(&piece.score, raw.data(), 4);  // little-endian float, as on every target
    } else if (field == 3 && wire_type == 0) {
      uint64_t type = reader.varint();
      R1F_CHECK_IO(type >= 1 && type <= 6, source, ": corrupt SentencePiece model (piece '",
                   piece.piece, "' has type ", type, ")");
      piece.type = static_cast<PieceType>(type);
    } else {
      reader.skip(wire_type);
    }
  }
  return piece;
}

}  // namespace

std::vector<ModelPiece> read_sentencepiece_pieces(const std::string& serialized,
                                                  const std::string& source) {
  std::vector<ModelPiece> pieces;
  WireReader reader(serialized.data(), serialized.data() + serialized.size(), source);
  while (!reader.done()) {
    uint64_t tag = reader.varint();
    if ((tag >> 3) == 1 && (tag & 7) == 2) {
      pieces.push_back(read_piece(reader.bytes(reader.varint()), source));
    } else {
      reader.skip(tag & 7);
    }
  }
  return pieces;
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file)
    : model_file_(model_file),
      processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  std::error_code error;
  R1F_CHECK_IO(std::filesystem::is_regular_file(model_file, error), "SentencePiece model ",
               model_file, " does not exist or is not a regular file");
  std::string serialized = read_file(model_file);
  auto status = processor_->LoadFromSerializedProto(serialized);
  R1F_CHECK_IO(status.ok(), "cannot load SentencePiece model ", model_file,
               " (not a SentencePiece .model file?): ", status.ToString());
  pieces_ = read_sentencepiece_pieces(serialized, model_file.string());
  R1F_CHECK_IO(static_cast<int>(pieces_.size()) == processor_->GetPieceSize(),
               "SentencePiece model ", model_file, ": the protobuf lists ", pieces_.size(),
               " pieces but libsentencepiece loaded ", processor_->GetPieceSize());
  auto id_or_none = [](int id) -> std::optional<int64_t> {
    return id >= 0 ? std::optional<int64_t>(id) : std::nullopt;
  };
  bos_id_ = id_or_none(processor_->bos_id());
  eos_id_ = id_or_none(processor_->eos_id());
  pad_id_ = id_or_none(processor_->pad_id());
  unk_id_ = id_or_none(processor_->unk_id());
  add_bos_token_ = bos_id_.has_value();
  special_.resize(pieces_.size());
  for (size_t id = 0; id < pieces_.size(); ++id) {
    special_[id] = pieces_[id].type == PieceType::PIECE_CONTROL ||
                   pieces_[id].type == PieceType::PIECE_UNKNOWN;
  }
  update_split_ids();
}

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file,
                                               const TokenizerConfigFile& config)
    : SentencePieceTokenizer(model_file) {
  // Added tokens first, so that a special token named below may also be an added one.
  for (const auto& [id, token] : config.added_tokens_decoder) {
    R1F_CHECK_CONFIG(id >= 0 && id < vocab_size(), config.source, ": added_tokens_decoder.", id,
                     " ('", token.content, "') is outside the SentencePiece model ", model_file,
                     " (", vocab_size(),
                     " pieces); tokens added beyond a .model are not supported");
    R1F_CHECK_CONFIG(pieces_[id].piece == token.content, config.source, ": added_tokens_decoder.",
                     id, " is '", token.content, "' but piece ", id, " of ", model_file, " is '",
                     pieces_[id].piece, "'");
    special_[id] = token.special;
  }
  bos_id_ = resolve_setting(config.bos_token, "bos_token", bos_id_, config);
  eos_id_ = resolve_setting(config.eos_token, "eos_token", eos_id_, config);
  pad_id_ = resolve_setting(config.pad_token, "pad_token", pad_id_, config);
  unk_id_ = resolve_setting(config.unk_token, "unk_token", unk_id_, config);
  add_bos_token_ = config.add_bos_token.value_or(bos_id_.has_value());
  add_eos_token_ = config.add_eos_token.value_or(false);
  R1F_CHECK_CONFIG(!add_bos_token_ || bos_id_, config.source,
                   ": add_bos_token is true but there is no bos_token");
  R1F_CHECK_CONFIG(!add_eos_token_ || eos_id_, config.source,
                   ": add_eos_token is true but there is no eos_token");
  for (auto id : {bos_id_, eos_id_, pad_id_, unk_id_}) {
    if (id) special_[*id] = true;  // HF counts every named special token as special
  }
  update_split_ids();
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::optional<int64_t> SentencePieceTokenizer::resolve_setting(
    const TokenSetting& setting,
    const char* key,
    std::optional<int64_t> model_default,
    const TokenizerConfigFile& config) const {
  if (!setting.given) return model_default;
  if (!setting.content) return std::nullopt;
  auto id = token_to_id(*setting.content);
  R1F_CHECK_CONFIG(id.has_value(), config.source, ": ", key, " '", *setting.content,
                   "' is not a piece of the SentencePiece model ", model_file_);
  return id;
}

std::vector<int64_t> SentencePieceTokenizer::encode(std::string_view text,
                                                    bool add_special_tokens) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 2);
  if (add_special_tokens && add_bos_token_) ids.push_back(*bos_id_);
  // Special-token strings in the text ("<s>" written by a chat template) become their ids, as
  // in HF; SentencePiece itself would spell them out as ordinary text. Each text segment between
  // them is encoded on its own (HF LlamaTokenizer legacy=true: it gets its own dummy prefix).
  // User-defined symbols need no splitting: SentencePiece matches those itself.
  size_t position = 0;
  while (position <= text.size()) {
    size_t match_at = text.size();
    int64_t match_id = -1;
    for (int64_t id : split_ids_) {
      const std::string& piece = pieces_[id].piece;
      size_t found = text.find(piece, position);
      if (found == std::string_view::npos) continue;
      if (found < match_at ||
          (match_id >= 0 && found == match_at && piece.size() > pieces_[match_id].piece.size())) {
        match_at = found;
        match_id = id;
      }
    }
    if (match_at > position) encode_segment(text.substr(position, match_at - position), ids);
    if (match_id < 0) break;
    ids.push_back(match_id);
    position = match_at + pieces_[match_id].piece.size();
  }
  if (add_special_tokens && add_eos_token_) ids.push_back(*eos_id_);
  return ids;
}

void SentencePieceTokenizer::encode_segment(std::string_view text,
                                            std::vector<int64_t>& ids) const {
  std::vector<int> pieces;
  auto status = processor_->Encode(text, &pieces);
  R1F_CHECK_DATA(status.ok(), "SentencePiece could not encode text with ", model_file_, ": ",
                 status.ToString());
  ids.insert(ids.end(), pieces.begin(), pieces.end());
}

void SentencePieceTokenizer::update_split_ids() {
  split_ids_.clear();
  for (size_t id = 0; id < pieces_.size(); ++id) {
    if (special_[id] && !pieces_[id].piece.empty() &&
        pieces_[id].type != PieceType::PIECE_USER_DEFINED) {
      split_ids_.push_back(static_cast<int64_t>(id));
    }
  }
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids,
                                           bool skip_special_tokens) const {
  std::vector<int> narrow(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    check_id(ids[i]);
    narrow[i] = static_cast<int>(ids[i]);
  }
  // One SentencePiece call for the whole sequence keeps its whitespace rules intact (only the
  // first visible piece loses its leading "▁"); the per-piece surfaces then let special ids be
  // replaced by their token string or dropped.
  sentencepiece::ImmutableSentencePieceText decoded;
  auto status = processor_->Decode(narrow, decoded.mutable_proto());
  R1F_CHECK_DATA(status.ok(), "SentencePiece could not decode ids with ", model_file_, ": ",
                 status.ToString());
  R1F_CHECK(decoded.pieces_size() == ids.size(), "SentencePiece decoded ", decoded.pieces_size(),
            " pieces for ", ids.size(), " ids");
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (special_[ids[i]]) {
      if (!skip_special_tokens) text += pieces_[ids[i]].piece;
    } else {
      text += decoded.pieces(static_cast<int>(i)).surface();
    }
  }
  return text;
}

std::optional<int64_t> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  int id = processor_->PieceToId(token);
  // PieceToId answers unk_id for strings that are not pieces; only an exact match counts.
  if (id < 0 || id >= static_cast<int>(pieces_.size()) || pieces_[id].piece != token) {
    return std::nullopt;
  }
  return id;
}

std::string SentencePieceTokenizer::id_to_token(int64_t id) const {
  check_id(id);
  return pieces_[id].piece;
}

std::vector<AddedToken> SentencePieceTokenizer::added_tokens() const {
  std::vector<AddedToken> tokens;
  for (size_t id = 0; id < pieces_.size(); ++id) {
    PieceType type = pieces_[id].type;
    if (type == PieceType::PIECE_CONTROL || type == PieceType::PIECE_UNKNOWN ||
        type == PieceType::PIECE_USER_DEFINED || special_[id]) {
      tokens.push_back({pieces_[id].piece, static_cast<int64_t>(id), special_[id]});
    }
  }
  return tokens;
}

bool SentencePieceTokenizer::is_special(int64_t id) const {
  return id >= 0 && id < vocab_size() && special_[id];
}

std::string SentencePieceTokenizer::describe() const {
  return detail::concat("sentencepiece ", model_file_.string(), ", ", vocab_size(), " ids");
}

void SentencePieceTokenizer::check_id(int64_t id) const {
  R1F_CHECK_DATA(id >= 0 && id < vocab_size(), "token id ", id, " is out of range [0, ",
                 vocab_size(), ") for the SentencePiece model ", model_file_);
}

}  // namespace r1forge
