// Hugging Face Parquet datasets read through Arrow's C++ reader, compared with pyarrow's own
// Python view of the same files (tests/golden/datasets/, written by
// scripts/make_parquet_fixtures.py with the column layouts of GSM8K, MATH-500 and open-r1's
// OpenR1-Math, nested `messages` lists included), then loaded as prompt and SFT data the way
// the stages load them. Also the dataset path forms (file, folder, glob) and their errors.
#include <gtest/gtest.h>

#include <fstream>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/data/dataset_reader.h"
#include "r1forge/data/parquet_rows.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/data/sft_dataset.h"
#include "rl/reward_test_util.h"
#include "test_util.h"

namespace r1forge {
namespace {

namespace fs = std::filesystem;

// Expects `statement` to throw `Error` with `fragment` in its message.
#define EXPECT_THROW_MESSAGE(statement, Error, fragment)                                      \
  do {                                                                                        \
    try {                                                                                     \
      statement;                                                                              \
      ADD_FAILURE() << "no exception from " #statement;                                       \
    } catch (const Error& error) {                                                            \
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what(); \
    }                                                                                         \
  } while (false)

fs::path fixtures() {
  return testing::source_dir() / "tests" / "golden" / "datasets";
}

std::vector<DatasetRow> read_all(const std::string& path) {
  DatasetReader reader(path);
  std::vector<DatasetRow> rows;
  for (DatasetRow row; reader.next(row);) rows.push_back(row);
  return rows;
}

// Every Parquet fixture against the rows pyarrow's to_pylist wrote beside it.
TEST(ParquetRows, EveryFixtureMatchesPyarrowsRows) {
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fixtures())) {
    const fs::path expected = entry.path().string() + ".expected.jsonl";
    if (entry.path().extension() != ".parquet" || !fs::exists(expected)) continue;
    ++files;
    const auto want = testing::read_jsonl(expected);
    ParquetRowReader reader(entry.path());
    EXPECT_EQ(reader.num_rows(), static_cast<int64_t>(want.size())) << entry.path();
    size_t index = 0;
    for (DatasetRow row; reader.next(row); ++index) {
      ASSERT_LT(index, want.size()) << entry.path();
      EXPECT_EQ(row.value, want[index]) << entry.path() << " row " << index + 1;
      EXPECT_EQ(row.number, static_cast<int64_t>(index + 1));
      EXPECT_EQ(row.location, entry.path().string() + ": row " + std::to_string(index + 1));
    }
    EXPECT_EQ(index, want.size()) << entry.path();
  }
  EXPECT_EQ(files, 6);  // gsm8k x2, math500, openr1 x2, types
}

TEST(ParquetRows, OpenR1MessagesAreNestedObjects) {
  const auto rows = read_all((fixtures() / "openr1_math" / "data").string());
  ASSERT_EQ(rows.size(), 5u);  // both shards, in file-name order
  const auto& messages = rows[2].value.at("messages");
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("role"), "user");
  EXPECT_EQ(messages[0].at("content"), "求 $1+2+\\cdots+10$ 的值。");
  EXPECT_EQ(messages[1].at("role"), "assistant");
  EXPECT_TRUE(rows[0].value.at("correctness_llama").is_null());  // a null list stays null
  EXPECT_EQ(rows[3].value.at("uuid"), "00000000-0000-4000-8000-000000000003");
  EXPECT_EQ(rows[3].location,
            (fixtures() / "openr1_math/data/train-00001-of-00002.parquet").string() + ": row 1");
}

TEST(DatasetFiles, FileFolderAndGlobForms) {
  const fs::path gsm8k = fixtures() / "gsm8k" / "main";
  EXPECT_EQ(dataset_files((gsm8k / "train-*.parquet").string()),
            std::vector<fs::path>{gsm8k / "train-00000-of-00001.parquet"});
  EXPECT_EQ(dataset_files(gsm8k.string()).size(), 2u);  // the folder: every shard, sorted
  EXPECT_EQ(dataset_files(gsm8k.string())[0].filename(), "test-00000-of-00001.parquet");
  EXPECT_EQ(read_all((gsm8k / "t*.parquet").string()).size(), 4u);
  EXPECT_TRUE(dataset_exists((gsm8k / "test-00000-of-00001.parquet").string()));
  EXPECT_FALSE(dataset_exists((gsm8k / "validation-*.parquet").string()));
  EXPECT_FALSE(dataset_exists((gsm8k / "missing.jsonl").string()));
}

