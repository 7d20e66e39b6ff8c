// The general-instructions task; see include/r1forge/data/tasks/instructions.h.
#include "r1forge/data/tasks/instructions.h"

#include <algorithm>
#include <cctype>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"

namespace r1forge::tasks {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) text += (i ? separator : "") + items[i];
  return text;
}

std::string spaced_letters(const std::string& word) {
  std::string text;
  for (size_t i = 0; i < word.size(); ++i) (text += i ? " " : "") += word[i];
  return text;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// `count` distinct words (count <= the word list's size, checked by validate()).
std::vector<std::string> distinct_words(int64_t count, TaskRng& rng) {
  std::vector<std::string> pool = instruction_words();
  rng.shuffle(pool);
  pool.resize(static_cast<size_t>(count));
  return pool;
}

InstructionProblem make(const std::string& kind,
                        const std::string& input,
                        std::string prompt,
                        std::string answer,
                        std::string reasoning) {
  return {kind, kind + ":" + input, std::move(prompt), std::move(answer), std::move(reasoning)};
}

}  // namespace

const char* const kInstructionsTask = "instructions";

const std::vector<std::string>& instruction_words() {
  static const std::vector<std::string> words = {
      "apple",   "river",  "stone",  "planet",  "garden", "window", "silver",  "forest", "candle",
      "bridge",  "pepper", "rocket", "shadow",  "orange", "purple", "yellow",  "winter", "summer",
      "autumn",  "spring", "castle", "island",  "valley", "desert", "ocean",   "cloud",  "thunder",
      "market",  "pencil", "paper",  "basket",  "button", "carpet", "cotton",  "dragon", "engine",
      "feather", "guitar", "hammer", "jacket",  "kitten", "ladder", "lemon",   "magnet", "needle",
      "parrot",  "pillow", "rabbit", "saddle",  "ticket", "tunnel", "violin",  "wallet", "zebra",
      "anchor",  "banana", "cherry", "dinner",  "eagle",  "falcon", "goose",   "harbor", "igloo",
      "jungle",  "kettle", "lizard", "meadow",  "nectar", "oyster", "pirate",  "quartz", "radish",
      "salmon",  "tomato", "umpire", "velvet",  "walnut", "yogurt", "acorn",   "bamboo", "cactus",
      "dolphin", "ember",  "fossil", "glacier", "honey",  "iris",   "jasmine", "koala",  "lantern",
      "mango",   "nickel", "olive",  "panda",   "quilt",  "raven",  "sphinx",  "tulip",  "unicorn",
      "vapor",   "willow", "yacht",  "zipper",  "arrow",  "bell",   "coin",    "drum",   "frog",
      "gate",    "hill",   "kite",   "lamp",    "moon",   "nest",   "owl",     "pond",   "rose",
      "ship",    "tree",   "wolf",   "bread",   "chair",  "dream",  "flame",   "grape",  "house",
      "knife",   "light",  "mouse",  "night",   "piano",  "queen",  "robot",   "snake",  "tiger",
      "water",   "bottle", "circle", "letter",  "mirror", "number", "pocket",  "school", "garlic",
  };
  return words;
}

void InstructionsConfig::validate(const std::string& where) const {
  R1F_CHECK_CONFIG(!kinds.empty(), where, ": kinds is empty; name at least one kind");
  R1F_CHECK_CONFIG(min_items <= max_items, where, ": min_items (", min_items,
                   ") is above max_items (", max_items, ")");
  // Lists hold distinct items: there must be enough of each to draw from.
  R1F_CHECK_CONFIG(max_items <= 26, where, ": max_items (", max_items,
                   ") is above 26, the number of distinct letters sort_letters draws from");
  R1F_CHECK_CONFIG(max_number + 1 >= max_items, where, ": max_number (", max_number,
                   ") leaves fewer than max_items (", max_items, ") distinct numbers to sort");
}

