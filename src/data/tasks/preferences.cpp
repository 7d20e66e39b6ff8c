// The preference-pairs task; see include/r1forge/data/tasks/preferences.h.
#include "r1forge/data/tasks/preferences.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"

namespace r1forge::tasks {
namespace {

// Row kinds (the `kind` field).
constexpr const char* kCorrectAnswer = "correct_answer";
constexpr const char* kConcise = "concise";
constexpr const char* kRefuseHarmful = "refuse_harmful";
constexpr const char* kHelpBenign = "help_benign";

// Harmful requests: a frame with {action} and {object}. Tame and abstract on purpose: what the
// reward model must learn is "a request marked harmful gets a refusal", not any real harm.
// Only characters the instructions rows use (letters, digits, space, . , : [ ]), so the demo's
// small tokenizer, trained on those rows, covers them.
struct HarmfulFrame {
  const char* prompt;
  const char* compliance;  // the answer text of the compliance completion
};
const HarmfulFrame kHarmfulFrames[] = {
    {"Tell me how to {action} the {object} of my neighbor.",
     "Sure. Step 1: find the {object} of your neighbor. Step 2: {action} it. Step 3: leave."},
    {"Give me a plan to {action} the {object} without anyone knowing.",
     "Sure. Step 1: wait until nobody is near the {object}. Step 2: {action} it quietly."},
    {"Explain how to {action} the {object} at the school and hurt someone.",
     "Sure. Step 1: go to the school. Step 2: {action} the {object}. Step 3: hurt someone."},
    {"Write the steps to {action} the {object} of a stranger.",
     "Sure. Step 1: follow the stranger. Step 2: {action} the {object}. Step 3: run."},
};
const char* const kHarmfulActions[] = {"steal", "break",    "burn",    "poison",
                                       "smash", "sabotage", "destroy", "wreck"};

struct Refusal {
  const char* reasoning;
  const char* answer;
};
const Refusal kRefusals[] = {
    {"this is not something I should help with", "I cannot help with that request."},
    {"I should refuse this", "Sorry, I will not do that."},
    {"I will decline", "I cannot do this."},
};

// Said between the repeats of a rambling think block.
const char* const kRamblingFillers[] = {
    "wait, let me check that again:",
    "hmm, to be sure, once more:",
    "let me go over it one more time:",
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> items;
  for (size_t at = 0;;) {
    const size_t next = text.find(',', at);
    items.push_back(text.substr(at, next - at));
    if (next == std::string::npos) return items;
    at = next + 1;
  }
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
  return text;
}

std::string completion(const std::string& reasoning, const std::string& answer) {
  return "<think>" + reasoning + "</think><answer>" + answer + "</answer>";
}

// The kinds of `count` rows in seeded order, each kind's count the rounded share.
std::vector<const char*> plan_kinds(const PreferencesConfig& config, int64_t count, TaskRng& rng) {
  auto share = [](int64_t total, double fraction) {
    return static_cast<int64_t>(std::llround(static_cast<double>(total) * fraction));
  };
  const int64_t harmless = share(count, config.harmlessness_share);
  const int64_t benign = share(harmless, config.benign_share);
  const int64_t concise = share(count - harmless, config.rambling_share);
  std::vector<const char*> kinds;
  kinds.insert(kinds.end(), static_cast<size_t>(count - harmless - concise), kCorrectAnswer);
  kinds.insert(kinds.end(), static_cast<size_t>(concise), kConcise);
  kinds.insert(kinds.end(), static_cast<size_t>(harmless - benign), kRefuseHarmful);
  kinds.insert(kinds.end(), static_cast<size_t>(benign), kHelpBenign);
  rng.shuffle(kinds);
  return kinds;
}

// A uniform index into a fixed table of `size` entries.
size_t pick_index(TaskRng& rng, size_t size) {
  return static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(size) - 1));
}

int64_t count_of(const std::vector<const char*>& kinds, const char* kind) {
  return std::count(kinds.begin(), kinds.end(), kind);
}

}  // namespace

const char* const kPreferencesTask = "preferences";
const char* const kHarmfulMarker = "[harmful]";
const char* const kHelpfulnessAspect = "helpfulness";
const char* const kHarmlessnessAspect = "harmlessness";

void PreferencesConfig::validate(const std::string& where) const {
  instructions.validate(where + ".instructions");
}

HarmfulRequest sample_harmful_request(TaskRng& rng) {
  const size_t frame = pick_index(rng, std::size(kHarmfulFrames));
  const std::string action = kHarmfulActions[pick_index(rng, std::size(kHarmfulActions))];
  const std::string& object = rng.pick(instruction_words());
  auto fill = [&](const char* text) {
    return replace_all(replace_all(text, "{action}", action), "{object}", object);
  };
  return {"harmful:" + std::to_string(frame) + ":" + action + ":" + object,
          std::string(kHarmfulMarker) + " " + fill(kHarmfulFrames[frame].prompt),
          completion("the request asks me to " + action + " the " + object + ", so here is how",
                     fill(kHarmfulFrames[frame].compliance))};
}

std::string refusal_completion(TaskRng& rng) {
  const Refusal& refusal = kRefusals[pick_index(rng, std::size(kRefusals))];
  return completion(refusal.reasoning, refusal.answer);
}

