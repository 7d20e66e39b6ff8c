// tokenizer.json parsing; see include/r1forge/tokenizer/tokenizer_json.h.
#include "r1forge/tokenizer/tokenizer_json.h"

#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"

namespace r1forge {

TokenizerJson parse_tokenizer_json(std::string_view text, const std::filesystem::path& source) {
  using nlohmann::json;
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& error) {
    // parse_error and out_of_range (a number beyond double) alike.
    R1F_THROW(ConfigError, source.string(), ": invalid JSON: ", error.what());
  }
  const JsonKey top{source.string(), ""};
  json_object_at(root, top);
  json_check_keys(root, top,
                  {"version", "truncation", "padding", "added_tokens", "normalizer",
                   "pre_tokenizer", "post_processor", "decoder", "model"});
  for (const char* runtime : {"truncation", "padding"}) {
    auto it = root.find(runtime);
    if (it != root.end() && !it->is_null())
      throw_json_error(top / runtime,
                       "must be null (r1forge does its own truncation and "
                       "padding)");
  }
  TokenizerJson parsed;
  parsed.source = source;
  if (auto it = root.find("added_tokens"); it != root.end())
    parsed.added_tokens = parse_added_tokens(*it, top / "added_tokens");
  auto optional_part = [&](const char* name, auto parse) {
    auto it = root.find(name);
    using Spec = decltype(parse(*it, top / name));
    if (it == root.end() || it->is_null()) return std::optional<Spec>();
    return std::optional<Spec>(parse(*it, top / name));
  };
  parsed.normalizer = optional_part("normalizer", parse_normalizer);
  parsed.pre_tokenizer = optional_part("pre_tokenizer", parse_pre_tokenizer);
  parsed.post_processor = optional_part("post_processor", parse_post_processor);
  parsed.decoder = optional_part("decoder", parse_decoder);
  parsed.model = parse_bpe_model(json_required(root, top, "model"), top / "model");
  return parsed;
}

TokenizerJson read_tokenizer_json(const std::filesystem::path& path) {
  std::error_code error;
  R1F_CHECK_IO(std::filesystem::is_regular_file(path, error), "tokenizer file ", path,
               " does not exist or is not a regular file");
  return parse_tokenizer_json(read_file(path), path);
}

}  // namespace r1forge
