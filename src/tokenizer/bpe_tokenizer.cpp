// Byte-level BPE tokenizer; see include/r1forge/tokenizer/bpe_tokenizer.h.
#include "r1forge/tokenizer/bpe_tokenizer.h"

#include <algorithm>
#include <deque>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/byte_level.h"
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

BpeTokenizer::BpeTokenizer(const std::filesystem::path& tokenizer_json)
    : BpeTokenizer(read_tokenizer_json(tokenizer_json), nullptr) {}

BpeTokenizer::BpeTokenizer(const std::filesystem::path& tokenizer_json,
                           const TokenizerConfigFile& config)
    : BpeTokenizer(read_tokenizer_json(tokenizer_json), &config) {}

BpeTokenizer::BpeTokenizer(const TokenizerJson& parsed, const TokenizerConfigFile* config)
    : source_(parsed.source) {
  const JsonKey top{parsed.source.string(), ""};
  if (parsed.normalizer) {
    normalizer_ = std::make_unique<Normalizer>(*parsed.normalizer);
    if (normalizer_->is_identity()) normalizer_.reset();
  }
  if (parsed.pre_tokenizer) pre_tokenizer_ = std::make_unique<PreTokenizer>(*parsed.pre_tokenizer);
  const bool byte_level = pre_tokenizer_ && pre_tokenizer_->byte_level();
  model_ = std::make_unique<BpeModel>(parsed.model, byte_level);
  added_vocabulary_ = std::make_unique<AddedVocabulary>(parsed.added_tokens, normalizer_.get());
  if (parsed.post_processor)
    post_processor_ = std::make_unique<PostProcessor>(*parsed.post_processor);
  if (parsed.decoder) decoder_ = std::make_unique<Decoder>(*parsed.decoder);

  vocab_size_ = model_->id_limit();
  for (const AddedTokenSpec& token : parsed.added_tokens)
    vocab_size_ = std::max(vocab_size_, token.id + 1);
  const auto token_count =
      static_cast<int64_t>(parsed.model.vocab.size() + parsed.added_tokens.size());
  if (vocab_size_ > max_id_limit(token_count))
    throw_json_error(top / "added_tokens", "ids go up to " + std::to_string(vocab_size_ - 1) +
                                               " for " + std::to_string(token_count) +
                                               " tokens (at most 2 x tokens + 256 ids)");
  added_content_.resize(static_cast<size_t>(vocab_size_));
  special_.assign(static_cast<size_t>(vocab_size_), false);
  for (size_t i = 0; i < parsed.added_tokens.size(); ++i) {
    const AddedTokenSpec& token = parsed.added_tokens[i];
    if (!added_content_[token.id].empty() && added_content_[token.id] != token.content)
      throw_json_error((top / "added_tokens")[i] / "id",
                       "id " + std::to_string(token.id) + " is given to both '" +
                           added_content_[token.id] + "' and '" + token.content + "'");
    added_content_[token.id] = token.content;
    added_ids_.emplace(token.content, token.id);  // a repeated content: the first id
    special_[token.id] = token.special;
  }
  if (post_processor_) {
    for (int64_t id : post_processor_->special_ids())
      if (id >= vocab_size_ || (added_content_[id].empty() && !model_->id_to_token(id)))
        throw_json_error(top / "post_processor",
                         "special token id " + std::to_string(id) + " is not in the vocab");
  }
  if (auto unk = parsed.model.unk_token) unk_id_ = token_to_id(*unk);
  if (config != nullptr) apply_config(*config);
  for (int64_t id = 0; id < vocab_size_; ++id)
    if (!added_content_[id].empty()) added_.push_back({added_content_[id], id, special_[id]});
  if (decoder_ && decoder_->is_byte_level()) {
    // HF's ByteLevel decoder per token: the alphabet back to bytes, or the token's own UTF-8.
    decoded_bytes_.resize(static_cast<size_t>(vocab_size_));
    for (int64_t id = 0; id < vocab_size_; ++id) {
      const std::string* token =
          !added_content_[id].empty() ? &added_content_[id] : model_->id_to_token(id);
      if (token == nullptr) continue;
      decoded_bytes_[id] = byte_level_decode(*token).value_or(*token);
    }
  }
}

BpeTokenizer::~BpeTokenizer() = default;

