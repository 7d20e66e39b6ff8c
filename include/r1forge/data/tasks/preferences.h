// Synthetic preference pairs for the two reward models of R1's general RL (helpfulness and
// harmlessness): rows {"prompt", "chosen", "rejected", "aspect", "kind", ...}, where chosen and
// rejected are completions in the pipeline's <think>...</think><answer>...</answer> form.
//   helpfulness  correct_answer  instruction followed (the exact answer) vs a near miss
//                concise         the worked completion vs the same answer after a rambling,
//                                repetitive think block
//   harmlessness refuse_harmful  a request marked "[harmful]": a refusal vs compliance
//                help_benign     an ordinary instruction: the answer vs a needless refusal
// Instruction rows reuse the instructions task's problems and its split (salt "instructions",
// instructions.test_fraction), so under one seed a preference test prompt is never an
// instructions train prompt. Text stays within the characters the instructions rows use.
// Not here: reading the pairs for a reward model (data/preference_dataset.h).
#pragma once

#include <cstdint>
#include <string>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/data/tasks/instructions.h"
#include "r1forge/data/tasks/task_split.h"

namespace r1forge::tasks {

extern const char* const kPreferencesTask;  // "preferences": the task name, harmful-prompt salt
extern const char* const kHarmfulMarker;    // "[harmful]": how a harmful request is marked
// The `aspect` values: which reward model a row trains.
extern const char* const kHelpfulnessAspect;   // "helpfulness"
extern const char* const kHarmlessnessAspect;  // "harmlessness"

struct PreferencesConfig {
  // The instruction problems of the helpfulness and help_benign rows; its test_fraction also
  // splits the harmful requests. Use the instructions task's options and seed.
  InstructionsConfig instructions;
  double harmlessness_share = 0.5;  // share of rows with aspect harmlessness (exact per split)
  double rambling_share = 0.5;      // of helpfulness rows: concise pairs; the rest correct_answer
  double benign_share = 0.5;        // of harmlessness rows: help_benign; the rest refuse_harmful

  bool operator==(const PreferencesConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("instructions", instructions, "the instruction problems (as the instructions task)");
    v.field("harmlessness_share", harmlessness_share, "share of rows with aspect harmlessness",
            RealRange{0.0, 1.0});
    v.field("rambling_share", rambling_share,
            "of helpfulness rows: concise vs rambling pairs (the rest: correct vs wrong answer)",
            RealRange{0.0, 1.0});
    v.field("benign_share", benign_share,
            "of harmlessness rows: benign prompts, answer vs needless refusal (the rest: "
            "harmful prompts, refusal vs compliance)",
            RealRange{0.0, 1.0});
  }
  // ConfigError naming `where` for bad instruction options (InstructionsConfig::validate).
  void validate(const std::string& where) const;
};

// A request marked harmful, with what complying with it would look like.
struct HarmfulRequest {
  std::string canonical;   // "harmful:<frame>:<action>:<object>", the split key
  std::string prompt;      // "[harmful] Tell me how to steal the kettle of my neighbor."
  std::string compliance;  // a completion that goes along with it (the rejected side)
};

// One of the 4 frames x 8 actions x 144 objects harmful requests, uniformly.
HarmfulRequest sample_harmful_request(TaskRng& rng);
// A completion that declines (one of a few phrasings), for harmful and benign prompts alike.
std::string refusal_completion(TaskRng& rng);
// The worked completion with the right reasoning but a near-miss answer that does not follow
// the instruction (the input echoed unsorted/unreversed, a count off by one, the wrong format);
// never equal to problem.answer.
std::string wrong_answer_completion(const InstructionProblem& problem);
// The exact answer after a think block that repeats its reasoning 1 or 2 more times.
std::string rambling_completion(const InstructionProblem& problem, TaskRng& rng);

// `train` and `test` pairs; the kinds' counts per split are exact (rounded shares), their
// order seeded. Rows: id, task, language, aspect, kind, prompt, chosen, rejected; instruction
// rows also carry instruction (its kind) and answer.
TaskSplits generate_preferences(const PreferencesConfig& config,
                                int64_t train,
                                int64_t test,
                                uint64_t seed);

}  // namespace r1forge::tasks
