// Tests of SentencePieceTokenizer on a model trained here from the generated corpus: special
// ids, user-defined symbols, BOS handling, round trips, special-token strings in text, errors.
// The independent oracle (spm_encode) is driven by tests/tokenizer/cli_test.sh.
#include "r1forge/tokenizer/sentencepiece.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"
#include "test_util.h"
#include "tokenizer/corpus.h"

namespace r1forge {
namespace {

using testing::kReasoningSymbols;

class SentencePieceTokenizerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_dir_ = new testing::TempDir();
    model_ = new std::filesystem::path(temp_dir_->path() / "small.model");
    train_sentencepiece(testing::make_tokenizer_corpus(), testing::small_train_config(), *model_);
  }
  static void TearDownTestSuite() {
    delete model_;
    delete temp_dir_;
  }
  static testing::TempDir* temp_dir_;
  static std::filesystem::path* model_;
};
testing::TempDir* SentencePieceTokenizerTest::temp_dir_ = nullptr;
std::filesystem::path* SentencePieceTokenizerTest::model_ = nullptr;

// SentencePiece's default normalization (nmt_nfkc + remove_extra_whitespaces) collapses runs of
// spaces to one and strips leading/trailing spaces before segmentation, so for ASCII text made
// of covered characters decode(encode(s)) equals s with exactly that done to it.
std::string collapse_spaces(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

TEST_F(SentencePieceTokenizerTest, SpecialIdsAreTheConfiguredOnes) {
  SentencePieceTokenizer tokenizer(*model_);
  EXPECT_EQ(tokenizer.vocab_size(), 300);
  // SentencePieceTrainConfig defaults: unk 0, bos 1, eos 2, pad 3.
  EXPECT_EQ(tokenizer.unk_id(), 0);
  EXPECT_EQ(tokenizer.bos_id(), 1);
  EXPECT_EQ(tokenizer.eos_id(), 2);
  EXPECT_EQ(tokenizer.pad_id(), 3);
  EXPECT_EQ(tokenizer.id_to_token(1), "<s>");
  EXPECT_EQ(tokenizer.id_to_token(2), "</s>");
  EXPECT_EQ(tokenizer.id_to_token(3), "<pad>");
  EXPECT_EQ(tokenizer.token_to_id("<pad>"), 3);
  EXPECT_EQ(tokenizer.token_to_id("no such piece"), std::nullopt);
  for (int64_t id : {0, 1, 2, 3}) EXPECT_TRUE(tokenizer.is_special(id)) << id;
  EXPECT_FALSE(tokenizer.is_special(300));
  EXPECT_FALSE(tokenizer.is_special(-1));
}

TEST_F(SentencePieceTokenizerTest, UserSymbolsAreSingleIdsAndRoundTrip) {
  SentencePieceTokenizer tokenizer(*model_);
  std::vector<AddedToken> added = tokenizer.added_tokens();
  // Control pieces come first (ids 0-3), then user-defined symbols in the order given.
  ASSERT_EQ(added.size(), 8u);
  for (size_t i = 0; i < kReasoningSymbols.size(); ++i) {
    const std::string& symbol = kReasoningSymbols[i];
    auto id = tokenizer.token_to_id(symbol);
    ASSERT_TRUE(id.has_value()) << symbol;
    EXPECT_EQ(*id, static_cast<int64_t>(4 + i));
    EXPECT_EQ(added[4 + i].content, symbol);
    EXPECT_FALSE(added[4 + i].special) << "user symbols are added but not special, like <think>";
    EXPECT_FALSE(tokenizer.is_special(*id));
    // Glued to other text the symbol still comes out as one piece.
    std::string text = "abc" + symbol + "12" + symbol;
    auto ids = tokenizer.encode(text, false);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), *id), 2) << text;
    EXPECT_EQ(tokenizer.decode(ids, true), text);
  }
  std::string answer = "<think> 12 + 34 = 46 </think> <answer> 46 </answer>";
  EXPECT_EQ(tokenizer.decode(tokenizer.encode(answer, false), true), answer);
}

TEST_F(SentencePieceTokenizerTest, AddSpecialTokensPrependsBosOnly) {
  SentencePieceTokenizer tokenizer(*model_);
  auto plain = tokenizer.encode("we add two numbers", false);
  auto with_special = tokenizer.encode("we add two numbers", true);
  ASSERT_FALSE(plain.empty());
  std::vector<int64_t> expected = {1};  // BOS; LlamaTokenizer adds no EOS by default
  expected.insert(expected.end(), plain.begin(), plain.end());
  EXPECT_EQ(with_special, expected);
  EXPECT_EQ(tokenizer.encode("", true), std::vector<int64_t>{1});
  EXPECT_TRUE(tokenizer.encode("", false).empty());
}

