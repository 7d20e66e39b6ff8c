// `r1forge tokenize`: JSONL text -> token ids, or ids -> text with --decode.
//
//   {"text": ".."} -> {"ids": [..]}          {"ids": [..]} -> {"text": ".."}   (--decode)
// Reads --input (default stdin) and writes --output (default stdout; a file is written
// atomically). Any bad line stops the command with an error naming the source and line.
// Not here: the tokenizers themselves (r1forge/tokenizer/).
#include <limits>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge::app {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string input = "-";
  std::string output = "-";
  bool add_special_tokens = false;
  bool decode = false;
  bool skip_special_tokens = false;
};

std::vector<int64_t> read_ids(const JsonlReader& reader,
                              const JsonlLine& line,
                              int64_t vocab_size) {
  const auto& value = line.value;
  auto field = value.is_object() ? value.find("ids") : value.end();
  R1F_CHECK_DATA(value.is_object() && field != value.end() && field->is_array(), reader.where(line),
                 ": expected an object with an \"ids\" array");
  std::vector<int64_t> ids;
  ids.reserve(field->size());
  for (size_t i = 0; i < field->size(); ++i) {
    const auto& id = (*field)[i];
    // JSON integers only: 3.0, true or "3" are rejected rather than silently converted.
    bool integer =
        id.is_number_integer() &&
        (!id.is_number_unsigned() ||
         id.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
    R1F_CHECK_DATA(integer, reader.where(line), ": ids[", i, "] is ", id.dump(),
                   ", not an integer token id");
    int64_t token = id.get<int64_t>();
    R1F_CHECK_DATA(token >= 0 && token < vocab_size, reader.where(line), ": ids[", i, "] = ", token,
                   " is out of range [0, ", vocab_size, ")");
    ids.push_back(token);
  }
  return ids;
}

void run_tokenize(const TokenizeOptions& options) {
  auto tokenizer = load_tokenizer(options.tokenizer);
  JsonlReader reader(options.input);
  JsonlWriter writer(options.output);
  JsonlLine line;
  while (reader.next(line)) {
    if (options.decode) {
      auto ids = read_ids(reader, line, tokenizer->vocab_size());
      writer.write({{"text", tokenizer->decode(ids, options.skip_special_tokens)}});
    } else {
      const auto& value = line.value;
      auto text = value.is_object() ? value.find("text") : value.end();
      R1F_CHECK_DATA(value.is_object() && text != value.end() && text->is_string(),
                     reader.where(line), ": expected an object with a \"text\" string");
      writer.write({{"ids", tokenizer->encode(text->get_ref<const std::string&>(),
                                              options.add_special_tokens)}});
    }
  }
  writer.close();
}

CommandRegistration registration(30, [](CLI::App& root) -> CommandAction {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* command = root.add_subcommand(
      "tokenize",
      "Encode JSONL {\"text\":..} lines to {\"ids\":[..]}, or decode ids back with --decode");
  command
      ->add_option("--tokenizer", options->tokenizer,
                   "SentencePiece .model file, or a model folder with tokenizer.model "
                   "(and optionally tokenizer_config.json)")
      ->required();
  command->add_option("--input", options->input, "JSONL input file; - reads standard input");
  command->add_option("--output", options->output,
                      "JSONL output file (written atomically); - writes standard output");
  command->add_flag("--add-special-tokens", options->add_special_tokens,
                    "add the tokenizer's BOS/EOS around each text (leave off for chat-template "
                    "text that already contains the BOS)");
  command->add_flag("--decode", options->decode, "decode {\"ids\":[..]} lines to {\"text\":..}");
  command->add_flag("--skip-special-tokens", options->skip_special_tokens,
                    "with --decode: drop special tokens (BOS, EOS, pad, unk) from the text");
  return [options] { run_tokenize(*options); };
});

}  // namespace
}  // namespace r1forge::app
