// Tests of SentencePiece training and of the HF tokenizer folder files: determinism, atomic
// output, config validation, and what tokenizer_config.json / special_tokens_map.json contain.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/tokenizer/sentencepiece.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"
#include "r1forge/tokenizer/tokenizer.h"
#include "test_util.h"
#include "tokenizer/corpus.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

fs::path write_corpus(const testing::TempDir& dir, const std::string& name) {
  std::string text;
  for (const auto& line : testing::make_tokenizer_corpus()) text += line + "\n";
  atomic_write_file(dir / name, text);
  return dir / name;
}

std::vector<std::string> files_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SentencePieceTrainerTest, RetrainingGivesByteIdenticalModels) {
  testing::TempDir dir;
  fs::path corpus = write_corpus(dir, "corpus.txt");
  for (std::string model_type : {"unigram", "bpe"}) {
    SentencePieceTrainConfig config = testing::small_train_config();
    config.model_type = model_type;
    train_sentencepiece(std::vector<fs::path>{corpus}, config, dir / "a.model");
    train_sentencepiece(std::vector<fs::path>{corpus}, config, dir / "b.model");
    // The in-memory overload sees the same sentences, so it must give the same bytes too.
    train_sentencepiece(testing::make_tokenizer_corpus(), config, dir / "c.model");
    std::string a = read_file(dir / "a.model");
    EXPECT_GT(a.size(), 1000u);
    EXPECT_EQ(a, read_file(dir / "b.model")) << model_type;
    EXPECT_EQ(a, read_file(dir / "c.model")) << model_type;
    SentencePieceTokenizer tokenizer(dir / "a.model");
    EXPECT_EQ(tokenizer.vocab_size(), 300);
    EXPECT_EQ(tokenizer.token_to_id("</answer>"), 7);
  }
}

TEST(SentencePieceTrainerTest, FailedTrainingLeavesNoFile) {
  testing::TempDir dir;
  SentencePieceTrainConfig config = testing::small_train_config();
  config.vocab_size = 100000;  // far more pieces than a 3000-line corpus can give
  try {
    train_sentencepiece(testing::make_tokenizer_corpus(), config, dir / "big.model");
    FAIL() << "training with an impossible vocab_size succeeded";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("big.model"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("Vocabulary size"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(files_in(dir.path()).empty()) << "no model and no temporary may be left";
}

TEST(SentencePieceTrainerTest, BadConfigsAndCorpusFilesAreRejected) {
  testing::TempDir dir;
  auto sentences = testing::make_tokenizer_corpus(300);
  SentencePieceTrainConfig config = testing::small_train_config();
  config.model_type = "wordpiece";
  EXPECT_THROW(train_sentencepiece(sentences, config, dir / "x.model"), ConfigError);
  config = testing::small_train_config();
  config.user_defined_symbols = {"<a,b>"};
  EXPECT_THROW(train_sentencepiece(sentences, config, dir / "x.model"), ConfigError);
  config = testing::small_train_config();
  config.character_coverage = 0.0;
  EXPECT_THROW(train_sentencepiece(sentences, config, dir / "x.model"), ConfigError);
  try {
    train_sentencepiece(std::vector<fs::path>{dir / "missing.txt"}, testing::small_train_config(),
                        dir / "x.model");
    FAIL() << "a missing corpus file was accepted";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("missing.txt"), std::string::npos);
  }
  EXPECT_TRUE(files_in(dir.path()).empty());
}

TEST(TokenizerFolderFilesTest, WritesHfFilesMatchingTheModelAndKeepsOtherFiles) {
  testing::TempDir dir;
  train_sentencepiece(testing::make_tokenizer_corpus(), testing::small_train_config(),
                      dir / "small.model");
  fs::path folder = dir / "model";
  fs::create_directories(folder);
  atomic_write_file(folder / "config.json", "{\"model_type\": \"llama\"}\n");
  TokenizerFolderOptions options;
  options.model_max_length = 1024;
  write_tokenizer_folder_files(folder, dir / "small.model", options);

  EXPECT_EQ(files_in(folder),
            (std::vector<std::string>{"config.json", "special_tokens_map.json", "tokenizer.model",
                                      "tokenizer_config.json"}));
  EXPECT_EQ(read_file(folder / "config.json"), "{\"model_type\": \"llama\"}\n");
  EXPECT_EQ(read_file(folder / "tokenizer.model"), read_file(dir / "small.model"));

  auto config = nlohmann::json::parse(read_file(folder / "tokenizer_config.json"));
  EXPECT_EQ(config["tokenizer_class"], "LlamaTokenizer");
  EXPECT_EQ(config["bos_token"], "<s>");
  EXPECT_EQ(config["eos_token"], "</s>");
  EXPECT_EQ(config["pad_token"], "<pad>");
  EXPECT_EQ(config["unk_token"], "<unk>");
  EXPECT_EQ(config["add_bos_token"], true);
  EXPECT_EQ(config["add_eos_token"], false);
  EXPECT_EQ(config["model_max_length"], 1024);
  const auto& decoder = config["added_tokens_decoder"];
  ASSERT_EQ(decoder.size(), 8u);  // <unk> <s> </s> <pad> + the four reasoning symbols
  EXPECT_EQ(decoder["3"]["content"], "<pad>");
  EXPECT_EQ(decoder["3"]["special"], true);
  EXPECT_EQ(decoder["4"]["content"], "<think>");
  EXPECT_EQ(decoder["4"]["special"], false);
  EXPECT_EQ(decoder["7"]["content"], "</answer>");

  auto special_map = nlohmann::json::parse(read_file(folder / "special_tokens_map.json"));
  EXPECT_EQ(special_map["bos_token"]["content"], "<s>");
  EXPECT_EQ(special_map["pad_token"]["content"], "<pad>");

  // The folder (model + config read back) and the bare file tokenize identically.
  auto from_folder = load_tokenizer(folder);
  auto from_file = load_tokenizer(dir / "small.model");
  for (std::string text :
       {"we add two numbers", "<think> 1 + 2 = 3 </think> <answer> 3 </answer>", "你好世界", ""}) {
    for (bool special : {false, true}) {
      EXPECT_EQ(from_folder->encode(text, special), from_file->encode(text, special)) << text;
    }
  }
  // The folder's own tokenizer.model can be passed as the source (no self-copy problem).
  write_tokenizer_folder_files(folder, folder / "tokenizer.model", options);
  EXPECT_EQ(read_file(folder / "tokenizer.model"), read_file(dir / "small.model"));
}

}  // namespace
}  // namespace r1forge
