// libFuzzer target for the tokenizer.json loader (tokenizer/tokenizer_json.h) and the
// BpeTokenizer built from it (tokenizer/bpe_tokenizer.h).
//
// The input is a whole tokenizer.json. ConfigError (naming "fuzz/tokenizer.json") is the expected
// outcome for bad files and is swallowed; any other exception, crash, sanitizer report or hang
// is a bug. A file that loads must encode a few fixed texts to ids inside [0, vocab_size()) that
// decode without an error (a DataError from a regex that hits Oniguruma's backtracking limit is
// the one refusal allowed). Built with clang by tests/fuzz/fuzz.cmake; not part of the g++ build.
#include <cstddef>
#include <cstdint>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/tokenizer/bpe_tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<r1forge::BpeTokenizer> tokenizer;
  try {
    tokenizer = std::make_unique<r1forge::BpeTokenizer>(
        r1forge::parse_tokenizer_json(text, "fuzz/tokenizer.json"), nullptr);
  } catch (const r1forge::ConfigError& error) {
    if (std::string(error.what()).find("fuzz/tokenizer.json") == std::string::npos)
      __builtin_trap();
    return 0;
  }
  // Loaded: every produced id is in range and decodes (no DataError: encode only makes ids
  // that have a token).
  for (const char* sample :
       {"Hello, world! 123 <|im_end|>", "  你好\n\n\tx ", "e\xCC\x81 😀 ", "<s>a</s>", ""}) {
    for (bool special : {false, true}) {
      std::vector<int64_t> ids;
      try {
        ids = tokenizer->encode(sample, special);
      } catch (const r1forge::DataError& error) {
        // Only a regex that hit Oniguruma's backtracking limit may refuse a text.
        if (std::string(error.what()).find("the regex") == std::string::npos) __builtin_trap();
        continue;
      }
      for (int64_t id : ids)
        if (id < 0 || id >= tokenizer->vocab_size()) __builtin_trap();
      tokenizer->decode(ids, false);
      tokenizer->decode(ids, true);
    }
  }
  return 0;
}
