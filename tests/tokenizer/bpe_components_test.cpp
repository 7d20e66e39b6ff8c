// Unit tests of the tokenizer.json parts on small hand-made files: the byte-level alphabet, lossy
// UTF-8, both merge forms, ignore_merges, added tokens (special or not, lstrip/rstrip/
// single_word), the Split delimiter behaviors, ByteLevel's prefix space and GPT-2 regex, a
// Llama-2-style conversion (Prepend/Replace, byte_fallback, unk/fuse_unk, TemplateProcessing,
// the Replace/ByteFallback/Fuse/Strip decoder), and the ConfigErrors for malformed files. Every
// expected value was produced by HF `tokenizers` 0.23.3 on the same JSON (the Python snippets
// that built them mirror the C++ builders below).
#include <gtest/gtest.h>

#include <deque>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/bpe_tokenizer.h"
#include "r1forge/tokenizer/byte_level.h"
#include "r1forge/tokenizer/utf8.h"

namespace r1forge {
namespace {

using nlohmann::json;
using Ids = std::vector<int64_t>;

// A byte-level tokenizer: the 256 alphabet characters as ids 0..255 (id = byte), then the
// merged tokens in merge order (256..264), then "Ġhello" (265), reachable only whole. Added:
// <eos> 266 (special), <tool> 267 (lstrip, rstrip), "cat" 268 (single_word).
json small_byte_level() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_level_strings()[b]] = b;
  const std::vector<std::pair<std::string, std::string>> merges = {
      {"h", "e"}, {"l", "l"},   {"he", "ll"},  {"hell", "o"}, {"Ġ", "w"},
      {"o", "r"}, {"Ġw", "or"}, {"Ġwor", "l"}, {"Ġworl", "d"}};
  json merge_strings = json::array();
  for (const auto& [a, b] : merges) {
    vocab[a + b] = vocab.size();
    merge_strings.push_back(a + " " + b);
  }
  vocab["Ġhello"] = vocab.size();
  auto added = [](int64_t id, const char* content, bool lstrip, bool rstrip, bool single_word,
                  bool special) {
    return json{{"id", id},          {"content", content}, {"single_word", single_word},
                {"lstrip", lstrip},  {"rstrip", rstrip},   {"normalized", false},
                {"special", special}};
  };
  json byte_level = {{"type", "ByteLevel"},
                     {"add_prefix_space", false},
                     {"trim_offsets", false},
                     {"use_regex", false}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens",
           {added(266, "<eos>", false, false, false, true),
            added(267, "<tool>", true, true, false, false),
            added(268, "cat", false, false, true, false)}},
          {"normalizer", nullptr},
          {"pre_tokenizer",
           {{"type", "Sequence"},
            {"pretokenizers",
             {{{"type", "Split"},
               {"pattern", {{"Regex", R"( ?\p{L}+|\p{N}|\s+)"}}},
               {"behavior", "Isolated"},
               {"invert", false}},
              byte_level}}}},
          {"post_processor", byte_level},
          {"decoder", byte_level},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"ignore_merges", false},
            {"vocab", vocab},
            {"merges", merge_strings}}}};
}

// A Llama-2-style conversion (formats.md §5): <unk> <s> </s> = 0 1 2, <0x00>..<0xFF> = 3..258,
// then "▁" h e l o ▁h he ll ▁he ▁hell ▁hello w r d ▁w or ▁wor ▁world é = 259..277.
json small_llama2() {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab[name] = 3 + b;
  }
  for (const char* token : {"▁", "h", "e", "l", "o", "▁h", "he", "ll", "▁he", "▁hell", "▁hello",
                            "w", "r", "d", "▁w", "or", "▁wor", "▁world", "é"})
    vocab[token] = vocab.size();
  auto added = [](int64_t id, const char* content) {
    return json{{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
                {"rstrip", false}, {"normalized", false}, {"special", true}};
  };
  auto special = [](int type_id) {
    return json{{"SpecialToken", {{"id", "<s>"}, {"type_id", type_id}}}};
  };
  auto sequence = [](const char* id, int type_id) {
    return json{{"Sequence", {{"id", id}, {"type_id", type_id}}}};
  };
  return {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", {added(0, "<unk>"), added(1, "<s>"), added(2, "</s>")}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", "▁"}},
          {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {special(0), sequence("A", 0)}},
        {"pair", {special(0), sequence("A", 0), special(1), sequence("B", 1)}},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"}, {"pattern", {{"String", "▁"}}}, {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", "<unk>"},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", true},
        {"byte_fallback", true},
        {"ignore_merges", false},
        {"vocab", vocab},
        {"merges", {"▁ h", "h e", "l l", "▁h e", "▁he ll", "▁hell o", "▁ w", "o r", "▁w or"}}}}};
}

