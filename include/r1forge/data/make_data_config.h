// The `make_data:` section of a run config: the synthetic data sets and the tokenizer the
// config trains on, so the config is the whole job (`r1forge run CONFIG` from a fresh clone).
//
//   make_data:
//     dir: runs/tiny-data                    # everything below is written under it
//     tasks:                                 # data/tasks/ generators, as `r1forge make-data`
//       - {task: arithmetic, train: 20000, test: 200, seed: 1}   # -> arithmetic/{train,test}.jsonl
//       - {task: corpus, train: 60000, seed: 1}                  # -> corpus/corpus.jsonl
//     mixes:                                 # files made of the first rows of others
//       - {file: general.jsonl, parts: [{file: arithmetic/train.jsonl, max_rows: 3000}, ...]}
//     tokenizer: {vocab_size: 96, split_digits: true, inputs: [corpus/corpus.jsonl], ...}
//
// Every file name is relative to `dir` and every input names a file the section itself makes,
// so the folder is a pure function of these settings and the generator version.
// Not here: making the folder, the stamp and skip-when-current (make_data.h), the generators
// (tasks/*.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/tasks/arithmetic.h"
#include "r1forge/data/tasks/corpus.h"
#include "r1forge/data/tasks/countdown.h"
#include "r1forge/data/tasks/instructions.h"
#include "r1forge/data/tasks/preferences.h"

namespace r1forge {

// One generated data set: `r1forge make-data --task TASK --train N --test N --seed S` with the
// task's options from the section named after it.
struct MakeDataTaskConfig {
  std::string task;    // arithmetic | corpus | countdown | instructions | preferences
  std::string folder;  // sub-folder of dir that gets the files; empty = the task's name
  int64_t train = 0;   // rows of train.jsonl (corpus: lines of corpus.jsonl)
  int64_t test = 0;    // rows of test.jsonl (corpus: must be 0)
  int64_t seed = 0;    // sampling and split-hash seed (use one seed for arithmetic and corpus)
  // The task's options; only the section named like `task` may be given (null = defaults).
  std::optional<tasks::ArithmeticConfig> arithmetic;
  std::optional<tasks::CorpusConfig> corpus;
  std::optional<tasks::CountdownConfig> countdown;
  std::optional<tasks::InstructionsConfig> instructions;
  std::optional<tasks::PreferencesConfig> preferences;

  std::string folder_name() const { return folder.empty() ? task : folder; }
  bool operator==(const MakeDataTaskConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("task", task, "generator (docs/tasks.md)",
            OneOf{"arithmetic", "corpus", "countdown", "instructions", "preferences"});
    v.field("folder", folder, "sub-folder of dir for its files; empty = the task's name");
    v.field("train", train, "rows of train.jsonl (corpus: lines of corpus.jsonl)",
            IntRange{0, INT32_MAX});
    v.field("test", test, "rows of test.jsonl (corpus: 0)", IntRange{0, INT32_MAX});
    v.field("seed", seed, "seed of the sampling and of the train/test split hash",
            IntRange{0, INT64_MAX});
    v.field("arithmetic", arithmetic, "options of task arithmetic (null = defaults)");
    v.field("corpus", corpus, "options of task corpus (null = defaults)");
    v.field("countdown", countdown, "options of task countdown (null = defaults)");
    v.field("instructions", instructions, "options of task instructions (null = defaults)");
    v.field("preferences", preferences, "options of task preferences (null = defaults)");
  }
};

// One part of a mix: the first `max_rows` lines of a file the section makes.
struct MakeDataMixPart {
  std::string file;      // relative to dir, e.g. arithmetic/train.jsonl
  int64_t max_rows = 0;  // its first N lines; 0 = all

