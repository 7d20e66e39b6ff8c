// The checkpoint protocol (pipeline/checkpoint.h): manifests that
// match the files, nothing staged left behind, `latest` naming the newest, fallback past a
// damaged checkpoint (kept, renamed), retention of the newest N plus the best, a failed save
// leaving the earlier checkpoints untouched, stale staging removed, and the preflight check.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/sha256.h"
#include "r1forge/pipeline/checkpoint.h"
#include "test_util.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;
using testing::TempDir;

class CheckpointTest : public ::testing::Test {
 protected:
  fs::path checkpoints() const { return dir_ / run_ / "checkpoints"; }
  // A checkpoint whose two files hold `step`.
  fs::path save(int64_t step,
                const CheckpointConfig& config = {},
                std::optional<CheckpointMetric> metric = std::nullopt) {
    return save_checkpoint(
        checkpoints(), step,
        [&](const fs::path& staging) {
          EXPECT_NE(staging.filename().string().find(".tmp-"), std::string::npos);
          atomic_write_file(staging / "weights.bin", std::string(1000, char('a' + step % 26)));
          atomic_write_file(staging / "state.json", "{\"step\": " + std::to_string(step) + "}");
        },
        metric, config);
  }
  std::string latest() const {
    std::string name = read_file(checkpoints() / "latest");
    return name.substr(0, name.find('\n'));
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(checkpoints())) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  TempDir dir_;
  std::string run_ = "run";
};

TEST_F(CheckpointTest, SaveWritesAManifestOfEveryFileThenCommits) {
  CheckpointConfig config;
  config.save_total_limit = 0;
  const fs::path folder = save(7, config, CheckpointMetric{"eval/loss", 0.5});
  EXPECT_EQ(folder, checkpoints() / "step-0000007");
  EXPECT_EQ(latest(), "step-0000007");
  EXPECT_EQ(entries(), (std::vector<std::string>{"latest", "step-0000007"}));  // no staging left
  nlohmann::json manifest = nlohmann::json::parse(read_file(folder / "manifest.json"));
  EXPECT_EQ(manifest["step"], 7);
  EXPECT_EQ(manifest["metric"]["name"], "eval/loss");
  ASSERT_EQ(manifest["files"].size(), 2u);
  for (const char* file : {"weights.bin", "state.json"}) {
    EXPECT_EQ(manifest["files"][file]["bytes"].get<uint64_t>(), fs::file_size(folder / file));
    EXPECT_EQ(manifest["files"][file]["sha256"], sha256_file(folder / file));
  }
  EXPECT_EQ(verify_checkpoint(folder), "");
  auto found = find_valid_checkpoint(checkpoints());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->step, 7);
}

TEST_F(CheckpointTest, DamagedCheckpointsAreSkippedAndKept) {
  CheckpointConfig config;
  config.save_total_limit = 0;
  for (int64_t step : {1, 2, 3, 4}) save(step, config);
  // Step 4: a flipped byte; step 3: truncated; step 2: no manifest. Step 1 is the valid one.
  {
    std::fstream file(checkpoints() / "step-0000004" / "weights.bin",
                      std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(500);
    file.put('Z');
  }
  fs::resize_file(checkpoints() / "step-0000003" / "weights.bin", 10);
  fs::remove(checkpoints() / "step-0000002" / "manifest.json");
  EXPECT_NE(verify_checkpoint(checkpoints() / "step-0000004").find("SHA-256"), std::string::npos);
  EXPECT_NE(verify_checkpoint(checkpoints() / "step-0000003").find("10 bytes"), std::string::npos);
  EXPECT_NE(verify_checkpoint(checkpoints() / "step-0000002").find("manifest"), std::string::npos);
  auto found = find_valid_checkpoint(checkpoints());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->step, 1);
  EXPECT_EQ(entries(), (std::vector<std::string>{"latest", "step-0000001", "step-0000002.damaged",
                                                 "step-0000003.damaged", "step-0000004.damaged"}));
  // The resumed run saves step 2 again beside the kept damaged copy.
  save(2, config);
  EXPECT_EQ(find_valid_checkpoint(checkpoints())->step, 2);
  EXPECT_TRUE(fs::exists(checkpoints() / "step-0000002.damaged"));
}

