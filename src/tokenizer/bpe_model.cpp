// The BPE model; see include/r1forge/tokenizer/bpe_model.h.
#include "r1forge/tokenizer/bpe_model.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/byte_level.h"
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {

namespace {

using nlohmann::json;

// Word cache bounds: pre-tokens longer than this are rare enough not to repeat; a full cache is
// cleared rather than evicted piecemeal (cheap, and the common words come straight back).
constexpr size_t kMaxCachedPieceBytes = 256;
constexpr size_t kMaxCachedPieces = 1 << 17;
constexpr size_t kCachedModelsPerThread = 4;

struct WordCache {
  uint64_t owner = 0;
  std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> pieces;
};

// This thread's caches, most recently used model first.
WordCache& thread_cache(uint64_t owner) {
  thread_local std::vector<WordCache> caches;
  for (size_t i = 0; i < caches.size(); ++i) {
    if (caches[i].owner != owner) continue;
    if (i != 0) std::swap(caches[0], caches[i]);
    return caches[0];
  }
  if (caches.size() == kCachedModelsPerThread) caches.pop_back();
  caches.insert(caches.begin(), WordCache{owner, {}});
  return caches[0];
}

std::optional<std::string> optional_string(const json& object,
                                           const JsonKey& key,
                                           const char* name) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw_json_error(key / name, "must be a string or null, got " + it->dump());
  return it->get<std::string>();
}

std::vector<std::pair<std::string, std::string>> parse_merges(const json& list,
                                                              const JsonKey& key) {
  if (!list.is_array()) throw_json_error(key, "must be a list of merges");
  std::vector<std::pair<std::string, std::string>> merges;
  merges.reserve(list.size());
  // HF's untagged MergeType: all "a b" strings, or all ["a", "b"] pairs.
  const bool legacy = !list.empty() && list[0].is_string();
  size_t rank = 0;
  for (size_t i = 0; i < list.size(); ++i) {
    const json& merge = list[i];
    if (legacy) {
      if (!merge.is_string())
        throw_json_error(key[i],
                         "must be a string like the first merge (\"a b\"), got " + merge.dump());
      const std::string& line = merge.get_ref<const std::string&>();
      if (line.rfind("#version", 0) == 0) continue;
      ++rank;
      size_t space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
        throw_json_error(key[i], "merge " + std::to_string(rank) + " '" + line +
                                     "' must be two tokens separated by one space");
      merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    } else {
      if (!merge.is_array() || merge.size() != 2 || !merge[0].is_string() || !merge[1].is_string())
        throw_json_error(key[i],
                         "must be a pair of token strings [\"a\", \"b\"] (or every merge "
                         "a string \"a b\"), got " +
                             merge.dump());
      merges.emplace_back(merge[0].get<std::string>(), merge[1].get<std::string>());
    }
  }
  return merges;
}

}  // namespace

int64_t max_id_limit(int64_t token_count) {
  return 2 * token_count + 256;
}

BpeModelSpec parse_bpe_model(const json& value, const JsonKey& key) {
  BpeModelSpec spec;
  spec.key = key;
  const std::string type = json_type_of(value, key);
  if (type != "BPE")
    throw_json_error(key / "type", "unsupported model type '" + type + "' (only BPE)");
  json_check_keys(
      value, key,
      {"type", "dropout", "unk_token", "continuing_subword_prefix", "end_of_word_suffix",
       "fuse_unk", "byte_fallback", "ignore_merges", "vocab", "merges"});
  if (auto it = value.find("dropout"); it != value.end() && !it->is_null())
    throw_json_error(key / "dropout", "BPE dropout is not supported (it must be null)");
  spec.unk_token = optional_string(value, key, "unk_token");
  spec.continuing_subword_prefix =
      optional_string(value, key, "continuing_subword_prefix").value_or("");
  spec.end_of_word_suffix = optional_string(value, key, "end_of_word_suffix").value_or("");
  spec.fuse_unk = json_bool_member(value, key, "fuse_unk", false);
  spec.byte_fallback = json_bool_member(value, key, "byte_fallback", false);
  spec.ignore_merges = json_bool_member(value, key, "ignore_merges", false);
  const json& vocab = json_required(value, key, "vocab");
  if (!vocab.is_object()) throw_json_error(key / "vocab", "must be an object {token: id}");
  spec.vocab.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      throw_json_error(key / "vocab", "the id of '" + token +
                                          "' must be a non-negative 32-bit "
                                          "integer, got " +
                                          id.dump());
    spec.vocab.emplace_back(token, id.get<int64_t>());
  }
  spec.merges = parse_merges(json_required(value, key, "merges"), key / "merges");
  return spec;
}

