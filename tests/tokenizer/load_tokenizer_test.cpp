// Tests of load_tokenizer and tokenizer_config.json: which file is picked, how the config's
// special-token settings override the model's, and the errors for bad or missing files.
#include <gtest/gtest.h>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"
#include "r1forge/tokenizer/tokenizer.h"
#include "test_util.h"
#include "tokenizer/bpe_test_util.h"
#include "tokenizer/corpus.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

class LoadTokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_dir_ = new testing::TempDir();
    model_ = new fs::path(temp_dir_->path() / "small.model");
    train_sentencepiece(testing::make_tokenizer_corpus(), testing::small_train_config(), *model_);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete temp_dir_;
  }
  // A fresh folder holding tokenizer.model and, when given, this tokenizer_config.json.
  fs::path folder_with_config(const std::string& config_json) {
    fs::path folder = dir_ / "model";
    fs::create_directories(folder);
    atomic_write_file(folder / "tokenizer.model", read_file(*model_));
    if (!config_json.empty()) atomic_write_file(folder / "tokenizer_config.json", config_json);
    return folder;
  }
  // Runs `load` and returns the message of the `ErrorType` it must throw.
  template <typename ErrorType>
  static std::string error_of(const fs::path& path) {
    try {
      load_tokenizer(path);
    } catch (const ErrorType& error) {
      return error.what();
    }
    ADD_FAILURE() << "load_tokenizer(" << path << ") did not throw the expected error type";
    return "";
  }

  static testing::TempDir* temp_dir_;
  static fs::path* model_;
  testing::TempDir dir_;
};
testing::TempDir* LoadTokenizerTest::temp_dir_ = nullptr;
fs::path* LoadTokenizerTest::model_ = nullptr;

TEST_F(LoadTokenizerTest, ConfigOverridesSpecialTokens) {
  // bos disabled (null, as Qwen3 does), eos given as a DeepSeek-style AddedToken object, pad
  // renamed to </s>, EOS appended by add_special_tokens.
  fs::path folder = folder_with_config(R"({
    "bos_token": null,
    "eos_token": {"__type": "AddedToken", "content": "</s>", "normalized": true},
    "pad_token": "</s>",
    "add_bos_token": false,
    "add_eos_token": true,
    "model_max_length": 1e30
  })");
  auto tokenizer = load_tokenizer(folder);
  EXPECT_EQ(tokenizer->bos_id(), std::nullopt);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  EXPECT_EQ(tokenizer->pad_id(), 2);
  auto plain = tokenizer->encode("we add", false);
  auto expected = plain;
  expected.push_back(2);
  EXPECT_EQ(tokenizer->encode("we add", true), expected);
}

TEST_F(LoadTokenizerTest, AddedTokensDecoderSetsTheSpecialFlag) {
  // Marking <think> (id 4) special makes skip_special_tokens drop it.
  fs::path folder = folder_with_config(R"({"added_tokens_decoder": {
    "4": {"content": "<think>", "special": true}}})");
  auto tokenizer = load_tokenizer(folder);
  EXPECT_TRUE(tokenizer->is_special(4));
  auto ids = tokenizer->encode("<think>we add", false);
  EXPECT_EQ(tokenizer->decode(ids, true), "we add");
  EXPECT_EQ(tokenizer->decode(ids, false), "<think>we add");
}

TEST_F(LoadTokenizerTest, MalformedConfigIsConfigErrorNamingFileAndKey) {
  struct Case {
    std::string json;
    std::string key;
  };
  for (const Case& c : std::vector<Case>{
           {R"({"bos_token": 5})", "bos_token"},
           {R"({"eos_token": {"__type": "AddedToken"}})", "eos_token"},
           {R"({"add_bos_token": "yes"})", "add_bos_token"},
           {R"({"pad_token": "<not-a-piece>"})", "pad_token"},
           {R"({"added_tokens_decoder": {"x": {"content": "<s>"}}})", "added_tokens_decoder.x"},
           {R"({"added_tokens_decoder": {"4": {"content": "<s>"}}})", "added_tokens_decoder.4"},
           {R"({"added_tokens_decoder": {"9999": {"content": "<new>"}}})",
            "added_tokens_decoder.9999"},
           {R"({"bos_token": "<s>",)", "invalid JSON"},
       }) {
    fs::path folder = folder_with_config(c.json);
    std::string message = error_of<ConfigError>(folder);
    EXPECT_NE(message.find("tokenizer_config.json"), std::string::npos) << message;
    EXPECT_NE(message.find(c.key), std::string::npos) << c.json << " -> " << message;
  }
}

