// Conformance of the tokenizer.json BPE with HF's `tokenizers` (the oracle): every string of the
// committed golden corpus (scripts/tokenizer_golden.py: mixed scripts, CJK, emoji sequences,
// combining marks, digit and whitespace runs, code, LaTeX, special tokens inside text, odd code
// points) must give 100% identical ids, with add_special_tokens false and true, for Qwen3,
// DeepSeek-V3 and the Llama-3-style synthesis; decode must equal the oracle's text, and give the
// input back (NFC(input) for Qwen) wherever the oracle round-trips. Plus formats.md §4.7's
// hand-listed ids, and the bos/eos/pad that transformers' AutoTokenizer reports.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "r1forge/core/check.h"
#include "tokenizer/bpe_test_util.h"

namespace r1forge {
namespace {

using testing::golden_file;
using testing::golden_tokenizer;

std::vector<int64_t> ids_of(const nlohmann::json& list) {
  return list.get<std::vector<int64_t>>();
}

class BpeConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BpeConformanceTest, IdsAndDecodeMatchTokenizersOnTheHardStringCorpus) {
  const BpeTokenizer& tokenizer = golden_tokenizer(GetParam());
  const nlohmann::json golden = golden_file(GetParam());
  size_t checked = 0, round_trips = 0;
  for (const auto& c : golden["cases"]) {
    const std::string text = c["text"];
    SCOPED_TRACE("text: " + nlohmann::json(text).dump());
    EXPECT_EQ(tokenizer.encode(text, false), ids_of(c["ids"]));
    EXPECT_EQ(tokenizer.encode(text, true), ids_of(c["ids_special"]));
    const std::vector<int64_t> ids = ids_of(c["ids"]);
    EXPECT_EQ(tokenizer.decode(ids, false), c["decoded"].get<std::string>());
    EXPECT_EQ(tokenizer.decode(ids, true), c["decoded_skip"].get<std::string>());
    if (c["round_trips"].get<bool>()) {
      // decoded == text (NFC(text) for Qwen) was checked by the script against the oracle.
      EXPECT_EQ(tokenizer.decode(tokenizer.encode(text, false), false),
                c["decoded"].get<std::string>());
      ++round_trips;
    }
    ++checked;
  }
  EXPECT_GE(checked, 80u) << "the golden corpus shrank";
  EXPECT_GE(round_trips, checked * 9 / 10);
  for (const auto& p : golden["pairs"]) {
    SCOPED_TRACE("pair: " + p["a"].dump() + ", " + p["b"].dump());
    EXPECT_EQ(tokenizer.encode_pair(p["a"].get<std::string>(), p["b"].get<std::string>(), false),
              ids_of(p["ids"]));
    EXPECT_EQ(tokenizer.encode_pair(p["a"].get<std::string>(), p["b"].get<std::string>(), true),
              ids_of(p["ids_special"]));
  }
}

INSTANTIATE_TEST_SUITE_P(Golden,
                         BpeConformanceTest,
                         ::testing::Values("qwen3", "deepseek_v3", "llama3_style"));

// encode is const and thread-safe (per-thread word caches and scratch buffers): four threads
// encoding the whole corpus at once get the oracle's ids.
TEST(BpeThreadTest, ConcurrentEncodesMatchTheGoldenIds) {
  const BpeTokenizer& tokenizer = golden_tokenizer("deepseek_v3");
  const nlohmann::json golden = golden_file("deepseek_v3");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = 0; i < golden["cases"].size(); ++i) {
          const auto& c = golden["cases"][(i + 7 * t) % golden["cases"].size()];
          if (tokenizer.encode(c["text"].get<std::string>(), false) != ids_of(c["ids"]))
            ++mismatches;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

// formats.md §4.7: ids agreed on by two independent JS implementations, written out here so the
// golden file is not the only witness.
TEST(BpeSpecIdsTest, Qwen3HandListedIds) {
  const BpeTokenizer& qwen = golden_tokenizer("qwen3");
  EXPECT_EQ(
      qwen.encode("Hello, my dog is cute 12345\n\n<|im_start|>user\nWhat's 2+2? 你好", false),
      (std::vector<int64_t>{9707,   11,  847, 5562, 374, 18838, 220, 16, 17, 18, 19,  20,    271,
                            151644, 872, 198, 3838, 594, 220,   17,  10, 17, 30, 220, 108386}));
  EXPECT_EQ(qwen.encode("  hello\n\n\nworld  ", false),
            (std::vector<int64_t>{220, 23811, 1406, 14615, 256}));
  EXPECT_EQ(
      qwen.encode("1234567 and 3.14159", false),
      (std::vector<int64_t>{16, 17, 18, 19, 20, 21, 22, 323, 220, 18, 13, 16, 19, 16, 20, 24}));
  EXPECT_EQ(qwen.encode("I'M DON'T we'll", false),
            (std::vector<int64_t>{40, 27603, 44273, 17323, 582, 3278}));
  EXPECT_EQ(qwen.encode("<|im_end|><|endoftext|>", false), (std::vector<int64_t>{151645, 151643}));
  // <think> is an added token with special:false: matched whole all the same.
  EXPECT_EQ(qwen.encode("<think>\nabc\n</think>\n\nx", false),
            (std::vector<int64_t>{151667, 198, 13683, 198, 151668, 271, 87}));
}

TEST(BpeSpecIdsTest, DeepSeekV3HandListedIds) {
  const BpeTokenizer& deepseek = golden_tokenizer("deepseek_v3");
  // <|im_start|> is plain text for DeepSeek-V3.
  EXPECT_EQ(
      deepseek.encode("Hello, my dog is cute 12345\n\n<|im_start|>user\nWhat's 2+2? 你好", false),
      (std::vector<int64_t>{19923, 14,  1026, 6397, 344,   33125, 223, 6895, 1883,
                            271,   30,  94,   328,  37864, 94,    32,  5265, 201,
                            3085,  734, 223,  20,   13,    20,    33,  223,  30594}));
  EXPECT_EQ(deepseek.encode("  hello\n\n\nworld  ", false),
            (std::vector<int64_t>{223, 44388, 6328, 29616, 262}));
  EXPECT_EQ(deepseek.encode("1234567 and 3.14159", false),
            (std::vector<int64_t>{6895, 18009, 25, 305, 223, 21, 16, 9926, 3318}));
  EXPECT_EQ(deepseek.encode("I'M DON'T we'll", false),
            (std::vector<int64_t>{43, 125845, 74524, 67322, 579, 5922}));
}

// What transformers' AutoTokenizer (recorded by the golden script) says about the special
// tokens, and that add_special_tokens adds what it adds: nothing for either real file
// (transformers 5 takes the tokenizer.json post_processor as is, DeepSeek's add_bos_token: true
// notwithstanding).
TEST(BpeSpecIdsTest, SpecialTokenIdsFollowTokenizerConfigLikeAutoTokenizer) {
  for (const std::string name : {"qwen3", "deepseek_v3"}) {
    SCOPED_TRACE(name);
    const BpeTokenizer& tokenizer = golden_tokenizer(name);
    const nlohmann::json view = golden_file(name)["auto_tokenizer"];
    auto expected = [](const nlohmann::json& id) {
      return id.is_null() ? std::nullopt : std::optional<int64_t>(id.get<int64_t>());
    };
    EXPECT_EQ(tokenizer.bos_id(), expected(view["bos_token_id"]));
    EXPECT_EQ(tokenizer.eos_id(), expected(view["eos_token_id"]));
    EXPECT_EQ(tokenizer.pad_id(), expected(view["pad_token_id"]));
    const std::string sample = view["sample"];
    EXPECT_EQ(tokenizer.encode(sample, true), ids_of(view["sample_ids_add_special_tokens"]));
    EXPECT_EQ(tokenizer.encode(sample, false), ids_of(view["sample_ids_plain"]));
  }
  // The same values written out (formats.md §4.5).
  const BpeTokenizer& qwen = golden_tokenizer("qwen3");
  EXPECT_EQ(qwen.bos_id(), std::nullopt);
  EXPECT_EQ(qwen.eos_id(), 151645);  // <|im_end|>
  EXPECT_EQ(qwen.pad_id(), 151643);  // <|endoftext|>
  EXPECT_EQ(qwen.vocab_size(), 151669);
  const BpeTokenizer& deepseek = golden_tokenizer("deepseek_v3");
  EXPECT_EQ(deepseek.bos_id(), 0);
  EXPECT_EQ(deepseek.eos_id(), 1);
  EXPECT_EQ(deepseek.pad_id(), 1);
  EXPECT_EQ(deepseek.vocab_size(), 128815);
}

TEST(BpeSpecIdsTest, SkipSpecialTokensDropsSpecialAddedTokensOnly) {
  const BpeTokenizer& qwen = golden_tokenizer("qwen3");
  auto ids = qwen.encode("<|im_start|>user\n<think>hi</think><|im_end|>", false);
  EXPECT_EQ(ids.front(), 151644);
  EXPECT_TRUE(qwen.is_special(151644));   // <|im_start|>
  EXPECT_FALSE(qwen.is_special(151667));  // <think>: added, not special
  EXPECT_EQ(qwen.decode(ids, true), "user\n<think>hi</think>");
  EXPECT_EQ(qwen.decode(ids, false), "<|im_start|>user\n<think>hi</think><|im_end|>");
  EXPECT_EQ(qwen.token_to_id("<think>"), 151667);
  EXPECT_EQ(qwen.token_to_id("Ġhello"), 23811);
  EXPECT_EQ(qwen.id_to_token(23811), "Ġhello");
  auto added = qwen.added_tokens();
  ASSERT_EQ(added.size(), 26u);
  EXPECT_EQ(added.front().content, "<|endoftext|>");
  EXPECT_EQ(added.back().content, "</think>");
  EXPECT_FALSE(added.back().special);
}

TEST(BpeSpecIdsTest, DecodeRejectsIdsOutsideTheVocab) {
  const BpeTokenizer& qwen = golden_tokenizer("qwen3");
  for (int64_t id : {int64_t{-1}, int64_t{151669}, int64_t{151936}}) {
    try {
      qwen.decode({9707, id}, false);
      ADD_FAILURE() << "decode accepted id " << id;
    } catch (const DataError& error) {
      EXPECT_NE(std::string(error.what()).find(std::to_string(id)), std::string::npos)
          << error.what();
    }
  }
}

TEST(BpeSpecIdsTest, InvalidUtf8TextIsADataErrorNamingTheByte) {
  const BpeTokenizer& qwen = golden_tokenizer("qwen3");
  try {
    qwen.encode(std::string("ok \xC3\x28 bad"), false);
    ADD_FAILURE() << "invalid UTF-8 was accepted";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("byte 3"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace r1forge