BpeModel::BpeModel(const BpeModelSpec& spec, bool byte_level_input)
    : continuing_subword_prefix_(spec.continuing_subword_prefix),
      end_of_word_suffix_(spec.end_of_word_suffix),
      fuse_unk_(spec.fuse_unk),
      byte_fallback_(spec.byte_fallback),
      ignore_merges_(spec.ignore_merges),
      byte_level_input_(byte_level_input) {
  static std::atomic<uint64_t> next_owner{1};
  cache_owner_ = next_owner++;
  vocab_.reserve(spec.vocab.size());
  int64_t limit = 0;
  for (const auto& [token, id] : spec.vocab) limit = std::max(limit, id + 1);
  // Ids index tables: a vocab with far more holes than tokens is malformed (and would make a
  // two-entry file allocate gigabytes).
  if (limit > max_id_limit(static_cast<int64_t>(spec.vocab.size())))
    throw_json_error(spec.key / "vocab", "ids go up to " + std::to_string(limit - 1) + " for " +
                                             std::to_string(spec.vocab.size()) +
                                             " tokens (at most 2 x tokens + 256 ids)");
  tokens_.resize(static_cast<size_t>(limit));
  has_token_.assign(static_cast<size_t>(limit), false);
  for (const auto& [token, id] : spec.vocab) {
    vocab_[token] = static_cast<int32_t>(id);
    if (has_token_[id]) continue;  // two tokens with one id: the first names it
    tokens_[id] = token;
    has_token_[id] = true;
  }
  auto id_of = [&](const std::string& token, const JsonKey& where) {
    auto it = vocab_.find(token);
    if (it == vocab_.end())
      throw_json_error(where, "the token '" + token + "' is not in the vocab");
    return it->second;
  };
  if (spec.unk_token) unk_id_ = id_of(*spec.unk_token, spec.key / "unk_token");
  merges_.reserve(spec.merges.size());
  const size_t prefix = continuing_subword_prefix_.size();
  for (size_t rank = 0; rank < spec.merges.size(); ++rank) {
    const auto& [left, right] = spec.merges[rank];
    const JsonKey where = (spec.key / "merges")[rank];
    int32_t left_id = id_of(left, where);
    int32_t right_id = id_of(right, where);
    std::string merged = left + (right.size() >= prefix ? right.substr(prefix) : std::string());
    int32_t new_id = id_of(merged, where);
    uint64_t pair = (static_cast<uint64_t>(left_id) << 32) | static_cast<uint32_t>(right_id);
    merges_[pair] = Merge{static_cast<int32_t>(rank), new_id};  // a repeated pair: the last wins
  }
  if (byte_level_input_ && prefix == 0 && end_of_word_suffix_.empty()) {
    byte_fast_path_ = true;
    const auto& strings = byte_level_strings();
    for (int b = 0; b < 256; ++b) {
      auto it = vocab_.find(strings[b]);
      if (it == vocab_.end())
        byte_fast_path_ = false;
      else
        byte_ids_[b] = it->second;
    }
    if (byte_fast_path_ && ignore_merges_) {
      for (const auto& [token, id] : vocab_)
        if (auto bytes = byte_level_decode(token)) byte_vocab_.emplace(*bytes, id);
    }
  }
}

BpeModel::~BpeModel() = default;

std::optional<int64_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int64_t id) const {
  if (id < 0 || id >= id_limit() || !has_token_[id]) return nullptr;
  return &tokens_[id];
}

std::optional<BpeModel::Merge> BpeModel::find_merge(int32_t left, int32_t right) const {
  auto it = merges_.find((static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right));
  if (it == merges_.end()) return std::nullopt;
  return it->second;
}