TEST_F(CheckpointTest, NoCheckpointIsNullopt) {
  EXPECT_FALSE(find_valid_checkpoint(checkpoints()));
  fs::create_directories(checkpoints() / "step-0000005.tmp-1");  // staged, never committed
  EXPECT_FALSE(find_valid_checkpoint(checkpoints()));
}

TEST_F(CheckpointTest, RetentionKeepsTheNewestAndTheBest) {
  CheckpointConfig keep_one;
  keep_one.save_total_limit = 1;
  for (int64_t step : {1, 2, 3}) save(step, keep_one);
  EXPECT_EQ(entries(), (std::vector<std::string>{"latest", "step-0000003"}));

  run_ = "second-run";
  CheckpointConfig keep_three;
  keep_three.save_total_limit = 3;
  keep_three.metric_for_best_model = "eval/loss";  // lower is better
  const double losses[] = {0.9, 0.2, 0.5, 0.7, 0.6, 0.8};
  for (int64_t step = 1; step <= 6; ++step) {
    save(step, keep_three, CheckpointMetric{"eval/loss", losses[step - 1]});
  }
  // The newest three (4, 5, 6) and the best (2, loss 0.2).
  EXPECT_EQ(entries(), (std::vector<std::string>{"latest", "step-0000002", "step-0000004",
                                                 "step-0000005", "step-0000006"}));
  keep_three.greater_is_better = true;  // now 0.9 at step 1 would be best, but it is gone
  save(7, keep_three, CheckpointMetric{"eval/loss", 0.1});
  // Among those left the best is step 6 (0.8), one of the newest: 2 goes.
  EXPECT_EQ(entries(),
            (std::vector<std::string>{"latest", "step-0000005", "step-0000006", "step-0000007"}));
}

TEST_F(CheckpointTest, AFailedSaveLeavesTheEarlierCheckpointsUntouched) {
  save(1);
  const std::string before = read_file(checkpoints() / "step-0000001" / "weights.bin");
  try {
    save_checkpoint(checkpoints(), 2,
                    [](const fs::path& staging) {
                      atomic_write_file(staging / "weights.bin", "partial");
                      R1F_THROW(IoError, "No space left on device (simulated)");
                    },
                    std::nullopt, {});
    FAIL() << "expected an IoError";
  } catch (const IoError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("step-0000002"), std::string::npos) << message;
    EXPECT_NE(message.find("No space left"), std::string::npos) << message;
    EXPECT_NE(message.find("untouched"), std::string::npos) << message;
  }
  EXPECT_EQ(entries(), (std::vector<std::string>{"latest", "step-0000001"}));
  EXPECT_EQ(latest(), "step-0000001");
  EXPECT_EQ(read_file(checkpoints() / "step-0000001" / "weights.bin"), before);
  EXPECT_EQ(find_valid_checkpoint(checkpoints())->step, 1);
}

TEST_F(CheckpointTest, StaleStagingIsRemovedAtStart) {
  save(1);
  fs::create_directories(checkpoints() / "step-0000002.tmp-123");
  atomic_write_file(checkpoints() / "step-0000002.tmp-123" / "weights.bin", "torn");
  EXPECT_EQ(remove_stale_checkpoint_staging(checkpoints()), 1);
  EXPECT_EQ(entries(), (std::vector<std::string>{"latest", "step-0000001"}));
  EXPECT_EQ(remove_stale_checkpoint_staging(dir_ / "missing"), 0);
}

TEST_F(CheckpointTest, SavingAStepAgainReplacesIt) {
  save(3);
  save(3);
  EXPECT_EQ(entries(), (std::vector<std::string>{"latest", "step-0000003"}));
  EXPECT_EQ(verify_checkpoint(checkpoints() / "step-0000003"), "");
}

TEST_F(CheckpointTest, PreflightNamesTheFolder) {
  preflight_checkpoint_folder(checkpoints(), 1 << 20);
  EXPECT_TRUE(fs::is_directory(checkpoints()));
  EXPECT_EQ(entries().size(), 0u);  // the probe is gone
  atomic_write_file(dir_ / "a-file", "x");
  try {
    preflight_checkpoint_folder(dir_ / "a-file" / "checkpoints", 1);
    FAIL() << "expected an IoError";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("a-file"), std::string::npos) << error.what();
  }
  try {
    preflight_checkpoint_folder(checkpoints(), uint64_t{1} << 62);  // 4 EiB
    FAIL() << "expected an IoError";
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("MiB free"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace r1forge