BpeTokenizer load(const json& file) {
  return BpeTokenizer(parse_tokenizer_json(file.dump(), "small/tokenizer.json"), nullptr);
}

TEST(ByteLevelTest, AlphabetSpotValues) {
  // formats.md §4.4.
  const std::vector<std::pair<int, uint32_t>> spots = {
      {0x00, 0x100}, {0x09, 0x109}, {0x0A, 0x10A}, {0x0D, 0x10D}, {0x20, 0x120}, {0x21, 0x21},
      {0x7E, 0x7E},  {0x7F, 0x121}, {0xA0, 0x142}, {0xAD, 0x143}, {0xFF, 0xFF}};
  for (const auto& [byte, code_point] : spots) {
    EXPECT_EQ(byte_level_char(static_cast<uint8_t>(byte)), code_point) << byte;
    EXPECT_EQ(byte_level_byte(code_point), byte);
  }
  EXPECT_EQ(byte_level_encode("a b\n"), "aĠbĊ");
  EXPECT_EQ(byte_level_decode("aĠbĊ"), "a b\n");
  EXPECT_EQ(byte_level_decode("<｜User｜>"), std::nullopt);  // outside the alphabet
}

TEST(Utf8Test, LossyDecodingReplacesMaximalSubparts) {
  // Python's bytes.decode("utf-8", "replace"), which follows the same Unicode practice as Rust.
  EXPECT_EQ(utf8_lossy("\xE4\xB8"
                       "a"),
            "\uFFFD"
            "a");
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");  // a surrogate
  EXPECT_EQ(utf8_lossy("\xF0\x9F\x98\x80\xF0\x9F"), "\U0001F600\uFFFD");
  EXPECT_EQ(utf8_lossy("\xC0\xAF"), "\uFFFD\uFFFD");  // overlong
  EXPECT_EQ(utf8_lossy("a\xFF"
                       "b"),
            "a\uFFFD"
            "b");
  EXPECT_EQ(utf8_lossy("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ok 你好 \xC3\x28"), 10u);
  EXPECT_EQ(first_invalid_utf8("ok 你好 😀"), std::nullopt);
}

TEST(SmallBpeTest, ByteLevelIdsAddedTokensAndDecode) {
  const BpeTokenizer tokenizer = load(small_byte_level());
  EXPECT_EQ(tokenizer.vocab_size(), 269);
  EXPECT_EQ(tokenizer.encode("hello world", false), (Ids{259, 264}));
  EXPECT_EQ(tokenizer.encode(" hello", false), (Ids{32, 259}));  // "Ġhello" only whole
  EXPECT_EQ(tokenizer.encode("héllo\n", false), (Ids{104, 195, 169, 257, 111, 10}));
  // <eos> is special: skip_special_tokens drops it.
  EXPECT_EQ(tokenizer.encode("x<eos>y", false), (Ids{120, 266, 121}));
  EXPECT_EQ(tokenizer.decode({120, 266, 121}, true), "xy");
  EXPECT_EQ(tokenizer.decode({120, 266, 121}, false), "x<eos>y");
  // <tool> strips the whitespace on both sides; it is not special.
  EXPECT_EQ(tokenizer.encode("a <tool>  b", false), (Ids{97, 267, 98}));
  EXPECT_EQ(tokenizer.decode({97, 267, 98}, true), "a<tool>b");
  // "cat" (single_word) is matched only between non-word characters.
  EXPECT_EQ(tokenizer.encode("cat concat cat.", false),
            (Ids{268, 32, 99, 111, 110, 99, 97, 116, 32, 268, 46}));
}

TEST(SmallBpeTest, BothMergeFormsGiveTheSameIds) {
  json list_form = small_byte_level();
  json pairs = json::array();
  for (const auto& merge : list_form["model"]["merges"]) {
    std::string line = merge;
    size_t space = line.find(' ');
    pairs.push_back({line.substr(0, space), line.substr(space + 1)});
  }
  list_form["model"]["merges"] = pairs;
  EXPECT_EQ(load(list_form).encode("hello world", false), (Ids{259, 264}));
}

TEST(SmallBpeTest, IgnoreMergesTakesAWholePreTokenFromTheVocab) {
  json file = small_byte_level();
  file["model"]["ignore_merges"] = true;
  const BpeTokenizer tokenizer = load(file);
  EXPECT_EQ(tokenizer.encode(" hello", false), (Ids{265}));  // merges would give 32, 259
  EXPECT_EQ(tokenizer.encode("hello", false), (Ids{259}));
}

