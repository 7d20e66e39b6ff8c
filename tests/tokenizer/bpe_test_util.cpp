// Helpers of the tokenizer.json tests; see bpe_test_util.h.
#include "tokenizer/bpe_test_util.h"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "r1forge/core/fs.h"

namespace r1forge::testing {

// The same folders as test_util.h's testdata_dir()/source_dir(), without its LibTorch headers.
namespace {
std::filesystem::path testdata_dir() {
  return R1F_TESTDATA_DIR;
}
std::filesystem::path source_dir() {
  return R1F_SOURCE_DIR;
}
}  // namespace

std::filesystem::path real_tokenizer_folder(const std::string& name) {
  std::filesystem::path folder = testdata_dir() / "tokenizers" / name;
  if (!std::filesystem::is_regular_file(folder / "tokenizer.json"))
    throw std::runtime_error(
        "the shared test data is missing: " + (folder / "tokenizer.json").string() +
        " (clone /work/shared/testdata beside the checkout; see "
        "tests/test_util.h testdata_dir())");
  return folder;
}

nlohmann::json make_llama3_style(const nlohmann::json& qwen) {
  const std::string bos = "<|endoftext|>";
  nlohmann::json out = qwen;
  out["normalizer"] = nullptr;
  out["pre_tokenizer"]["pretokenizers"][0]["pattern"] = {
      {"Regex",
       R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}};
  out["model"]["ignore_merges"] = true;
  int64_t bos_id = -1;
  for (const auto& token : qwen["added_tokens"])
    if (token["content"] == bos) bos_id = token["id"].get<int64_t>();
  auto special = [&](int type_id) {
    return nlohmann::json{{"SpecialToken", {{"id", bos}, {"type_id", type_id}}}};
  };
  auto sequence = [](const char* id, int type_id) {
    return nlohmann::json{{"Sequence", {{"id", id}, {"type_id", type_id}}}};
  };
  out["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       {{{"type", "ByteLevel"},
         {"add_prefix_space", false},
         {"trim_offsets", false},
         {"use_regex", false}},
        {{"type", "TemplateProcessing"},
         {"single", {special(0), sequence("A", 0)}},
         {"pair", {special(0), sequence("A", 0), special(1), sequence("B", 1)}},
         {"special_tokens", {{bos, {{"id", bos}, {"ids", {bos_id}}, {"tokens", {bos}}}}}}}}}};
  return out;
}

const BpeTokenizer& golden_tokenizer(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<BpeTokenizer>> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = loaded[name];
  if (slot) return *slot;
  if (name == "llama3_style") {
    std::filesystem::path qwen = real_tokenizer_folder("qwen3") / "tokenizer.json";
    nlohmann::json synthesized = make_llama3_style(nlohmann::json::parse(read_file(qwen)));
    slot = std::make_unique<BpeTokenizer>(
        parse_tokenizer_json(synthesized.dump(), "llama3_style/tokenizer.json"), nullptr);
  } else {
    std::filesystem::path folder = real_tokenizer_folder(name);
    TokenizerConfigFile config = read_tokenizer_config(folder / "tokenizer_config.json");
    slot = std::make_unique<BpeTokenizer>(folder / "tokenizer.json", config);
  }
  return *slot;
}

nlohmann::json golden_file(const std::string& name) {
  return nlohmann::json::parse(
      read_file(source_dir() / "tests" / "golden" / "tokenizers" / (name + ".json")));
}

}  // namespace r1forge::testing