TEST_F(SentencePieceTokenizerTest, DecodeOfEncodeIsTheNormalisedText) {
  SentencePieceTokenizer tokenizer(*model_);
  // Characters that all occur in the corpus, so none becomes <unk>.
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789+=.,?'S      ";
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string text;
    for (size_t n = rng() % 40; n > 0; --n) text.push_back(alphabet[rng() % alphabet.size()]);
    auto ids = tokenizer.encode(text, false);
    for (int64_t id : ids) ASSERT_NE(id, 0) << "unexpected <unk> in '" << text << "'";
    EXPECT_EQ(tokenizer.decode(ids, true), collapse_spaces(text)) << "'" << text << "'";
  }
  // NFKC (part of nmt_nfkc) folds the fullwidth comma U+FF0C to ASCII ','; the ideographic
  // full stop U+3002 has no compatibility mapping and stays.
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("你好世界，我们计算一下结果。", false), true),
            "你好世界,我们计算一下结果。");
}

TEST_F(SentencePieceTokenizerTest, SpecialTokenStringsInTextEncodeToTheirIds) {
  SentencePieceTokenizer tokenizer(*model_);
  // A chat template writes "<s>" into the text; like HF it must become id 1, not characters.
  auto ids = tokenizer.encode("<s>we add</s>", false);
  auto inner = tokenizer.encode("we add", false);
  std::vector<int64_t> expected = {1};
  expected.insert(expected.end(), inner.begin(), inner.end());
  expected.push_back(2);
  EXPECT_EQ(ids, expected);
  // skip_special_tokens=false writes the token strings back; true drops them.
  EXPECT_EQ(tokenizer.decode(ids, false), "<s>we add</s>");
  EXPECT_EQ(tokenizer.decode(ids, true), "we add");
  EXPECT_EQ(tokenizer.decode({1, 3, 3}, true), "");
  EXPECT_EQ(tokenizer.decode({1, 3, 3}, false), "<s><pad><pad>");
}

TEST_F(SentencePieceTokenizerTest, OutOfRangeIdsAreDataErrorsNamingTheId) {
  SentencePieceTokenizer tokenizer(*model_);
  for (int64_t bad : {int64_t{300}, int64_t{-1}, int64_t{1} << 40}) {
    try {
      tokenizer.decode({5, bad}, false);
      FAIL() << "decode accepted id " << bad;
    } catch (const DataError& error) {
      EXPECT_NE(std::string(error.what()).find("token id " + std::to_string(bad)),
                std::string::npos)
          << error.what();
    }
    EXPECT_THROW(tokenizer.id_to_token(bad), DataError);
  }
}

TEST(SentencePieceLosslessTest, IdentityNormalizationWithByteFallbackRoundTripsExactly) {
  testing::TempDir dir;
  SentencePieceTrainConfig config = testing::small_train_config();
  config.vocab_size = 400;  // 4 specials + 4 symbols + 256 bytes + pieces
  config.byte_fallback = true;
  config.normalization_rule_name = "identity";
  config.remove_extra_whitespaces = false;
  train_sentencepiece(testing::make_tokenizer_corpus(), config, dir / "lossless.model");
  SentencePieceTokenizer tokenizer(dir / "lossless.model");
  // <0x00> follows the 8 added pieces (ids 0-7), so the newline byte 0x0A is 8 + 10 = 18.
  EXPECT_EQ(tokenizer.token_to_id("<0x0A>"), 18);
  // Whitespace, newlines, characters never seen in training (emoji, accents): all survive.
  for (std::string text : {"  two  spaces\n\nand\ttabs  ", "emoji 🙂 and é (e\xCC\x81)",
                           "<think>\n1+1=2\n</think>\n<answer>2</answer>", "Ünïcödé ΑΒΓ"}) {
    auto ids = tokenizer.encode(text, false);
    EXPECT_EQ(tokenizer.decode(ids, true), text);
    for (int64_t id : ids) EXPECT_NE(id, 0) << "byte fallback should leave no <unk>";
  }
}

// Hand-built ModelProto bytes for the protobuf reader:
//   0x0a 0x0b          field 1 (pieces), length-delimited, 11 bytes:
//     0x0a 0x02 'a' 'b'   field 1 (piece) = "ab"
//     0x15 <4 bytes>      field 2 (score), fixed32 = 1.5f (0x3fc00000 little-endian)
//     0x18 0x04           field 3 (type) = 4 (USER_DEFINED)
//   0x10 0x07          field 2, varint 7: not a piece, must be skipped
TEST(SentencePieceProtoTest, ReadsPiecesFromHandBuiltBytes) {
  std::string bytes = {0x0a, 0x0b,   0x0a, 0x02, 'a',  'b',  0x15, 0x00,
                       0x00, '\xc0', 0x3f, 0x18, 0x04, 0x10, 0x07};
  auto pieces = read_sentencepiece_pieces(bytes, "hand.model");
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].piece, "ab");
  EXPECT_EQ(pieces[0].score, 1.5f);
  EXPECT_EQ(pieces[0].type, PieceType::PIECE_USER_DEFINED);
  // Cut inside the piece message: an IoError naming the source, not a crash.
  try {
    read_sentencepiece_pieces(bytes.substr(0, 6), "hand.model");
    FAIL() << "truncated bytes accepted";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("hand.model"), std::string::npos);
  }
}

}  // namespace
}  // namespace r1forge