TEST(SmallBpeTest, Llama2StyleConversion) {
  const BpeTokenizer tokenizer = load(small_llama2());
  EXPECT_EQ(tokenizer.encode("hello world", true), (Ids{1, 269, 275, 262, 272}));
  EXPECT_EQ(tokenizer.encode("hello world", false), (Ids{269, 275, 262, 272}));
  // 世 and 界 by byte fallback; é is in the vocab.
  const Ids mixed{1, 269, 259, 231, 187, 153, 234, 152, 143, 259, 277};
  EXPECT_EQ(tokenizer.encode("hello 世界 é", true), mixed);
  EXPECT_EQ(tokenizer.decode(mixed, false), "<s> hello 世界 é");
  EXPECT_EQ(tokenizer.decode(mixed, true), "hello 世界 é");
  // Special tokens in the text; each text segment gets its own "▁" prefix.
  const Ids specials{1, 1, 269, 2, 259, 259, 123};
  EXPECT_EQ(tokenizer.encode("<s>hello</s> x", true), specials);
  EXPECT_EQ(tokenizer.decode(specials, false), "<s><s> hello</s>  x");
  EXPECT_EQ(tokenizer.decode(specials, true), "hello  x");
  EXPECT_EQ(tokenizer.encode_pair("hello", "world", true), (Ids{1, 269, 1, 275, 262, 272}));
  // Invalid UTF-8 from byte tokens: one U+FFFD per byte (HF ByteFallback).
  EXPECT_EQ(tokenizer.decode({3 + 0xE4, 3 + 0xB8, 3 + 'a'}, false), "\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(tokenizer.unk_id(), 0);
}

TEST(SmallBpeTest, UnknownCharactersWithoutByteFallbackBecomeUnk) {
  json file = small_llama2();
  file["model"]["byte_fallback"] = false;
  EXPECT_EQ(load(file).encode("世界 é", false), (Ids{259, 0, 259, 277}));  // fuse_unk
  file["model"]["fuse_unk"] = false;
  EXPECT_EQ(load(file).encode("世界 é", false), (Ids{259, 0, 0, 259, 277}));
}

// The pieces of "a-b--cd-" under Split("-") for each behavior and invert, as
// tokenizers.pre_tokenizers.Split(...).pre_tokenize_str gives them.
TEST(PreTokenizerTest, SplitDelimiterBehaviors) {
  struct Case {
    const char* behavior;
    bool invert;
    std::vector<std::string> pieces;
  };
  for (const Case& c : std::vector<Case>{
           {"Removed", false, {"a", "b", "cd"}},
           {"Removed", true, {"-", "-", "-", "-"}},
           {"Isolated", false, {"a", "-", "b", "-", "-", "cd", "-"}},
           {"Isolated", true, {"a", "-", "b", "-", "-", "cd", "-"}},
           {"MergedWithPrevious", false, {"a-", "b-", "-", "cd-"}},
           {"MergedWithPrevious", true, {"a", "-b", "-", "-cd", "-"}},
           {"MergedWithNext", false, {"a", "-b", "-", "-cd", "-"}},
           {"MergedWithNext", true, {"a-", "b-", "-", "cd-"}},
           {"Contiguous", false, {"a", "-", "b", "--", "cd", "-"}},
           {"Contiguous", true, {"a", "-", "b", "--", "cd", "-"}},
       }) {
    json spec = {{"type", "Split"},
                 {"pattern", {{"String", "-"}}},
                 {"behavior", c.behavior},
                 {"invert", c.invert}};
    PreTokenizer pre_tokenizer(parse_pre_tokenizer(spec, JsonKey{"t.json", "pre_tokenizer"}));
    std::vector<std::string_view> pieces;
    std::deque<std::string> storage;
    pre_tokenizer.split("a-b--cd-", pieces, storage);
    EXPECT_EQ(std::vector<std::string>(pieces.begin(), pieces.end()), c.pieces)
        << c.behavior << " invert=" << c.invert;
  }
}

TEST(PreTokenizerTest, ByteLevelAddsAPrefixSpaceToEveryPieceAndSplitsWithGpt2Regex) {
  // Sequence[Split(\d, Isolated), ByteLevel(add_prefix_space, use_regex)] on "ab1 cd,ef" gives
  // Ġab Ġ1 Ġcd , ef in HF (pieces here are the raw bytes before the alphabet).
  json spec = {{"type", "Sequence"},
               {"pretokenizers",
                {{{"type", "Split"},
                  {"pattern", {{"Regex", R"(\d)"}}},
                  {"behavior", "Isolated"},
                  {"invert", false}},
                 {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}}}}};
  PreTokenizer pre_tokenizer(parse_pre_tokenizer(spec, JsonKey{"t.json", "pre_tokenizer"}));
  EXPECT_TRUE(pre_tokenizer.byte_level());
  std::vector<std::string_view> pieces;
  std::deque<std::string> storage;
  pre_tokenizer.split("ab1 cd,ef", pieces, storage);
  EXPECT_EQ(std::vector<std::string>(pieces.begin(), pieces.end()),
            (std::vector<std::string>{" ab", " 1", " cd", ",", "ef"}));
}

