// The tiny demo's plain next-token pretraining corpus: {"text": ...} lines built from TRAIN-split
// arithmetic problems only (the arithmetic task's split rule, same seed), in a plain format
// without the R1 tags, over a small character set (digits, + - = : and space):
//   worked   "7+5+8: 7+5=12 12+8=20 = 20"   (worked_share of the lines, default 0.5)
//   fact     "12+8=20"                      (fact_share: one step of a train problem)
//   bare     "7+5+8=20"                     (the rest: a train problem with its answer)
// Why worked lines: pretraining a tiny model only taught arithmetic when about half its corpus
// held worked solutions; without them cold-start SFT stayed near 0%.
// Not here: the R1-format rows (arithmetic.h), the split rule (task_split.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/tasks/arithmetic.h"

namespace r1forge::tasks {

extern const char* const kCorpusTask;  // "corpus"

struct CorpusConfig {
  // The problems (style, languages, zh_share, answer_noise, trace_words and mixed_trace_share
  // do not apply: lines are plain; validate() rejects them). Use the same
  // options and --seed as the arithmetic data so its test problems stay out of the corpus.
  ArithmeticConfig arithmetic;
  double worked_share = 0.5;  // share of lines that are worked solutions
  double fact_share = 0.25;   // share of single-step facts; the rest are bare problems

  bool operator==(const CorpusConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("arithmetic", arithmetic, "the arithmetic problems the corpus is built from");
    v.field("worked_share", worked_share, "share of lines that are worked solutions",
            RealRange{0.0, 1.0});
    v.field("fact_share", fact_share, "share of lines that are single-step facts",
            RealRange{0.0, 1.0});
  }
  // ConfigError when worked_share + fact_share exceeds 1 or arithmetic's own checks fail.
  void validate(const std::string& where) const;
};

// "7+5+8: 7+5=12 12+8=20 = 20".
std::string corpus_worked_line(const ArithmeticProblem& problem);
// "7+5+8=20".
std::string corpus_bare_line(const ArithmeticProblem& problem);

// `lines` corpus lines in a seeded order: round(lines * worked_share) worked lines,
// round(lines * fact_share) facts, the rest bare problems.
std::vector<nlohmann::json> generate_corpus(const CorpusConfig& config,
                                            int64_t lines,
                                            uint64_t seed);

}  // namespace r1forge::tasks
