// The `make_data:` section (data/make_data_config.h, data/make_data.h): byte-identical folders
// for one set of settings (pinned to the generator version), skip when current, remake when
// the settings, the generator version or a file differ, a failed remake that leaves the old
// folder whole, a foreign folder never replaced, and bad settings as ConfigErrors naming the
// key. Not here: the binary and a kill mid-way (tests/integration/make_data_config.sh).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/sha256.h"
#include "r1forge/data/make_data.h"
#include "r1forge/data/tasks/task_registry.h"
#include "r1forge/pipeline/run_config.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

// A small version of the tiny demo's section (configs/r1-tiny.yaml): three tasks, a mix and
// a tokenizer with the R1 tags.
std::string section_yaml(const fs::path& dir, int64_t arithmetic_train = 300) {
  return "make_data:\n  dir: " + dir.string() +
         "\n  tasks:\n"
         "    - {task: arithmetic, train: " +
         std::to_string(arithmetic_train) +
         ", test: 30, seed: 1}\n"
         "    - {task: corpus, train: 600, seed: 1}\n"
         "    - {task: instructions, train: 100, test: 20, seed: 1}\n"
         "  mixes:\n"
         "    - {file: general.jsonl, parts: [{file: arithmetic/train.jsonl, max_rows: 50},\n"
         "                                    {file: instructions/train.jsonl}]}\n"
         "  tokenizer:\n"
         "    vocab_size: 96\n"
         "    split_digits: true\n"
         "    user_symbols: [\"<think>\", \"</think>\", \"<answer>\", \"</answer>\"]\n"
         "    inputs: [corpus/corpus.jsonl, arithmetic/train.jsonl, instructions/train.jsonl]\n";
}

MakeDataConfig section(const fs::path& dir, int64_t arithmetic_train = 300) {
  return *load_config_text(section_yaml(dir, arithmetic_train), "test.yaml").make_data;
}

// Name and SHA-256 of every file the section made, in output order.
std::string folder_digest(const MakeDataConfig& config) {
  std::string listing;
  for (const auto& name : config.output_files()) {
    listing += name + " " + sha256_file(fs::path(config.dir) / name) + "\n";
  }
  return sha256_hex(listing);
}