TEST(DatasetFiles, ErrorsNameThePath) {
  testing::TempDir dir;
  const fs::path empty = dir / std::string("empty");
  fs::create_directories(empty);
  EXPECT_THROW_MESSAGE(dataset_files(empty.string()), IoError, "holds no *.parquet or *.jsonl");
  EXPECT_THROW_MESSAGE(dataset_files((dir / "train-*.parquet").string()), IoError,
                       "matches no file");
  EXPECT_THROW_MESSAGE(dataset_files((dir / "*" / "x.parquet").string()), IoError,
                       "wildcards are allowed in the file name only");
  std::ofstream(dir / "a.parquet") << "x";
  std::ofstream(dir / "b.jsonl") << "{}\n";
  EXPECT_THROW_MESSAGE(dataset_files((dir / "*").string()), ConfigError,
                       "matches both Parquet and other files");
}

TEST(ParquetRows, BadFilesAreDataErrorsNamingTheFile) {
  testing::TempDir dir;
  // A truncated shard: the footer is gone.
  const fs::path source = fixtures() / "gsm8k" / "main" / "train-00000-of-00001.parquet";
  std::ifstream in(source, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const fs::path truncated = dir / "truncated.parquet";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_THROW_MESSAGE(ParquetRowReader{truncated}, DataError,
                       truncated.string() + ": not a readable Parquet file");
  const fs::path text = dir / "text.parquet";
  std::ofstream(text) << "{\"question\": \"JSON in a .parquet file\"}\n";
  EXPECT_THROW_MESSAGE(read_all(text.string()), DataError, "not a readable Parquet file");
  EXPECT_THROW_MESSAGE(read_all((dir / "missing.parquet").string()), IoError, "does not exist");
  // A binary column (an image's bytes) is refused, naming the file, row and column.
  const fs::path binary = fixtures() / "types" / "binary.parquet";
  EXPECT_THROW_MESSAGE(read_all(binary.string()), DataError,
                       binary.string() + ": row 1: column 'image' holds binary values");
}

class ParquetDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model");
    tokenizer_ = load_tokenizer(dir_ / "model");
  }
  testing::TempDir dir_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(ParquetDatasetTest, Gsm8kPromptsLoadAndScoreFromTheShard) {
  PromptDataConfig config;
  config.path = (fixtures() / "gsm8k" / "main" / "train-*.parquet").string();
  config.prompt_field = "question";
  config.max_prompt_length = 4096;
  const PromptDataset data = load_prompt_dataset(config, *tokenizer_);
  ASSERT_EQ(data.rows.size(), 3u);
  EXPECT_EQ(data.rows[0].line, 1);
  EXPECT_EQ(data.rows[2].question.substr(0, 5), "Betty");
  RewardSample sample;
  sample.prompt = data.rows[0].text;
  sample.metadata = &data.rows[0].metadata;
  auto accuracy = testing::build_reward("accuracy");  // the gold after #### in "answer"
  sample.completion = "<think>48/2=24, 48+24=72</think><answer>72</answer>";
  EXPECT_EQ(accuracy->score({sample}).at(0), 1.0);
  sample.completion = "<think>48+24</think><answer>71</answer>";
  EXPECT_EQ(accuracy->score({sample}).at(0), 0.0);
}

TEST_F(ParquetDatasetTest, Math500AndOpenR1LoadWithTheirFieldNames) {
  PromptDataConfig math;
  math.path = (fixtures() / "math500").string();
  math.prompt_field = "problem";
  math.max_prompt_length = 4096;
  const PromptDataset math_rows = load_prompt_dataset(math, *tokenizer_);
  ASSERT_EQ(math_rows.rows.size(), 3u);
  EXPECT_EQ(math_rows.rows[2].metadata.at("level"), 3);
  RewardSample sample;
  sample.metadata = &math_rows.rows[1].metadata;
  sample.completion = "<answer>\\frac{14}{3}</answer>";
  EXPECT_EQ(testing::build_reward("accuracy")->score({sample}).at(0), 1.0);

  SftDataConfig sft;  // open-r1 rows as SFT data: problem -> solution
  sft.path = (fixtures() / "openr1_math" / "data" / "train-*.parquet").string();
  sft.prompt_field = "problem";
  sft.completion_field = "solution";
  sft.max_length = 4096;
  const SftDataset examples = load_sft_dataset(sft, *tokenizer_, /*text_rows=*/false);
  EXPECT_EQ(examples.examples.size(), 5u);
  sft.completion_field = "messages";  // a list, not a string: the row is named
  EXPECT_THROW_MESSAGE(load_sft_dataset(sft, *tokenizer_, false), DataError,
                       "train-00000-of-00002.parquet: row 1: no string field 'messages'");
}

}  // namespace
}  // namespace r1forge
