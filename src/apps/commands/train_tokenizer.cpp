// `r1forge train-tokenizer`: trains a SentencePiece model on text files (one sentence per line)
// and writes either a .model file or the tokenizer files of an HF model folder.
//
// --out ending in .model writes just that file; anything else is a folder that receives
// tokenizer.model, tokenizer_config.json and special_tokens_map.json (other files there stay).
// Not here: training itself (r1forge/tokenizer/sentencepiece_trainer.h).
#include <filesystem>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"

namespace r1forge::app {
namespace {

struct TrainTokenizerOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> jsonl_fields;  // read inputs as JSONL, these string fields as lines
  std::string out;
  SentencePieceTrainConfig train;
  TokenizerFolderOptions folder;
};

void train(const TrainTokenizerOptions& options, const std::filesystem::path& model) {
  if (options.jsonl_fields.empty()) {
    std::vector<std::filesystem::path> corpus(options.inputs.begin(), options.inputs.end());
    train_sentencepiece(corpus, options.train, model);
  } else {
    std::vector<std::filesystem::path> files(options.inputs.begin(), options.inputs.end());
    train_sentencepiece(jsonl_string_fields(files, options.jsonl_fields), options.train, model);
  }
}

void run_train_tokenizer(const TrainTokenizerOptions& options) {
  namespace fs = std::filesystem;
  fs::path out = options.out;
  if (out.extension() == ".model") {
    train(options, out);
    return;
  }
  std::error_code error;
  bool existed = fs::exists(out, error);
  R1F_CHECK_USAGE(!existed || fs::is_directory(out, error), "--out ", out,
                  " exists and is not a folder (give a folder, or a path ending in .model)");
  fs::create_directories(out, error);
  R1F_CHECK_IO(!error, "cannot create the folder ", out, ": ", error.message());
  try {
    train(options, out / "tokenizer.model");
    write_tokenizer_folder_files(out, out / "tokenizer.model", options.folder);
  } catch (...) {
    if (!existed) fs::remove(out, error);  // the folder we made is still empty: leave no trace
    throw;
  }
  R1F_LOG_INFO("wrote tokenizer.model, tokenizer_config.json, special_tokens_map.json to ", out);
}

CommandRegistration registration(40, [](CLI::App& root) -> CommandAction {
  auto options = std::make_shared<TrainTokenizerOptions>();
  SentencePieceTrainConfig& train = options->train;
  CLI::App* command = root.add_subcommand(
      "train-tokenizer", "Train a SentencePiece tokenizer on text files (one sentence per line)");
  command->add_option("--jsonl-field", options->jsonl_fields,
                      "read the inputs as JSONL and train on these string fields (repeatable)");
  command->add_option("--input", options->inputs, "corpus text file; repeat for several")
      ->required()
      ->check(CLI::ExistingFile);
  command
      ->add_option("--out", options->out,
                   "output: a path ending in .model, or a model folder (created if needed) "
                   "that gets tokenizer.model, tokenizer_config.json, special_tokens_map.json")
      ->required();
  command
      ->add_option("--vocab-size", train.vocab_size,
                   "number of pieces, special tokens and user symbols included")
      ->required()
      ->default_str("")  // required: the struct's default would only confuse the help text
      ->check(CLI::PositiveNumber);
  command->add_option("--model-type", train.model_type, "SentencePiece algorithm")
      ->check(CLI::IsMember({"unigram", "bpe"}));
  command
      ->add_option("--user-symbols", train.user_defined_symbols,
                   "comma-separated pieces always kept whole, e.g. "
                   "\"<think>,</think>,<answer>,</answer>\"")
      ->delimiter(',');
  command
      ->add_option("--character-coverage", train.character_coverage,
                   "share of corpus characters the vocabulary must cover; the rest map to "
                   "<unk> (or bytes with --byte-fallback)")
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--threads", train.num_threads,
                   "trainer threads; 1 gives byte-identical models run to run")
      ->check(CLI::PositiveNumber);
  command->add_flag("--byte-fallback", train.byte_fallback,
                    "encode unknown characters as <0x00>..<0xFF> byte pieces (needs 256 ids)");
  command->add_flag("--split-digits", train.split_digits, "make every digit its own piece");
  command->add_option("--seed", train.seed, "seed of SentencePiece's sentence sampling");
  command->add_option("--model-max-length", options->folder.model_max_length,
                      "model_max_length written to tokenizer_config.json (folder output)");
  return [options] { run_train_tokenizer(*options); };
});

}  // namespace
}  // namespace r1forge::app