// Each malformed or unsupported file is a ConfigError naming the file and the JSON key.
TEST(TokenizerJsonErrorTest, MalformedFilesNameTheFileAndKey) {
  struct Case {
    std::function<void(json&)> mutate;
    std::string key;
  };
  const std::vector<Case> cases = {
      {[](json& f) { f["model"]["merges"][3] = "hell  o"; }, "key model.merges[3]"},
      {[](json& f) { f["model"]["merges"][2] = "hell"; }, "key model.merges[2]"},
      {[](json& f) {
         f["model"]["merges"][1] = json::array({"l", "l", "l"});
       },
       "key model.merges[1]"},
      {[](json& f) { f["model"]["merges"][0] = "h zz"; }, "key model.merges[0]"},  // not in vocab
      {[](json& f) { f["model"]["type"] = "WordPiece"; }, "key model.type"},
      {[](json& f) { f["model"]["dropout"] = 0.1; }, "key model.dropout"},
      {[](json& f) { f["model"]["vocab"]["x"] = "seven"; }, "key model.vocab"},
      {[](json& f) { f["model"]["unk_token"] = "<nope>"; }, "key model.unk_token"},
      {[](json& f) { f["model"]["shiny"] = true; }, "key model.shiny"},
      {[](json& f) { f.erase("model"); }, "key model"},
      {[](json& f) {
         f["normalizer"] = {{"type", "Lowercase"}};
       },
       "key normalizer.type"},
      {[](json& f) { f["pre_tokenizer"]["pretokenizers"][1]["type"] = "Whitespace"; },
       "key pre_tokenizer.pretokenizers[1].type"},
      {[](json& f) {
         f["pre_tokenizer"]["pretokenizers"][0]["pattern"] = {{"Regex", "(ab"}};
       },
       "key pre_tokenizer.pretokenizers[0].pattern"},
      {[](json& f) { f["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Sideways"; },
       "key pre_tokenizer.pretokenizers[0].behavior"},
      {[](json& f) {
         auto& list = f["pre_tokenizer"]["pretokenizers"];
         list.push_back(list[0]);  // a Split after ByteLevel
       },
       "key pre_tokenizer.pretokenizers[2]"},
      {[](json& f) {
         f["decoder"] = {{"type", "WordPiece"}};
       },
       "key decoder.type"},
      {[](json& f) {
         f["post_processor"] = {{"type", "BertProcessing"}};
       },
       "key post_processor.type"},
      {[](json& f) { f["added_tokens"][0]["id"] = -4; }, "key added_tokens[0].id"},
      {[](json& f) { f["added_tokens"][1]["special"] = "yes"; }, "key added_tokens[1].special"},
      {[](json& f) {
         f["truncation"] = {{"max_length", 5}};
       },
       "key truncation"},
      {[](json& f) { f["surprise"] = 1; }, "key surprise"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    json file = small_byte_level();
    cases[i].mutate(file);
    try {
      load(file);
      ADD_FAILURE() << "case " << i << " (" << cases[i].key << ") loaded";
    } catch (const ConfigError& error) {
      std::string message = error.what();
      EXPECT_NE(message.find("small/tokenizer.json: " + cases[i].key), std::string::npos)
          << "case " << i << ": " << message;
    }
  }
  try {
    parse_tokenizer_json("{\"model\": ", "cut/tokenizer.json");
    ADD_FAILURE() << "truncated JSON loaded";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("cut/tokenizer.json: invalid JSON"), std::string::npos)
        << error.what();
  }
}

TEST(TokenizerJsonErrorTest, TemplateNamingAnUnknownSpecialTokenIsAConfigError) {
  json file = small_llama2();
  file["post_processor"]["single"][0]["SpecialToken"]["id"] = "<bos>";
  try {
    load(file);
    ADD_FAILURE() << "loaded";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("key post_processor.single[0].SpecialToken.id"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace r1forge
