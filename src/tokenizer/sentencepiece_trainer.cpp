// SentencePiece training and HF tokenizer folder files; see
// include/r1forge/tokenizer/sentencepiece_trainer.h.
//
// The trainer is fed through SentencePiece's SentenceIterator (so corpus paths never go through
// its comma-separated `input` flag) and returns the serialized model, which is then written with
// AtomicFileWriter: a failed run leaves no file, a good one appears whole.
#include "r1forge/tokenizer/sentencepiece_trainer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/tokenizer/sentencepiece.h"

namespace r1forge {

namespace {

// Streams the lines of several files, in order, without holding them all twice in memory.
class FileLineIterator : public sentencepiece::SentenceIterator {
 public:
  explicit FileLineIterator(const std::vector<std::filesystem::path>& files) : files_(files) {
    advance();
  }
  bool done() const override { return done_; }
  void Next() override { advance(); }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return status_; }

 private:
  void advance() {
    while (true) {
      if (in_.is_open() && std::getline(in_, line_)) {
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        return;
      }
      if (in_.is_open()) {
        if (in_.bad()) {
          status_ = sentencepiece::util::Status(sentencepiece::util::StatusCode::kInternal,
                                                "error reading " + files_[next_file_ - 1].string());
          done_ = true;
          return;
        }
        in_.close();
      }
      if (next_file_ == files_.size()) {
        done_ = true;
        return;
      }
      in_.open(files_[next_file_++]);
      if (!in_.is_open()) {
        status_ = sentencepiece::util::Status(sentencepiece::util::StatusCode::kNotFound,
                                              "cannot open " + files_[next_file_ - 1].string());
        done_ = true;
        return;
      }
    }
  }

  const std::vector<std::filesystem::path>& files_;
  size_t next_file_ = 0;
  std::ifstream in_;
  std::string line_;
  bool done_ = false;
  sentencepiece::util::Status status_;
};

class VectorIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& sentences) : sentences_(sentences) {}
  bool done() const override { return index_ >= sentences_.size(); }
  void Next() override { ++index_; }
  const std::string& value() const override { return sentences_[index_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& sentences_;
  size_t index_ = 0;
};

std::unordered_map<std::string, std::string> trainer_arguments(
    const SentencePieceTrainConfig& config) {
  R1F_CHECK_CONFIG(config.vocab_size > 0, "tokenizer training: vocab_size must be positive, got ",
                   config.vocab_size);
  R1F_CHECK_CONFIG(config.model_type == "unigram" || config.model_type == "bpe",
                   "tokenizer training: model_type must be unigram or bpe, got '",
                   config.model_type, "'");
  R1F_CHECK_CONFIG(config.character_coverage > 0.0 && config.character_coverage <= 1.0,
                   "tokenizer training: character_coverage must be in (0, 1], got ",
                   config.character_coverage);
  R1F_CHECK_CONFIG(config.num_threads >= 1, "tokenizer training: num_threads must be >= 1, got ",
                   config.num_threads);
  std::string symbols;
  for (const auto& symbol : config.user_defined_symbols) {
    R1F_CHECK_CONFIG(!symbol.empty() && symbol.find(',') == std::string::npos,
                     "tokenizer training: user-defined symbol '", symbol,
                     "' must be non-empty and contain no ','");
    if (!symbols.empty()) symbols += ',';
    symbols += symbol;
  }
  auto flag = [](bool value) { return std::string(value ? "true" : "false"); };
  return {
      {"vocab_size", std::to_string(config.vocab_size)},
      {"model_type", config.model_type},
      {"character_coverage", std::to_string(config.character_coverage)},
      {"user_defined_symbols", symbols},
      {"byte_fallback", flag(config.byte_fallback)},
      {"unk_id", std::to_string(config.unk_id)},
      {"bos_id", std::to_string(config.bos_id)},
      {"eos_id", std::to_string(config.eos_id)},
      {"pad_id", std::to_string(config.pad_id)},
      {"unk_piece", config.unk_piece},
      {"bos_piece", config.bos_piece},
      {"eos_piece", config.eos_piece},
      {"pad_piece", config.pad_piece},
      {"max_sentence_length", std::to_string(config.max_sentence_length)},
      {"input_sentence_size", std::to_string(config.input_sentence_size)},
      {"shuffle_input_sentence", "true"},
      {"num_threads", std::to_string(config.num_threads)},
      {"split_digits", flag(config.split_digits)},
      {"split_by_whitespace", flag(config.split_by_whitespace)},
      {"normalization_rule_name", config.normalization_rule_name},
      {"remove_extra_whitespaces", flag(config.remove_extra_whitespaces)},
      {"add_dummy_prefix", flag(config.add_dummy_prefix)},
      {"hard_vocab_limit", flag(config.hard_vocab_limit)},
      // SentencePiece's own INFO chatter (hundreds of lines) is hidden; errors still surface
      // through the returned status.
      {"minloglevel", "1"},
  };
}

void train_and_write(sentencepiece::SentenceIterator& sentences,
                     const SentencePieceTrainConfig& config,
                     const std::filesystem::path& output_model) {
  auto arguments = trainer_arguments(config);
  sentencepiece::SetRandomGeneratorSeed(config.seed);
  std::string serialized;
  auto status = sentencepiece::SentencePieceTrainer::Train(arguments, &sentences, &serialized);
  R1F_CHECK_IO(sentences.status().ok(), "tokenizer training: ", sentences.status().error_message());
  R1F_CHECK_CONFIG(status.ok(), "SentencePiece training for ", output_model,
                   " failed: ", status.error_message());
  atomic_write_file(output_model, serialized);
  R1F_LOG_INFO("wrote SentencePiece ", config.model_type, " model ", output_model, " (",
               config.vocab_size, " pieces)");
}

nlohmann::json added_token_json(const std::string& content, bool special) {
  return {{"content", content}, {"lstrip", false},      {"normalized", false},
          {"rstrip", false},    {"single_word", false}, {"special", special}};
}

}  // namespace