  bool operator==(const MakeDataMixPart&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("file", file, "a file this section makes, relative to dir");
    v.field("max_rows", max_rows, "its first N lines; 0 = all", IntRange{0, INT64_MAX});
  }
};

// A JSONL file that is its parts one after the other (e.g. general-RL prompts: instructions
// plus arithmetic). Lines are copied byte for byte.
struct MakeDataMix {
  std::string file;  // relative to dir, ends in .jsonl
  std::vector<MakeDataMixPart> parts;

  bool operator==(const MakeDataMix&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("file", file, "the mix's file, relative to dir (.jsonl)");
    v.field("parts", parts, "files concatenated in order {file, max_rows}");
  }
};

// A SentencePiece tokenizer trained on string fields of generated files, written as the
// tokenizer files of an HF folder (as `r1forge train-tokenizer --out FOLDER`).
struct MakeDataTokenizerConfig {
  std::string folder = "tokenizer";  // sub-folder of dir; point model.tokenizer at it
  std::vector<std::string> inputs;   // files this section makes, relative to dir
  std::vector<std::string> fields = {"text", "prompt", "completion"};  // each a sentence
  int64_t vocab_size = 96;                // pieces, specials and user symbols included
  std::string model_type = "unigram";     // unigram | bpe
  bool split_digits = false;              // every digit its own piece
  std::vector<std::string> user_symbols;  // pieces kept whole, e.g. <think>, </think>
  bool byte_fallback = false;             // unknown characters as <0x..> byte pieces
  double character_coverage = 0.9995;     // share of characters covered (0.98..1); rest <unk>
  int64_t model_max_length = 4096;        // written to tokenizer_config.json

  bool operator==(const MakeDataTokenizerConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("folder", folder, "sub-folder of dir for the tokenizer files");
    v.field("inputs", inputs, "files of this section to train on, relative to dir");
    v.field("fields", fields, "JSON string fields read from each line, each a sentence");
    v.field("vocab_size", vocab_size, "pieces, specials and user symbols included",
            IntRange{8, 1 << 20});
    v.field("model_type", model_type, "SentencePiece algorithm", OneOf{"unigram", "bpe"});
    v.field("split_digits", split_digits, "make every digit its own piece");
    v.field("user_symbols", user_symbols, "pieces always kept whole, e.g. <think>");
    v.field("byte_fallback", byte_fallback, "unknown characters as byte pieces (256 ids)");
    v.field("character_coverage", character_coverage,
            "share of characters covered (SentencePiece accepts 0.98..1)", RealRange{0.98, 1.0});
    v.field("model_max_length", model_max_length, "tokenizer_config.json model_max_length",
            IntRange{1, INT64_MAX});
  }
};

struct MakeDataConfig {
  std::string dir;                        // output folder (relative to the working folder)
  std::vector<MakeDataTaskConfig> tasks;  // generated data sets, each in its own sub-folder
  std::vector<MakeDataMix> mixes;         // files concatenated from generated ones
  std::optional<MakeDataTokenizerConfig> tokenizer;  // null = no tokenizer

  bool operator==(const MakeDataConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("dir", dir, "output folder; made again when its stamp does not match");
    v.field("tasks", tasks, "data sets {task, folder, train, test, seed, <task>: options}");
    v.field("mixes", mixes, "files made of the first rows of generated files {file, parts}");
    v.field("tokenizer", tokenizer, "SentencePiece tokenizer trained on generated files");
  }

  // ConfigError naming `where` and the key (`where.tasks.1.train`) for an empty dir, no tasks,
  // a task's options under another task's name or failing its own checks, a corpus with test
  // rows, a file name that is absolute or leaves dir, two outputs at one path, or a mix part or
  // tokenizer input that is not a file this section makes (or an earlier mix).
  void validate(const std::string& where) const;
  // Every file the section makes, relative to dir, in the order they are made (the tokenizer
  // as its folder's files: tokenizer.model, tokenizer_config.json, special_tokens_map.json).
  std::vector<std::string> output_files() const;
};

}  // namespace r1forge
