// Shared by the tokenizer.json tests: the real Qwen3 / DeepSeek-V3 tokenizers from the shared
// test data (a missing file FAILS the test: the data is part of the CI contract), the synthesized
// "llama3_style" tokenizer (Qwen3's vocab with Llama-3's pipeline, built exactly as
// scripts/tokenizer_golden.py builds it), and the committed golden files.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/tokenizer/bpe_tokenizer.h"

namespace r1forge::testing {

// testdata_dir()/tokenizers/<name>; throws (failing the test) with a clear message if absent.
std::filesystem::path real_tokenizer_folder(const std::string& name);

// The tokenizer of tests/golden/tokenizers/<name>.json: "qwen3" and "deepseek_v3" are loaded
// from their folders (tokenizer_config.json applied), "llama3_style" is synthesized from Qwen3.
// Loaded once per process.
const BpeTokenizer& golden_tokenizer(const std::string& name);

// Qwen3's tokenizer.json turned into the Llama-3-style one (scripts/tokenizer_golden.py
// llama3_style()): no normalizer, the Llama-3 regex, ignore_merges, a TemplateProcessing BOS.
nlohmann::json make_llama3_style(const nlohmann::json& qwen);

// tests/golden/tokenizers/<name>.json.
nlohmann::json golden_file(const std::string& name);

}  // namespace r1forge::testing