void train_sentencepiece(const std::vector<std::filesystem::path>& corpus_files,
                         const SentencePieceTrainConfig& config,
                         const std::filesystem::path& output_model) {
  R1F_CHECK_USAGE(!corpus_files.empty(), "tokenizer training needs at least one corpus file");
  for (const auto& file : corpus_files) {
    std::error_code error;
    R1F_CHECK_IO(std::filesystem::is_regular_file(file, error), "corpus file ", file,
                 " does not exist or is not a regular file");
  }
  FileLineIterator sentences(corpus_files);
  train_and_write(sentences, config, output_model);
}

void train_sentencepiece(const std::vector<std::string>& sentences,
                         const SentencePieceTrainConfig& config,
                         const std::filesystem::path& output_model) {
  VectorIterator iterator(sentences);
  train_and_write(iterator, config, output_model);
}

void write_tokenizer_folder_files(const std::filesystem::path& folder,
                                  const std::filesystem::path& model_file,
                                  const TokenizerFolderOptions& options) {
  namespace fs = std::filesystem;
  SentencePieceTokenizer tokenizer(model_file);  // validates the model before anything is written
  R1F_CHECK_CONFIG(!options.add_bos_token || tokenizer.bos_id(), model_file,
                   " has no BOS piece, so add_bos_token cannot be true");
  R1F_CHECK_CONFIG(!options.add_eos_token || tokenizer.eos_id(), model_file,
                   " has no EOS piece, so add_eos_token cannot be true");
  std::error_code error;
  fs::create_directories(folder, error);
  R1F_CHECK_IO(!error, "cannot create the tokenizer folder ", folder, ": ", error.message());

  fs::path target_model = folder / "tokenizer.model";
  if (!fs::exists(target_model, error) || !fs::equivalent(model_file, target_model, error)) {
    atomic_write_file(target_model, read_file(model_file));
  }

  nlohmann::json config;
  nlohmann::json special_map = nlohmann::json::object();
  auto set_token = [&](const char* key, std::optional<int64_t> id) {
    if (id) {
      const std::string& content = tokenizer.pieces()[*id].piece;
      config[key] = content;
      nlohmann::json entry = added_token_json(content, true);
      entry.erase("special");
      special_map[key] = entry;
    } else {
      config[key] = nullptr;
    }
  };
  set_token("bos_token", tokenizer.bos_id());
  set_token("eos_token", tokenizer.eos_id());
  set_token("pad_token", tokenizer.pad_id());
  set_token("unk_token", tokenizer.unk_id());
  nlohmann::json decoder = nlohmann::json::object();
  for (const AddedToken& token : tokenizer.added_tokens()) {
    decoder[std::to_string(token.id)] = added_token_json(token.content, token.special);
  }
  config["added_tokens_decoder"] = decoder;
  config["add_bos_token"] = options.add_bos_token;
  config["add_eos_token"] = options.add_eos_token;
  config["model_max_length"] = options.model_max_length;
  config["tokenizer_class"] = "LlamaTokenizer";
  // legacy=true: HF encodes the text after a special token with its own dummy prefix, which is
  // what SentencePieceTokenizer::encode does.
  config["legacy"] = true;
  config["clean_up_tokenization_spaces"] = false;
  config["sp_model_kwargs"] = nlohmann::json::object();
  atomic_write_file(folder / "tokenizer_config.json", config.dump(2) + "\n");
  atomic_write_file(folder / "special_tokens_map.json", special_map.dump(2) + "\n");
}

}  // namespace r1forge
