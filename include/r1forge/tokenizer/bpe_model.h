// The tokenizer.json `model` of type BPE (HF tokenizers models/bpe, formats.md §4.2): vocab,
// merges in both the "a b" and ["a", "b"] forms, ignore_merges, unk_token/fuse_unk,
// byte_fallback, continuing_subword_prefix and end_of_word_suffix. Merging follows HF's
// Word::merge_all exactly (a heap of (rank, position), stale entries skipped).
//
// Word cache: each thread keeps the ids of the pre-tokens it has seen, for the last few models it
// used (no locks; bounded, cleared when full). Not here: pre-tokenization (pre_tokenizer.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "r1forge/tokenizer/json_key.h"

namespace r1forge {

struct BpeModelSpec {
  JsonKey key;
  std::vector<std::pair<std::string, int64_t>> vocab;       // token -> id
  std::vector<std::pair<std::string, std::string>> merges;  // by rank
  std::optional<std::string> unk_token;                     // null in byte-level models
  std::string continuing_subword_prefix;                    // before every non-first symbol
  std::string end_of_word_suffix;                           // after the last symbol
  bool fuse_unk = false;       // consecutive unknown characters give one unk
  bool byte_fallback = false;  // unknown characters as <0xHH> tokens (Llama-2)
  bool ignore_merges = false;  // a pre-token found whole in vocab is one id (Llama-3)
};

// `value` is the "model" object at `key`; ConfigError for another type, dropout, bad merges.
BpeModelSpec parse_bpe_model(const nlohmann::json& value, const JsonKey& key);

// The largest id limit (largest id + 1) a file with `token_count` tokens may use: ids may leave
// holes, but not more holes than tokens (plus 256).
int64_t max_id_limit(int64_t token_count);

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using TokenMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class BpeModel {
 public:
  // byte_level_input: pieces arrive as raw bytes to be read through the byte-level alphabet
  // (a ByteLevel pre-tokenizer). ConfigError naming the key for a merge or unk_token that is not
  // in the vocab, or ids that do not fit int32.
  BpeModel(const BpeModelSpec& spec, bool byte_level_input);
  ~BpeModel();

  // Appends the ids of one non-empty pre-token.
  void tokenize(std::string_view piece, std::vector<int64_t>& ids) const;

  std::optional<int64_t> token_to_id(std::string_view token) const;
  // The vocab string of `id`, or nullptr when the vocab has no such id.
  const std::string* id_to_token(int64_t id) const;
  // One past the largest id in the vocab.
  int64_t id_limit() const { return static_cast<int64_t>(tokens_.size()); }
  size_t merge_count() const { return merges_.size(); }

 private:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };
  std::optional<Merge> find_merge(int32_t left, int32_t right) const;
  // The initial symbols of a piece, before merges (HF merge_word's first loop).
  void initial_symbols(std::string_view piece, std::vector<int32_t>& symbols) const;
  void merge_all(std::vector<int32_t>& symbols) const;
  void tokenize_uncached(std::string_view piece, std::vector<int32_t>& ids) const;

  TokenMap vocab_;
  std::vector<std::string> tokens_;  // by id; empty where the vocab has no id
  std::vector<bool> has_token_;
  std::unordered_map<uint64_t, Merge> merges_;  // (left id << 32 | right id) -> merge
  std::optional<int32_t> unk_id_;
  std::string continuing_subword_prefix_, end_of_word_suffix_;
  bool fuse_unk_ = false, byte_fallback_ = false, ignore_merges_ = false;
  bool byte_level_input_ = false;
  // Byte-level fast path: the id of each byte's character (all 256 in the vocab, no prefix or
  // suffix), and the vocab keyed by raw bytes for ignore_merges.
  bool byte_fast_path_ = false;
  int32_t byte_ids_[256] = {};
  TokenMap byte_vocab_;
  uint64_t cache_owner_;  // this model's key in the per-thread word caches
};

}  // namespace r1forge