std::string config_error(const std::string& yaml) {
  try {
    load_config_text(yaml, "bad.yaml");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(MakeData, SameSettingsMakeTheSameBytesPinnedToTheGeneratorVersion) {
  testing::TempDir tmp;
  const MakeDataConfig first = section(tmp / "a");
  const MakeDataConfig second = section(tmp / "b");
  EXPECT_TRUE(make_data(first, "test").generated);
  EXPECT_TRUE(make_data(second, "test").generated);
  EXPECT_EQ(first.output_files(),
            (std::vector<std::string>{
                "arithmetic/train.jsonl", "arithmetic/test.jsonl", "corpus/corpus.jsonl",
                "instructions/train.jsonl", "instructions/test.jsonl", "general.jsonl",
                "tokenizer/tokenizer.model", "tokenizer/tokenizer_config.json",
                "tokenizer/special_tokens_map.json"}));
  for (const auto& name : first.output_files()) {
    EXPECT_EQ(read_file(tmp / "a" / name), read_file(tmp / "b" / name)) << name;
  }
  EXPECT_EQ(testing::read_jsonl(tmp / "a/arithmetic/train.jsonl").size(), 300u);
  EXPECT_EQ(testing::read_jsonl(tmp / "a/corpus/corpus.jsonl").size(), 600u);
  EXPECT_EQ(testing::read_jsonl(tmp / "a/general.jsonl").size(), 50u + 100u);
  // The mix is its parts' first lines, byte for byte.
  const std::string arithmetic = read_file(tmp / "a/arithmetic/train.jsonl");
  size_t cut = 0;
  for (int line = 0; line < 50; ++line) cut = arithmetic.find('\n', cut) + 1;
  EXPECT_EQ(read_file(tmp / "a/general.jsonl"),
            arithmetic.substr(0, cut) + read_file(tmp / "a/instructions/train.jsonl"));
  // When this fails, the generators (or the tokenizer training) write other bytes than
  // version kTaskGeneratorVersion did: bump it (data/tasks/task_registry.h), so folders made
  // by the older code are made again, and pin the new digest and version here.
  EXPECT_EQ(tasks::kTaskGeneratorVersion, 1);
  EXPECT_EQ(folder_digest(first),
            "150dd1d3bf90020bd97d693fb5e2618f4117d1f3bd52b7c32e036fbdd9d95630");
}

TEST(MakeData, SkipsWhenCurrentAndRemakesWhenSettingsVersionOrFilesDiffer) {
  testing::TempDir tmp;
  const fs::path dir = tmp / "data";
  const MakeDataConfig config = section(dir);
  ASSERT_TRUE(make_data(config, "test").generated);
  EXPECT_TRUE(make_data_current(config));
  const auto written = fs::last_write_time(dir / "corpus/corpus.jsonl");
  EXPECT_FALSE(make_data(config, "test").generated);  // current: left alone
  EXPECT_EQ(fs::last_write_time(dir / "corpus/corpus.jsonl"), written);

  // Other settings: remade, with the new sizes.
  const MakeDataConfig bigger = section(dir, 320);
  EXPECT_FALSE(make_data_current(bigger));
  EXPECT_NE(make_data_identity(bigger), make_data_identity(config));
  EXPECT_TRUE(make_data(bigger, "test").generated);
  EXPECT_EQ(testing::read_jsonl(dir / "arithmetic/train.jsonl").size(), 320u);
  EXPECT_FALSE(make_data_current(config));

  // A stamp from another generator version: remade (and the stamp names this version).
  nlohmann::json stamp = nlohmann::json::parse(read_file(dir / kMakeDataStamp));
  EXPECT_EQ(stamp["generator_version"], tasks::kTaskGeneratorVersion);
  stamp["generator_version"] = tasks::kTaskGeneratorVersion - 1;
  atomic_write_file(dir / kMakeDataStamp, stamp.dump());
  EXPECT_FALSE(make_data_current(bigger));
  EXPECT_TRUE(make_data(bigger, "test").generated);
  EXPECT_TRUE(make_data_current(bigger));

  // A file edited by hand (same size) or removed: remade.
  std::string corpus = read_file(dir / "corpus/corpus.jsonl");
  corpus[10] = corpus[10] == '1' ? '2' : '1';
  atomic_write_file(dir / "corpus/corpus.jsonl", corpus);
  EXPECT_FALSE(make_data_current(bigger));
  EXPECT_TRUE(make_data(bigger, "test").generated);
  fs::remove(dir / "tokenizer/tokenizer.model");
  EXPECT_FALSE(make_data_current(bigger));
  EXPECT_TRUE(make_data(bigger, "test").generated);
  EXPECT_TRUE(make_data_current(bigger));
  EXPECT_FALSE(fs::exists(dir.string() + ".staging"));
  EXPECT_FALSE(fs::exists(dir.string() + ".old"));
}

TEST(MakeData, AFailedRemakeLeavesTheOldFolderWhole) {
  testing::TempDir tmp;
  const fs::path dir = tmp / "data";
  const MakeDataConfig config = section(dir);
  ASSERT_TRUE(make_data(config, "test").generated);
  // SentencePiece cannot find 5000 pieces in this corpus: the remake fails in its last step.
  MakeDataConfig impossible = section(dir, 310);
  impossible.tokenizer->vocab_size = 5000;
  EXPECT_THROW(make_data(impossible, "test"), ConfigError);
  EXPECT_TRUE(make_data_current(config));
  EXPECT_FALSE(fs::exists(dir.string() + ".staging"));
  // A first attempt that fails leaves no folder at all.
  impossible.dir = (tmp / "never").string();
  EXPECT_THROW(make_data(impossible, "test"), ConfigError);
  EXPECT_FALSE(fs::exists(tmp / "never"));
}

TEST(MakeData, NeverReplacesAFolderItDidNotMake) {
  testing::TempDir tmp;
  const fs::path dir = tmp / "mine";
  fs::create_directories(dir);
  atomic_write_file(dir / "notes.txt", "keep me\n");
  try {
    make_data(section(dir), "cfg.yaml: make_data");
    FAIL() << "a foreign folder was accepted";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("cfg.yaml: make_data.dir"), std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("not made by make_data"), std::string::npos);
  }
  EXPECT_EQ(read_file(dir / "notes.txt"), "keep me\n");
}

TEST(MakeData, KnowsTheFilesItMakes) {
  const MakeDataConfig config = section("runs/data");
  EXPECT_TRUE(make_data_makes(config, "runs/data/arithmetic/train.jsonl"));
  EXPECT_TRUE(make_data_makes(config, "./runs//data/general.jsonl"));
  EXPECT_TRUE(make_data_makes(config, fs::absolute("runs/data/tokenizer")));
  EXPECT_TRUE(make_data_makes(config, "runs/data/tokenizer/tokenizer.model"));
  EXPECT_FALSE(make_data_makes(config, "runs/data/arithmetic/valid.jsonl"));
  EXPECT_FALSE(make_data_makes(config, "runs/other/general.jsonl"));
}

TEST(MakeData, BadSettingsAreConfigErrorsNamingTheKey) {
  const std::string head = "make_data:\n  dir: d\n  tasks:\n";
  const std::string arithmetic = "    - {task: arithmetic, train: 10, test: 5}\n";
  struct Case {
    std::string yaml, expected;
  };
  const Case cases[] = {
      {"make_data:\n  tasks: [{task: arithmetic, train: 10}]\n", "bad.yaml: make_data.dir"},
      {"make_data:\n  dir: d\n", "bad.yaml: make_data.tasks: list at least one"},
      {head + "    - {task: arithmetik, train: 10}\n", "make_data.tasks[0].task"},
      {head + "    - {task: arithmetic}\n", "make_data.tasks.0 (arithmetic): ask for rows"},
      {head + "    - {task: corpus, train: 10, test: 2}\n", "make_data.tasks.0.test: the corpus"},
      {head + "    - {task: arithmetic, train: -1}\n", "make_data.tasks[0].train"},
      {head + "    - {task: corpus, train: 10, arithmetic: {digits: 2}}\n",
       "make_data.tasks.0.arithmetic: options of task arithmetic on a task corpus"},
      {head + "    - {task: arithmetic, train: 10, arithmetic: {digit: 2}}\n",
       "make_data.tasks[0].arithmetic.digit"},
      {head + "    - {task: arithmetic, train: 10, arithmetic: {min_terms: 5, max_terms: 3}}\n",
       "make_data.tasks.0.arithmetic"},
      {head + arithmetic + "    - {task: arithmetic, train: 10}\n",
       "make_data.tasks.1.folder 'arithmetic' is used by an earlier task"},
      {head + "    - {task: arithmetic, folder: ../up, train: 10}\n",
       "make_data.tasks.0.folder '../up' must stay inside make_data.dir"},
      {head + arithmetic + "  mixes: [{file: m.jsonl, parts: [{file: arithmetic/dev.jsonl}]}]\n",
       "make_data.mixes.0.parts.0.file 'arithmetic/dev.jsonl' is not a file this section makes"},
      {head + arithmetic +
           "  mixes: [{file: /tmp/m.jsonl, parts: [{file: arithmetic/test.jsonl}]}]\n",
       "make_data.mixes.0.file '/tmp/m.jsonl' must be relative"},
      {head + arithmetic + "  mixes: [{file: m.txt, parts: [{file: arithmetic/test.jsonl}]}]\n",
       "make_data.mixes.0.file 'm.txt' must end in .jsonl"},
      {head + arithmetic + "  tokenizer: {inputs: [corpus/corpus.jsonl]}\n",
       "make_data.tokenizer.inputs.0 'corpus/corpus.jsonl' is not a file this section makes"},
      {head + arithmetic + "  tokenizer: {inputs: [arithmetic/train.jsonl], vocab_size: 2}\n",
       "make_data.tokenizer.vocab_size"},
      {head + arithmetic + "  tokenizer: {inputs: [arithmetic/train.jsonl], folder: arithmetic}\n",
       "make_data.tokenizer.folder 'arithmetic' is a task's folder"},
      {head + arithmetic + "  tokenizer: {input: [arithmetic/train.jsonl]}\n",
       "make_data.tokenizer.input"},
      // SentencePiece samples no sentences here (every input line is used), so a seed would
      // change no byte: it is not a key (ConfigKeysTest found it dead).
      {head + arithmetic + "  tokenizer: {inputs: [arithmetic/train.jsonl], seed: 7}\n",
       "unknown key 'make_data.tokenizer.seed'"},
      // SentencePiece refuses a coverage below 0.98 only when it trains: caught at load time.
      {head + arithmetic +
           "  tokenizer: {inputs: [arithmetic/train.jsonl], character_coverage: 0.5}\n",
       "make_data.tokenizer.character_coverage"},
  };
  for (const Case& c : cases) {
    const std::string message = config_error(c.yaml);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "yaml:\n"
                                                           << c.yaml << "message: " << message;
  }
}

}  // namespace
}  // namespace r1forge