void BpeTokenizer::apply_config(const TokenizerConfigFile& config) {
  for (const auto& [id, token] : config.added_tokens_decoder) {
    R1F_CHECK_CONFIG(id >= 0 && id < vocab_size_, config.source.string(), ": added_tokens_decoder.",
                     id, " ('", token.content, "') is not an id of ", source_, " (", vocab_size_,
                     " ids); tokens added beyond tokenizer.json are not supported");
    const std::string* existing =
        !added_content_[id].empty() ? &added_content_[id] : model_->id_to_token(id);
    R1F_CHECK_CONFIG(existing != nullptr && *existing == token.content, config.source.string(),
                     ": added_tokens_decoder.", id, " is '", token.content, "' but id ", id, " of ",
                     source_, " is '", existing ? *existing : std::string("(none)"), "'");
    special_[id] = token.special;
  }
  auto resolve = [&](const TokenSetting& setting, const char* key,
                     std::optional<int64_t> fallback) -> std::optional<int64_t> {
    if (!setting.given) return fallback;
    if (!setting.content) return std::nullopt;
    auto id = token_to_id(*setting.content);
    R1F_CHECK_CONFIG(id.has_value(), config.source.string(), ": ", key, " '", *setting.content,
                     "' is not a token of ", source_);
    return id;
  };
  bos_id_ = resolve(config.bos_token, "bos_token", bos_id_);
  eos_id_ = resolve(config.eos_token, "eos_token", eos_id_);
  pad_id_ = resolve(config.pad_token, "pad_token", pad_id_);
  unk_id_ = resolve(config.unk_token, "unk_token", unk_id_);
  for (auto id : {bos_id_, eos_id_, pad_id_, unk_id_})
    if (id) special_[*id] = true;  // transformers counts every named special token as special
}

void BpeTokenizer::encode_plain(std::string_view text, std::vector<int64_t>& ids) const {
  thread_local std::vector<std::string_view> pieces;
  std::deque<std::string> storage;
  pieces.clear();
  if (pre_tokenizer_)
    pre_tokenizer_->split(text, pieces, storage);
  else
    pieces.push_back(text);
  for (std::string_view piece : pieces) model_->tokenize(piece, ids);
}

void BpeTokenizer::encode_text(std::string_view text, std::vector<int64_t>& ids) const {
  if (auto bad = first_invalid_utf8(text))
    R1F_THROW(DataError, "text to encode with ", source_, " is not valid UTF-8 (byte ", *bad, ")");
  std::vector<TextSegment> segments;
  added_vocabulary_->split(text, false, segments);
  std::string normalized;
  std::vector<TextSegment> inner;
  for (const TextSegment& segment : segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    std::string_view plain = segment.text;
    if (normalizer_) {
      normalized.assign(segment.text);
      normalizer_->normalize(normalized);
      plain = normalized;
    }
    if (!added_vocabulary_->has_normalized_tokens()) {
      encode_plain(plain, ids);
      continue;
    }
    inner.clear();
    added_vocabulary_->split(plain, true, inner);
    for (const TextSegment& part : inner) {
      if (part.id >= 0)
        ids.push_back(part.id);
      else
        encode_plain(part.text, ids);
    }
  }
}

std::vector<int64_t> BpeTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 4);
  encode_text(text, ids);
  if (!post_processor_) return ids;
  return post_processor_->process(ids, nullptr, add_special_tokens);
}

std::vector<int64_t> BpeTokenizer::encode_pair(std::string_view a,
                                               std::string_view b,
                                               bool add_special_tokens) const {
  std::vector<int64_t> first, second;
  encode_text(a, first);
  encode_text(b, second);
  if (!post_processor_) {
    first.insert(first.end(), second.begin(), second.end());
    return first;
  }
  return post_processor_->process(first, &second, add_special_tokens);
}

const std::string& BpeTokenizer::token_of(int64_t id) const {
  R1F_CHECK_DATA(id >= 0 && id < vocab_size_, "token id ", id, " is out of range [0, ", vocab_size_,
                 ") for ", source_);
  if (!added_content_[id].empty()) return added_content_[id];
  const std::string* token = model_->id_to_token(id);
  R1F_CHECK_DATA(token != nullptr, "token id ", id, " has no token in ", source_);
  return *token;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  if (!decoded_bytes_.empty()) {
    std::string bytes;
    for (int64_t id : ids) {
      token_of(id);  // range and existence checks
      if (skip_special_tokens && special_[id]) continue;
      bytes += decoded_bytes_[id];
    }
    return utf8_lossy(bytes);
  }
  std::vector<std::string> tokens;
  for (int64_t id : ids) {
    const std::string& token = token_of(id);
    if (skip_special_tokens && special_[id]) continue;
    tokens.push_back(token);
  }
  if (decoder_) return decoder_->decode(std::move(tokens));
  std::string text;
  for (size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
  return text;
}

std::optional<int64_t> BpeTokenizer::token_to_id(std::string_view token) const {
  if (auto it = added_ids_.find(token); it != added_ids_.end()) return it->second;
  return model_->token_to_id(token);
}

std::string BpeTokenizer::id_to_token(int64_t id) const {
  return token_of(id);
}

std::vector<AddedToken> BpeTokenizer::added_tokens() const {
  return added_;
}

bool BpeTokenizer::is_special(int64_t id) const {
  return id >= 0 && id < vocab_size_ && special_[id];
}

std::string BpeTokenizer::describe() const {
  return detail::concat("byte-level BPE ", source_.string(), ", ", vocab_size_, " ids, ",
                        model_->merge_count(), " merges");
}

}  // namespace r1forge
