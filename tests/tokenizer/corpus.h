// Shared pieces of the tokenizer tests: a deterministic corpus (arithmetic in the R1 answer
// format, English sentences, Chinese text; small enough to train a ~300-piece model in well
// under a second), and the config trained with.
// Scratch folders come from testing::TempDir (test_util.h).
// Not a fixture of real tokenizer files (those are under ../shared/testdata).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "r1forge/tokenizer/sentencepiece_trainer.h"

namespace r1forge::testing {

inline const std::vector<std::string> kReasoningSymbols = {"<think>", "</think>", "<answer>",
                                                           "</answer>"};

inline std::vector<std::string> make_tokenizer_corpus(int64_t lines = 3000) {
  static const std::vector<std::string> kWords = {
      "the",  "quick", "brown", "fox",   "jumps",   "over", "lazy",  "dog",    "first",
      "then", "we",    "add",   "two",   "numbers", "and",  "check", "result", "answer",
      "is",   "So",    "Let's", "think", "step",    "by",   "carry", "digit",  "sum"};
  static const std::vector<std::string> kChinese = {"你好世界", "我们计算一下结果", "答案是",
                                                    "首先", "然后相加"};
  std::mt19937 rng(1234);
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint32_t>(n)); };
  std::vector<std::string> corpus;
  for (int64_t i = 0; corpus.size() < static_cast<size_t>(lines); ++i) {
    int64_t a = pick(1000), b = pick(1000);
    corpus.push_back("<think> " + std::to_string(a) + " + " + std::to_string(b) + " = " +
                     std::to_string(a + b) + " </think> <answer> " + std::to_string(a + b) +
                     " </answer>");
    std::string sentence;
    for (int64_t w = 0, n = 3 + pick(10); w < n; ++w) {
      sentence += (w ? " " : "") + kWords[pick(static_cast<int64_t>(kWords.size()))];
    }
    corpus.push_back(sentence + (pick(2) ? "." : ", ok?"));
    corpus.push_back(kChinese[pick(static_cast<int64_t>(kChinese.size()))] + "，" +
                     std::to_string(pick(100)) + "。");
  }
  return corpus;
}

// The config most tests train with: 300 pieces, the four reasoning symbols, default ids.
inline SentencePieceTrainConfig small_train_config() {
  SentencePieceTrainConfig config;
  config.vocab_size = 300;
  config.user_defined_symbols = kReasoningSymbols;
  return config;
}

}  // namespace r1forge::testing
