// Trains a SentencePiece model (libsentencepiece's trainer) from text files or in-memory
// sentences, and lays a trained model out as the tokenizer files of an HF model folder.
//
// Training is deterministic: the same corpus and config give a byte-identical .model (one
// thread, fixed seed). Outputs are written atomically. Not here: loading and encoding
// (sentencepiece.h), corpus generation for the synthetic tasks (data/tasks/).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace r1forge {

struct SentencePieceTrainConfig {
  int64_t vocab_size = 8000;           // pieces in the model, specials and symbols included
  std::string model_type = "unigram";  // "unigram" or "bpe" (Llama-2 uses bpe)
  double character_coverage = 0.9995;  // share of characters covered; the rarest become <unk>
  // Pieces always kept whole, e.g. "<think>", "</think>"; they may not contain ','.
  std::vector<std::string> user_defined_symbols;
  bool byte_fallback = false;  // unknown characters -> <0x00>..<0xFF> pieces (256 ids) not <unk>
  int64_t unk_id = 0;          // must be >= 0: SentencePiece requires an unknown piece
  int64_t bos_id = 1;          // -1 = no BOS piece
  int64_t eos_id = 2;          // -1 = no EOS piece
  int64_t pad_id = 3;          // -1 = no pad piece; on by default so RL batches have a pad id
  std::string unk_piece = "<unk>";
  std::string bos_piece = "<s>";
  std::string eos_piece = "</s>";
  std::string pad_piece = "<pad>";
  int64_t max_sentence_length = 16384;  // bytes; longer lines are skipped by the trainer
  // Lines sampled from the corpus; 0 = all. Sampling is seeded by `seed`.
  int64_t input_sentence_size = 0;
  // Trainer threads. 1 keeps the float accumulation order fixed, hence byte-identical models.
  int64_t num_threads = 1;
  uint32_t seed = 42;               // SentencePiece's global random generator (sentence sampling)
  bool split_digits = false;        // true: every digit is its own piece (Llama-2 does this)
  bool split_by_whitespace = true;  // false: pieces may span words
  // Unicode normalization: "nmt_nfkc" (SentencePiece's default), "nfkc", "identity", ...
  std::string normalization_rule_name = "nmt_nfkc";
  // Collapse runs of spaces and strip leading/trailing ones before encoding (SentencePiece's
  // default); false keeps whitespace exactly (with byte_fallback, for lossless round trips).
  bool remove_extra_whitespaces = true;
  bool add_dummy_prefix = true;  // a "▁" before the text, so the first word looks like the rest
  bool hard_vocab_limit = true;  // false: vocab_size is an upper bound, not an exact count
};

// Trains on every line of `corpus_files` and writes `output_model` atomically. IoError naming a
// corpus file that cannot be read; ConfigError for a config SentencePiece rejects (the message
// is SentencePiece's, e.g. a vocab_size larger than the corpus allows).
void train_sentencepiece(const std::vector<std::filesystem::path>& corpus_files,
                         const SentencePieceTrainConfig& config,
                         const std::filesystem::path& output_model);
// Same, one sentence per element.
void train_sentencepiece(const std::vector<std::string>& sentences,
                         const SentencePieceTrainConfig& config,
                         const std::filesystem::path& output_model);

// Settings of the tokenizer_config.json that write_tokenizer_folder_files writes.
struct TokenizerFolderOptions {
  bool add_bos_token = true;  // HF LlamaTokenizer's default
  bool add_eos_token = false;
  int64_t model_max_length = 4096;  // HF's truncation limit; should match the model's context
};

// Makes `folder` (created if needed) an HF tokenizer folder for `model_file`: copies it to
// folder/tokenizer.model and writes tokenizer_config.json (LlamaTokenizer; bos/eos/pad/unk and
// added_tokens_decoder taken from the model itself; user-defined symbols special:false, like
// Qwen's <think>) and special_tokens_map.json, each atomically. Other files in the folder
// (config.json, weights) are left alone.
void write_tokenizer_folder_files(const std::filesystem::path& folder,
                                  const std::filesystem::path& model_file,
                                  const TokenizerFolderOptions& options = {});

}  // namespace r1forge
