// `r1forge tokenize`: JSONL text -> token ids, or ids -> text with --decode.
//
//   {"text": ".."} -> {"ids": [..]}          {"ids": [..]} -> {"text": ".."}   (--decode)
// Reads --input (default stdin) and writes --output (default stdout; a file is written
// atomically). Any bad line stops the command with an error naming the source and line.
// --tokenizer: a model folder (tokenizer.json preferred, else tokenizer.model, with its
// tokenizer_config.json), a tokenizer.json, or a SentencePiece .model. --stats prints the time
// spent in encode/decode alone (scripts/bench/tokenizer_speed.sh compares it with HF's).
// Not here: the tokenizers themselves (r1forge/tokenizer/).
#include <time.h>

#include <chrono>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge::app {
namespace {

// CPU seconds of this thread: on a shared machine a fairer clock than wall time for --stats.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct TokenizeOptions {
  std::string tokenizer;
  std::string input = "-";
  std::string output = "-";
  bool add_special_tokens = false;
  bool decode = false;
  bool skip_special_tokens = false;
  bool stats = false;
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
  // --stats: only the tokenizer calls are timed, not JSON reading and writing.
  using Clock = std::chrono::steady_clock;
  Clock::duration busy{};
  double busy_cpu = 0;
  int64_t lines = 0, text_bytes = 0, tokens = 0;
  while (reader.next(line)) {
    ++lines;
    if (options.decode) {
      auto ids = read_ids(reader, line, tokenizer->vocab_size());
      auto start = Clock::now();
      double start_cpu = thread_cpu_seconds();
      std::string text = tokenizer->decode(ids, options.skip_special_tokens);
      busy_cpu += thread_cpu_seconds() - start_cpu;
      busy += Clock::now() - start;
      tokens += static_cast<int64_t>(ids.size());
      text_bytes += static_cast<int64_t>(text.size());
      writer.write({{"text", std::move(text)}});
    } else {
      const auto& value = line.value;
      auto text = value.is_object() ? value.find("text") : value.end();
      R1F_CHECK_DATA(value.is_object() && text != value.end() && text->is_string(),
                     reader.where(line), ": expected an object with a \"text\" string");
      const std::string& content = text->get_ref<const std::string&>();
      auto start = Clock::now();
      double start_cpu = thread_cpu_seconds();
      std::vector<int64_t> ids = tokenizer->encode(content, options.add_special_tokens);
      busy_cpu += thread_cpu_seconds() - start_cpu;
      busy += Clock::now() - start;
      tokens += static_cast<int64_t>(ids.size());
      text_bytes += static_cast<int64_t>(content.size());
      writer.write({{"ids", std::move(ids)}});
    }
  }
  writer.close();
  if (options.stats) {
    double seconds = std::chrono::duration<double>(busy).count();
    nlohmann::json stats = {{"tokenizer", tokenizer->describe()},
                            {"mode", options.decode ? "decode" : "encode"},
                            {"lines", lines},
                            {"text_bytes", text_bytes},
                            {"tokens", tokens},
                            {"seconds", seconds},
                            {"cpu_seconds", busy_cpu},
                            {"mb_per_second", seconds > 0 ? text_bytes / seconds / 1e6 : 0.0}};
    std::cerr << stats.dump() << std::endl;
  }
}

CommandRegistration registration(30, [](CLI::App& root) -> CommandAction {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* command = root.add_subcommand(
      "tokenize",
      "Encode JSONL {\"text\":..} lines to {\"ids\":[..]}, or decode ids back with --decode");
  command
      ->add_option("--tokenizer", options->tokenizer,
                   "model folder (tokenizer.json, else tokenizer.model; with its "
                   "tokenizer_config.json), an HF tokenizer.json, or a SentencePiece .model file")
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
  command->add_flag("--stats", options->stats,
                    "print one JSON line to stderr: lines, bytes, tokens and the wall and CPU "
                    "seconds spent in encode/decode alone (single thread)");
  return [options] { run_tokenize(*options); };
});

}  // namespace
}  // namespace r1forge::app
