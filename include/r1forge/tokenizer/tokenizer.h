// The tokenizer interface every r1forge component uses (text <-> token ids), the settings an HF
// `tokenizer_config.json` may impose on it, and the factory that picks an implementation for a
// model folder, a tokenizer.json or a `.model` file.
//
// The BOS trap (formats.md §4.6): chat templates usually write `{{bos_token}}` into the text, so
// encode rendered chat text with add_special_tokens=false or the sequence gets two BOS tokens.
// Not here: the SentencePiece implementation (sentencepiece.h), byte-level BPE from
// tokenizer.json (bpe_tokenizer.h), chat templates (chat_template.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace r1forge {

// A token matched as a whole string before the model's own segmentation (HF "added token";
// for SentencePiece: control, unknown and user-defined pieces). `special` only decides whether
// skip_special_tokens drops it on decode: Qwen's <think> is added but not special.
struct AddedToken {
  std::string content;
  int64_t id = 0;
  bool special = false;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Text -> ids. add_special_tokens adds what the tokenizer is configured to add around a single
  // sequence (SentencePiece/Llama: BOS, and EOS if add_eos_token).
  virtual std::vector<int64_t> encode(std::string_view text, bool add_special_tokens) const = 0;
  // Ids -> text. DataError naming the id for an id outside [0, vocab_size()).
  virtual std::string decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const = 0;

  // Number of ids; every id the tokenizer produces or accepts is in [0, vocab_size()).
  virtual int64_t vocab_size() const = 0;
  virtual std::optional<int64_t> bos_id() const = 0;
  virtual std::optional<int64_t> eos_id() const = 0;
  virtual std::optional<int64_t> pad_id() const = 0;
  virtual std::optional<int64_t> unk_id() const = 0;

  // The id of a token given by its exact vocabulary string (e.g. "▁the", "<think>", "<0x0A>").
  virtual std::optional<int64_t> token_to_id(std::string_view token) const = 0;
  // The vocabulary string of an id; DataError naming the id when out of range.
  virtual std::string id_to_token(int64_t id) const = 0;
  // Added tokens in id order (see AddedToken).
  virtual std::vector<AddedToken> added_tokens() const = 0;
  // Whether skip_special_tokens drops this id on decode; false for out-of-range ids.
  virtual bool is_special(int64_t id) const = 0;
  // A short description for logs: "sentencepiece unigram, 320 ids".
  virtual std::string describe() const = 0;
};

// One special-token key of tokenizer_config.json (bos_token, eos_token, ...).
struct TokenSetting {
  bool given = false;                  // the key is present in the file
  std::optional<std::string> content;  // the token's string; nullopt when the file says null
};

// What an HF tokenizer_config.json says about special tokens. Fields the file leaves out keep
// the tokenizer model's own defaults.
struct TokenizerConfigFile {
  std::filesystem::path source;  // the file, for messages
  TokenSetting bos_token;
  TokenSetting eos_token;
  TokenSetting pad_token;
  TokenSetting unk_token;
  std::optional<bool> add_bos_token;
  std::optional<bool> add_eos_token;
  std::optional<int64_t> model_max_length;
  std::map<int64_t, AddedToken> added_tokens_decoder;  // by id
};

// Parses tokenizer_config.json. Tokens may be a string, null, or an
// {"__type":"AddedToken","content":...} object. ConfigError naming the file and the key for
// malformed JSON or a value of the wrong type; IoError when the file cannot be read.
TokenizerConfigFile read_tokenizer_config(const std::filesystem::path& path);

// Picks and loads a tokenizer:
//   a .json file -> HF tokenizer.json (byte-level BPE), taken as is;
//   another file -> SentencePiece .model, taken as is;
//   a folder -> its tokenizer.json, else its tokenizer.model (transformers prefers the fast
//     tokenizer.json when both exist), with the folder's tokenizer_config.json applied if present;
//   anything else -> IoError naming the path and the files looked for.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path);

}  // namespace r1forge
