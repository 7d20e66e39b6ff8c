// tokenizer_config.json parsing and the tokenizer factory; see
// include/r1forge/tokenizer/tokenizer.h.
#include "r1forge/tokenizer/tokenizer.h"

#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/tokenizer/bpe_tokenizer.h"
#include "r1forge/tokenizer/sentencepiece.h"

namespace r1forge {

namespace {

using nlohmann::json;

// A token given as "<s>", null, or {"__type":"AddedToken","content":"<s>",...} (DeepSeek-V3).
TokenSetting read_token_setting(const json& root,
                                const char* key,
                                const std::filesystem::path& source) {
  TokenSetting setting;
  auto it = root.find(key);
  if (it == root.end()) return setting;
  setting.given = true;
  if (it->is_null()) return setting;
  if (it->is_string()) {
    setting.content = it->get<std::string>();
    return setting;
  }
  R1F_CHECK_CONFIG(it->is_object(), source, ": key ", key,
                   " must be a string, null or an AddedToken object, got ", it->dump());
  auto content = it->find("content");
  R1F_CHECK_CONFIG(content != it->end() && content->is_string(), source, ": key ", key,
                   ".content must be a string, got ", it->dump());
  setting.content = content->get<std::string>();
  return setting;
}

std::optional<bool> read_bool(const json& root,
                              const char* key,
                              const std::filesystem::path& source) {
  auto it = root.find(key);
  if (it == root.end() || it->is_null()) return std::nullopt;
  R1F_CHECK_CONFIG(it->is_boolean(), source, ": key ", key, " must be true or false, got ",
                   it->dump());
  return it->get<bool>();
}

std::map<int64_t, AddedToken> read_added_tokens_decoder(const json& root,
                                                        const std::filesystem::path& source) {
  std::map<int64_t, AddedToken> tokens;
  auto it = root.find("added_tokens_decoder");
  if (it == root.end() || it->is_null()) return tokens;
  R1F_CHECK_CONFIG(it->is_object(), source,
                   ": key added_tokens_decoder must be an object keyed by token id");
  for (const auto& [key, value] : it->items()) {
    std::string where = detail::concat(source.string(), ": key added_tokens_decoder.", key);
    int64_t id = -1;
    size_t used = 0;
    try {
      id = std::stoll(key, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    R1F_CHECK_CONFIG(used == key.size() && id >= 0, where, ": the key must be a token id");
    R1F_CHECK_CONFIG(value.is_object(), where, " must be an object");
    auto content = value.find("content");
    R1F_CHECK_CONFIG(content != value.end() && content->is_string(), where,
                     ".content must be a string");
    bool special = false;
    if (auto flag = value.find("special"); flag != value.end()) {
      R1F_CHECK_CONFIG(flag->is_boolean(), where, ".special must be true or false");
      special = flag->get<bool>();
    }
    tokens[id] = AddedToken{content->get<std::string>(), id, special};
  }
  return tokens;
}

}  // namespace

TokenizerConfigFile read_tokenizer_config(const std::filesystem::path& path) {
  const json root = read_json_file(path);
  R1F_CHECK_CONFIG(root.is_object(), path, ": the top level must be a JSON object");
  TokenizerConfigFile config;
  config.source = path;
  config.bos_token = read_token_setting(root, "bos_token", path);
  config.eos_token = read_token_setting(root, "eos_token", path);
  config.pad_token = read_token_setting(root, "pad_token", path);
  config.unk_token = read_token_setting(root, "unk_token", path);
  config.add_bos_token = read_bool(root, "add_bos_token", path);
  config.add_eos_token = read_bool(root, "add_eos_token", path);
  if (auto it = root.find("model_max_length"); it != root.end() && !it->is_null()) {
    // HF writes 1e30 (a float) for "no limit"; only an integer is a real limit.
    R1F_CHECK_CONFIG(it->is_number(), path, ": key model_max_length must be a number, got ",
                     it->dump());
    if (it->is_number_integer()) config.model_max_length = it->get<int64_t>();
  }
  config.added_tokens_decoder = read_added_tokens_decoder(root, path);
  return config;
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    if (path.extension() == ".json") return std::make_unique<BpeTokenizer>(path);
    return std::make_unique<SentencePieceTokenizer>(path);
  }
  R1F_CHECK_IO(fs::is_directory(path, error), "tokenizer path ", path,
               " does not exist (expected a model folder, a tokenizer.json or a SentencePiece "
               ".model file)");
  const fs::path config_file = path / "tokenizer_config.json";
  std::optional<TokenizerConfigFile> config;
  if (fs::exists(config_file, error)) config = read_tokenizer_config(config_file);
  // tokenizer.json first, as transformers' fast tokenizers do when a folder has both.
  if (fs::path json = path / "tokenizer.json"; fs::is_regular_file(json, error)) {
    if (config) return std::make_unique<BpeTokenizer>(json, *config);
    return std::make_unique<BpeTokenizer>(json);
  }
  if (fs::path model = path / "tokenizer.model"; fs::is_regular_file(model, error)) {
    if (config) return std::make_unique<SentencePieceTokenizer>(model, *config);
    return std::make_unique<SentencePieceTokenizer>(model);
  }
  R1F_THROW(IoError, "no tokenizer in the folder ", path,
            ": looked for tokenizer.json (HF byte-level BPE) and tokenizer.model (SentencePiece)");
}

}  // namespace r1forge
