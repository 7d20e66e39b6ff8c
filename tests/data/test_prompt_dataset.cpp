// Prompt datasets: templates, field names, the max-prompt-length policies, errors naming
// file:line, and the seeded epoch sampler.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/data/prompt_dataset.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {
namespace {

class PromptDatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "model");
    tokenizer_ = load_tokenizer(dir_ / "model");
  }
  std::string write_jsonl(const std::string& text) {
    const auto path = dir_ / "data.jsonl";
    std::ofstream(path) << text;
    return path.string();
  }
  testing::TempDir dir_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST(PromptTemplate, R1ZeroPlainAndCustom) {
  const std::string r1 = apply_prompt_template("r1_zero", "What is 2+3?");
  EXPECT_EQ(r1.rfind("A conversation between User and Assistant.", 0), 0u);
  EXPECT_NE(r1.find("<think> reasoning process here </think> <answer> answer here </answer>. "
                    "User: What is 2+3?. Assistant:"),
            std::string::npos);
  EXPECT_EQ(apply_prompt_template("plain", "hi"), "hi");
  EXPECT_EQ(apply_prompt_template("Q: {prompt}\nA:", "hi"), "Q: hi\nA:");
  EXPECT_THROW(apply_prompt_template("no placeholder", "hi"), ConfigError);
}

TEST_F(PromptDatasetTest, LoadsFieldsMetadataAndTokens) {
  PromptDataConfig config;
  config.path = write_jsonl(
      "{\"question\": \"add two numbers\", \"answer\": \"#### 5\"}\n\n"
      "{\"question\": \"the lazy dog\", \"answer\": \"7\", \"language\": \"en\"}\n");
  config.prompt_field = "question";
  config.prompt_template = "plain";
  PromptDataset data = load_prompt_dataset(config, *tokenizer_);
  ASSERT_EQ(data.rows.size(), 2u);
  EXPECT_EQ(data.rows[0].text, "add two numbers");
  EXPECT_EQ(data.rows[0].ids, tokenizer_->encode("add two numbers", true));
  EXPECT_EQ(data.rows[0].metadata["answer"], "#### 5");
  EXPECT_EQ(data.rows[1].metadata["language"], "en");
  EXPECT_EQ(data.rows[1].line, 3);  // blank line 2 skipped, numbering kept
}

TEST_F(PromptDatasetTest, OverlongPromptsErrorSkipOrKeepTheirEnd) {
  PromptDataConfig config;
  config.path = write_jsonl(
      "{\"prompt\": \"dog\"}\n"
      "{\"prompt\": \"the quick brown fox jumps over the lazy dog then we add\"}\n");
  config.prompt_template = "plain";
  config.max_prompt_length = 4;
  try {
    load_prompt_dataset(config, *tokenizer_);
    FAIL() << "expected a DataError";
  } catch (const DataError& error) {
    EXPECT_NE(std::string(error.what()).find("data.jsonl:2"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("max_prompt_length 4"), std::string::npos);
  }
  config.prompt_overflow = "skip";
  PromptDataset skipped = load_prompt_dataset(config, *tokenizer_);
  EXPECT_EQ(skipped.rows.size(), 1u);
  EXPECT_EQ(skipped.skipped_too_long, 1);
  config.prompt_overflow = "truncate_left";
  PromptDataset cut = load_prompt_dataset(config, *tokenizer_);
  ASSERT_EQ(cut.rows.size(), 2u);
  EXPECT_EQ(cut.truncated, 1);
  const auto full =
      tokenizer_->encode("the quick brown fox jumps over the lazy dog then we add", true);
  EXPECT_EQ(cut.rows[1].ids, std::vector<int64_t>(full.end() - 4, full.end()));
}

TEST_F(PromptDatasetTest, BadLinesNameFileAndLine) {
  PromptDataConfig config;
  config.prompt_template = "plain";
  config.path = write_jsonl("{\"prompt\": \"dog\"}\n[1, 2]\n");
  EXPECT_THROW(
      {
        try {
          load_prompt_dataset(config, *tokenizer_);
        } catch (const DataError& error) {
          EXPECT_NE(std::string(error.what()).find(":2: expected a JSON object"),
                    std::string::npos);
          throw;
        }
      },
      DataError);
  config.path = write_jsonl("{\"problem\": \"dog\"}\n");
  EXPECT_THROW(load_prompt_dataset(config, *tokenizer_), DataError);  // no 'prompt' field
  config.path = write_jsonl("{\"prompt\": 3}\n");
  EXPECT_THROW(load_prompt_dataset(config, *tokenizer_), DataError);  // not a string
  config.path = (dir_ / "missing.jsonl").string();
  EXPECT_THROW(load_prompt_dataset(config, *tokenizer_), IoError);
}

TEST(PromptSampler, EpochsArePermutationsAndSeeded) {
  PromptSampler sampler(5, /*shuffle=*/true, /*seed=*/3);
  std::vector<int64_t> first = sampler.next(5);
  std::vector<int64_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(sampler.epoch(), 0);
  std::vector<int64_t> across = sampler.next(7);  // finishes epoch 1 and starts epoch 2
  EXPECT_EQ(sampler.epoch(), 2);
  std::set<int64_t> epoch_one(across.begin(), across.begin() + 5);
  EXPECT_EQ(epoch_one.size(), 5u);
  PromptSampler again(5, true, 3);
  EXPECT_EQ(again.next(5), first);
  PromptSampler other(5, true, 4);
  bool differs = false;
  for (int i = 0; i < 4 && !differs; ++i) differs = other.next(5) != again.next(5);
  EXPECT_TRUE(differs);
  PromptSampler ordered(3, /*shuffle=*/false, 3);
  EXPECT_EQ(ordered.next(4), (std::vector<int64_t>{0, 1, 2, 0}));
}

TEST(PromptSampler, RestoredStateContinuesBitForBit) {
  // The torchtitan pattern: draw K, save (epoch, position), rebuild, restore: the next M are
  // those of the sampler that never stopped. Cases: mid-epoch, crossing an epoch boundary,
  // and saved exactly at the boundary (position == size: the next epoch must not be skipped).
  for (int64_t drawn : {3, 7, 10, 5}) {
    PromptSampler straight(5, true, 11);
    straight.next(drawn);
    PromptSampler restored(5, true, 11);
    restored.restore(straight.epoch(), straight.position());
    EXPECT_EQ(restored.next(13), straight.next(13)) << drawn;
  }
  PromptSampler at_boundary(5, true, 11);
  at_boundary.next(5);
  EXPECT_EQ(at_boundary.epoch(), 0);
  EXPECT_EQ(at_boundary.position(), 5);  // epoch 0 exhausted, epoch 1 not started
  PromptSampler fresh(5, true, 11);
  fresh.restore(0, 5);
  std::vector<int64_t> next_epoch = fresh.next(5);
  EXPECT_EQ(fresh.epoch(), 1);
  std::set<int64_t> all(next_epoch.begin(), next_epoch.end());
  EXPECT_EQ(all.size(), 5u);  // a whole epoch follows
  EXPECT_THROW(fresh.restore(0, 6), DataError);
  EXPECT_THROW(fresh.restore(-1, 0), DataError);
}

}  // namespace
}  // namespace r1forge