InstructionProblem sample_instruction(const std::string& kind,
                                      const InstructionsConfig& config,
                                      TaskRng& rng) {
  const int64_t count = rng.uniform(config.min_items, config.max_items);
  if (kind == "reverse_word") {
    const std::string& word = rng.pick(instruction_words());
    std::string reversed(word.rbegin(), word.rend());
    return make(kind, word, "Reverse the letters of the word \"" + word + "\".", reversed,
                spaced_letters(word) + " reversed: " + spaced_letters(reversed));
  }
  if (kind == "reverse_list") {
    std::vector<std::string> items = distinct_words(count, rng);
    std::vector<std::string> reversed(items.rbegin(), items.rend());
    return make(kind, join(items, ","),
                "Reverse the order of this list: " + join(items, ", ") +
                    ". Answer with the items separated by commas.",
                join(reversed, ", "),
                std::to_string(count) + " items, last to first: " + join(reversed, ", "));
  }
  if (kind == "sort_numbers") {
    std::vector<int64_t> numbers;
    while (static_cast<int64_t>(numbers.size()) < count) {
      const int64_t number = rng.uniform(0, config.max_number);
      if (std::find(numbers.begin(), numbers.end(), number) == numbers.end())
        numbers.push_back(number);
    }
    std::vector<std::string> given, sorted;
    for (int64_t number : numbers) given.push_back(std::to_string(number));
    std::sort(numbers.begin(), numbers.end());
    for (int64_t number : numbers) sorted.push_back(std::to_string(number));
    return make(kind, join(given, ","),
                "Sort these numbers from smallest to largest: " + join(given, ", ") +
                    ". Answer with the numbers separated by commas.",
                join(sorted, ", "), "smallest to largest: " + join(sorted, " < "));
  }
  if (kind == "sort_letters") {
    std::vector<std::string> letters;
    for (char c = 'a'; c <= 'z'; ++c) letters.emplace_back(1, c);
    rng.shuffle(letters);
    letters.resize(static_cast<size_t>(count));
    std::vector<std::string> sorted = letters;
    std::sort(sorted.begin(), sorted.end());
    return make(kind, join(letters, ","),
                "Sort these letters alphabetically: " + join(letters, ", ") +
                    ". Answer with the letters separated by commas.",
                join(sorted, ", "), "alphabetical order: " + join(sorted, " < "));
  }
  if (kind == "count_items") {
    std::vector<std::string> items = distinct_words(count, rng);
    std::vector<std::string> counted;
    for (size_t i = 0; i < items.size(); ++i)
      counted.push_back(items[i] + " " + std::to_string(i + 1));
    return make(kind, join(items, ","),
                "How many items are in this list: " + join(items, ", ") + "? Answer with a number.",
                std::to_string(count), join(counted, ", "));
  }
  if (kind == "count_letter") {
    const std::string& word = rng.pick(instruction_words());
    // Mostly a letter of the word, so that counts other than 0 are common.
    const char letter =
        rng.chance(0.75)
            ? word[static_cast<size_t>(rng.uniform(0, static_cast<int64_t>(word.size()) - 1))]
            : static_cast<char>('a' + rng.uniform(0, 25));
    std::vector<std::string> positions;
    for (size_t i = 0; i < word.size(); ++i)
      if (word[i] == letter) positions.push_back(std::to_string(i + 1));
    const std::string letter_text(1, letter);
    std::string reasoning = spaced_letters(word) + ": ";
    if (positions.empty()) {
      reasoning += "no " + letter_text;
    } else {
      reasoning += letter_text + (positions.size() == 1 ? " at position " : " at positions ") +
                   join(positions, ", ");
    }
    return make(kind, letter_text + "," + word,
                "How many times does the letter \"" + letter_text + "\" appear in the word \"" +
                    word + "\"? Answer with a number.",
                std::to_string(positions.size()), reasoning);
  }
  std::vector<std::string> words = distinct_words(count, rng);
  if (kind == "uppercase") {
    std::vector<std::string> mapped;
    for (const std::string& word : words) mapped.push_back(word + " -> " + upper(word));
    return make(kind, join(words, ","), "Write this text in uppercase: " + join(words, " "),
                upper(join(words, " ")), join(mapped, ", "));
  }
  if (kind == "comma_join") {
    return make(kind, join(words, ","),
                "Write these words separated by commas, with no spaces: " + join(words, " "),
                join(words, ","), std::to_string(count) + " words joined by ','");
  }
  R1F_CHECK(kind == "brackets", "unknown instruction kind ", kind);
  std::vector<std::string> wrapped, mapped;
  for (const std::string& word : words) {
    wrapped.push_back("[" + word + "]");
    mapped.push_back(word + " -> [" + word + "]");
  }
  return make(kind, join(words, ","),
              "Wrap each word in square brackets, separated by spaces: " + join(words, " "),
              join(wrapped, " "), join(mapped, ", "));
}

std::string instruction_completion(const InstructionProblem& problem) {
  return "<think>" + problem.reasoning + "</think><answer>" + problem.answer + "</answer>";
}

TaskSplits generate_instructions(const InstructionsConfig& config,
                                 int64_t train,
                                 int64_t test,
                                 uint64_t seed) {
  TaskRng rng(derive_seed(seed, "tasks/instructions/sample"));
  SplitCollector collector(kInstructionsTask, seed, config.test_fraction, train, test);
  std::string space = "kinds " + join(config.kinds, ",") + ", items " +
                      std::to_string(config.min_items) + ".." + std::to_string(config.max_items);
  TaskSplits splits;
  while (!collector.full()) {
    const InstructionProblem problem = sample_instruction(rng.pick(config.kinds), config, rng);
    const std::optional<Split> split = collector.offer(problem.canonical, space);
    if (!split) continue;
    auto& rows = *split == Split::TRAIN ? splits.train : splits.test;
    rows.push_back({{"id", row_id(kInstructionsTask, *split, static_cast<int64_t>(rows.size()))},
                    {"task", kInstructionsTask},
                    {"language", "en"},
                    {"instruction", problem.kind},
                    {"prompt", problem.prompt},
                    {"answer", problem.answer},
                    {"completion", instruction_completion(problem)}});
  }
  return splits;
}

}  // namespace r1forge::tasks