TEST_F(LoadTokenizerTest, CorruptModelIsIoErrorNamingTheFile) {
  atomic_write_file(dir_ / "garbage.model", "this is not a protobuf at all");
  std::string message = error_of<IoError>(dir_ / "garbage.model");
  EXPECT_NE(message.find("garbage.model"), std::string::npos) << message;
  // A real model cut in half.
  std::string bytes = read_file(*model_);
  atomic_write_file(dir_ / "half.model", bytes.substr(0, bytes.size() / 2));
  message = error_of<IoError>(dir_ / "half.model");
  EXPECT_NE(message.find("half.model"), std::string::npos) << message;
}

TEST_F(LoadTokenizerTest, MissingFilesAreIoErrorsNamingWhatWasLookedFor) {
  std::string message = error_of<IoError>(dir_ / "nowhere");
  EXPECT_NE(message.find("nowhere"), std::string::npos) << message;
  fs::create_directories(dir_ / "empty");
  message = error_of<IoError>(dir_ / "empty");
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
  EXPECT_NE(message.find("tokenizer.model"), std::string::npos) << message;
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
}

TEST_F(LoadTokenizerTest, MalformedTokenizerJsonIsConfigErrorNamingFileAndKey) {
  fs::create_directories(dir_ / "bpe");
  atomic_write_file(dir_ / "bpe" / "tokenizer.json", "{}");
  for (const fs::path& path : {dir_ / "bpe", dir_ / "bpe" / "tokenizer.json"}) {
    std::string message = error_of<ConfigError>(path);
    EXPECT_NE(message.find("tokenizer.json: key model"), std::string::npos) << message;
  }
}

TEST_F(LoadTokenizerTest, RealQwenTokenizerFolderIsRecognisedAsBpe) {
  // The shared Qwen3 files (tokenizer.json + tokenizer_config.json): byte-level BPE with the
  // config's special tokens. The folder and the tokenizer.json alone give the same ids; only the
  // folder knows eos/pad.
  fs::path qwen = testing::real_tokenizer_folder("qwen3");
  auto from_folder = load_tokenizer(qwen);
  auto from_file = load_tokenizer(qwen / "tokenizer.json");
  EXPECT_NE(from_folder->describe().find("byte-level BPE"), std::string::npos);
  EXPECT_EQ(from_folder->encode("Hello world", false), (std::vector<int64_t>{9707, 1879}));
  EXPECT_EQ(from_file->encode("Hello world", false), (std::vector<int64_t>{9707, 1879}));
  EXPECT_EQ(from_folder->eos_id(), 151645);
  EXPECT_EQ(from_file->eos_id(), std::nullopt);
}

TEST_F(LoadTokenizerTest, FolderWithBothFilesPrefersTokenizerJson) {
  // transformers loads the fast tokenizer.json when a folder also has tokenizer.model.
  fs::path folder = folder_with_config(R"({"eos_token": "<|im_end|>"})");
  fs::copy_file(testing::real_tokenizer_folder("qwen3") / "tokenizer.json",
                folder / "tokenizer.json");
  auto tokenizer = load_tokenizer(folder);
  EXPECT_NE(tokenizer->describe().find("byte-level BPE"), std::string::npos);
  EXPECT_EQ(tokenizer->eos_id(), 151645);
}

TEST_F(LoadTokenizerTest, BpeFolderConfigNamingAnUnknownTokenIsConfigErrorNamingTheKey) {
  fs::path folder = dir_ / "qwen_bad";
  fs::create_directories(folder);
  fs::copy_file(testing::real_tokenizer_folder("qwen3") / "tokenizer.json",
                folder / "tokenizer.json");
  for (const auto& [config, key] : std::vector<std::pair<std::string, std::string>>{
           {R"({"bos_token": "<|not_a_token|>"})", "bos_token"},
           {R"({"added_tokens_decoder": {"151667": {"content": "<thought>"}}})",
            "added_tokens_decoder.151667"},
           {R"({"added_tokens_decoder": {"999999": {"content": "<x>"}}})",
            "added_tokens_decoder.999999"}}) {
    atomic_write_file(folder / "tokenizer_config.json", config);
    std::string message = error_of<ConfigError>(folder);
    EXPECT_NE(message.find("tokenizer_config.json: " + key), std::string::npos) << message;
  }
  // added_tokens_decoder may mark an added token special: <think> is then skipped on decode.
  atomic_write_file(
      folder / "tokenizer_config.json",
      R"({"added_tokens_decoder": {"151667": {"content": "<think>", "special": true}}})");
  auto tokenizer = load_tokenizer(folder);
  EXPECT_TRUE(tokenizer->is_special(151667));
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("<think>hi", false), true), "hi");
}

}  // namespace
}  // namespace r1forge