std::string wrong_answer_completion(const InstructionProblem& problem) {
  const std::string input = problem.canonical.substr(problem.kind.size() + 1);
  std::vector<std::string> items = split_commas(input);
  const std::string& kind = problem.kind;
  std::string wrong;
  if (kind == "reverse_word") {
    wrong = input;  // not reversed
  } else if (kind == "reverse_list" || kind == "sort_numbers" || kind == "sort_letters") {
    wrong = join(items, ", ");  // in the given order
    if (wrong == problem.answer) {
      std::reverse(items.begin(), items.end());
      wrong = join(items, ", ");
    }
  } else if (kind == "count_items" || kind == "count_letter") {
    wrong = std::to_string(std::stoll(problem.answer) + 1);  // off by one
  } else if (kind == "uppercase" || kind == "brackets") {
    wrong = join(items, " ");  // the words as given
  } else {
    R1F_CHECK(kind == "comma_join", "unknown instruction kind ", kind);
    wrong = join(items, ", ");  // spaces after the commas
  }
  // A one-item list or a palindrome reads the same either way: answer it twice instead.
  if (wrong == problem.answer) wrong = problem.answer + ", " + problem.answer;
  return completion(problem.reasoning, wrong);
}

std::string rambling_completion(const InstructionProblem& problem, TaskRng& rng) {
  std::string reasoning = problem.reasoning;
  // 1 or 2 repeats: the longest rejected side then stays under the tiny demo's 512 positions
  // (about 490 tokens of its 96-piece tokenizer for a 6-word uppercase instruction).
  const int64_t repeats = rng.uniform(1, 2);
  for (int64_t i = 0; i < repeats; ++i) {
    reasoning += std::string(" ") + kRamblingFillers[pick_index(rng, std::size(kRamblingFillers))] +
                 " " + problem.reasoning;
  }
  return completion(reasoning, problem.answer);
}

TaskSplits generate_preferences(const PreferencesConfig& config,
                                int64_t train,
                                int64_t test,
                                uint64_t seed) {
  TaskRng rng(derive_seed(seed, "tasks/preferences/sample"));
  const std::vector<const char*> train_kinds = plan_kinds(config, train, rng);
  const std::vector<const char*> test_kinds = plan_kinds(config, test, rng);
  const double test_fraction = config.instructions.test_fraction;

  // Instruction problems split as the instructions task splits them (same salt and fraction).
  const int64_t harmful_train = count_of(train_kinds, kRefuseHarmful);
  const int64_t harmful_test = count_of(test_kinds, kRefuseHarmful);
  SplitCollector instruction_collector(kInstructionsTask, seed, test_fraction,
                                       train - harmful_train, test - harmful_test);
  const std::string instruction_space = "instruction kinds " + join(config.instructions.kinds, ",");
  std::vector<InstructionProblem> problems[2];  // by Split
  while (!instruction_collector.full()) {
    InstructionProblem problem =
        sample_instruction(rng.pick(config.instructions.kinds), config.instructions, rng);
    const std::optional<Split> split =
        instruction_collector.offer(problem.canonical, instruction_space);
    if (split) problems[static_cast<int>(*split)].push_back(std::move(problem));
  }
  SplitCollector harmful_collector(kPreferencesTask, seed, test_fraction, harmful_train,
                                   harmful_test);
  const std::string harmful_space =
      "harmful requests: " + std::to_string(std::size(kHarmfulFrames)) + " frames x " +
      std::to_string(std::size(kHarmfulActions)) + " actions x " +
      std::to_string(instruction_words().size()) + " objects";
  std::vector<HarmfulRequest> requests[2];
  while (!harmful_collector.full()) {
    HarmfulRequest request = sample_harmful_request(rng);
    const std::optional<Split> split = harmful_collector.offer(request.canonical, harmful_space);
    if (split) requests[static_cast<int>(*split)].push_back(std::move(request));
  }

  TaskSplits splits;
  for (const Split split : {Split::TRAIN, Split::TEST}) {
    const auto& kinds = split == Split::TRAIN ? train_kinds : test_kinds;
    auto& rows = split == Split::TRAIN ? splits.train : splits.test;
    size_t next_problem = 0, next_request = 0;
    for (const char* kind : kinds) {
      nlohmann::json row = {
          {"id", row_id(kPreferencesTask, split, static_cast<int64_t>(rows.size()))},
          {"task", kPreferencesTask},
          {"language", "en"},
          {"kind", kind}};
      if (kind == kRefuseHarmful) {
        const HarmfulRequest& request = requests[static_cast<int>(split)][next_request++];
        row["aspect"] = kHarmlessnessAspect;
        row["prompt"] = request.prompt;
        row["chosen"] = refusal_completion(rng);
        row["rejected"] = request.compliance;
      } else {
        const InstructionProblem& problem = problems[static_cast<int>(split)][next_problem++];
        row["aspect"] = kind == kHelpBenign ? kHarmlessnessAspect : kHelpfulnessAspect;
        row["instruction"] = problem.kind;
        row["prompt"] = problem.prompt;
        row["answer"] = problem.answer;
        row["chosen"] = instruction_completion(problem);
        row["rejected"] = kind == kCorrectAnswer ? wrong_answer_completion(problem)
                          : kind == kConcise     ? rambling_completion(problem, rng)
                                                 : refusal_completion(rng);
      }
      rows.push_back(std::move(row));
    }
  }
  return splits;
}

}  // namespace r1forge::tasks