void BpeModel::initial_symbols(std::string_view piece, std::vector<int32_t>& symbols) const {
  if (byte_fast_path_) {
    for (char c : piece) symbols.push_back(byte_ids_[static_cast<uint8_t>(c)]);
    return;
  }
  const std::string model_text = byte_level_input_ ? byte_level_encode(piece) : std::string(piece);
  std::optional<int32_t> pending_unk;  // HF's `unk`: an unknown run not yet added
  size_t at = 0;
  std::string symbol;
  while (at < model_text.size()) {
    const size_t begin = at;
    next_code_point(model_text, at);
    symbol.assign(model_text, begin, at - begin);
    if (begin != 0) symbol.insert(0, continuing_subword_prefix_);
    if (at == model_text.size()) symbol += end_of_word_suffix_;
    if (auto it = vocab_.find(symbol); it != vocab_.end()) {
      if (pending_unk) symbols.push_back(*pending_unk), pending_unk.reset();
      symbols.push_back(it->second);
      continue;
    }
    if (byte_fallback_) {
      std::vector<int32_t> bytes;
      for (char c : symbol) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>",
                      static_cast<unsigned>(static_cast<uint8_t>(c)));
        auto it = vocab_.find(std::string_view(name));
        if (it == vocab_.end()) break;
        bytes.push_back(it->second);
      }
      if (bytes.size() == symbol.size()) {
        // Like HF, a pending unk is not flushed here: it lands after these bytes.
        symbols.insert(symbols.end(), bytes.begin(), bytes.end());
        continue;
      }
    }
    if (unk_id_) {
      if (pending_unk && !fuse_unk_) symbols.push_back(*pending_unk);
      pending_unk = *unk_id_;
    }
    // No unk_token: HF drops the character.
  }
  if (pending_unk) symbols.push_back(*pending_unk);
}

void BpeModel::merge_all(std::vector<int32_t>& ids) const {
  const auto n = static_cast<int32_t>(ids.size());
  if (n < 2) return;
  struct Symbol {
    int32_t id, prev, next;
    bool alive;
  };
  struct Candidate {
    int32_t rank, pos, new_id;
  };
  thread_local std::vector<Symbol> symbols;
  thread_local std::vector<Candidate> heap;
  symbols.resize(static_cast<size_t>(n));
  heap.clear();
  // std heap functions keep the "largest" on top: order so that the lowest (rank, pos) is.
  auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  for (int32_t i = 0; i < n; ++i) symbols[i] = {ids[i], i - 1, i + 1 < n ? i + 1 : -1, true};
  for (int32_t i = 0; i + 1 < n; ++i)
    if (auto merge = find_merge(ids[i], ids[i + 1]))
      heap.push_back({merge->rank, i, merge->new_id});
  std::make_heap(heap.begin(), heap.end(), later);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& current = symbols[top.pos];
    if (!current.alive || current.next < 0) continue;
    const int32_t next_pos = current.next;
    const Symbol right = symbols[next_pos];
    // A stale entry: the pair at this position changed since it was queued.
    auto merge = find_merge(current.id, right.id);
    if (!merge || merge->new_id != top.new_id) continue;
    current.id = top.new_id;
    current.next = right.next;
    symbols[next_pos].alive = false;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    if (current.prev >= 0) {
      if (auto left = find_merge(symbols[current.prev].id, current.id)) {
        heap.push_back({left->rank, current.prev, left->new_id});
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
    if (current.next >= 0) {
      if (auto after = find_merge(current.id, symbols[current.next].id)) {
        heap.push_back({after->rank, top.pos, after->new_id});
        std::push_heap(heap.begin(), heap.end(), later);
      }
    }
  }
  ids.clear();
  for (int32_t i = 0; i < n; ++i)
    if (symbols[i].alive) ids.push_back(symbols[i].id);
}

void BpeModel::tokenize_uncached(std::string_view piece, std::vector<int32_t>& ids) const {
  ids.clear();
  initial_symbols(piece, ids);
  merge_all(ids);
}

void BpeModel::tokenize(std::string_view piece, std::vector<int64_t>& ids) const {
  if (ignore_merges_) {
    // HF checks the whole pre-token against the vocab before anything else.
    if (byte_fast_path_) {
      if (auto it = byte_vocab_.find(piece); it != byte_vocab_.end()) {
        ids.push_back(it->second);
        return;
      }
    } else {
      const std::string model_text =
          byte_level_input_ ? byte_level_encode(piece) : std::string(piece);
      if (auto it = vocab_.find(model_text); it != vocab_.end()) {
        ids.push_back(it->second);
        return;
      }
    }
  }
  if (byte_fast_path_ && piece.size() == 1) {
    ids.push_back(byte_ids_[static_cast<uint8_t>(piece[0])]);
    return;
  }
  thread_local std::vector<int32_t> word;
  if (piece.size() > kMaxCachedPieceBytes) {
    tokenize_uncached(piece, word);
    ids.insert(ids.end(), word.begin(), word.end());
    return;
  }
  WordCache& cache = thread_cache(cache_owner_);
  if (auto it = cache.pieces.find(piece); it != cache.pieces.end()) {
    ids.insert(ids.end(), it->second.begin(), it->second.end());
    return;
  }
  tokenize_uncached(piece, word);
  ids.insert(ids.end(), word.begin(), word.end());
  if (cache.pieces.size() >= kMaxCachedPieces) cache.pieces.clear();
  cache.pieces.emplace(std::string(piece), word);
}

}  // namespace r1forge
