// core/distributed.h in one process: where the environment places a process (torchrun's and
// Slurm's variables, and the errors for bad ones), and the single-process group's identities.
// The collectives across processes: tests/core/distributed_test.sh.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"

namespace r1forge {
namespace {

EnvironmentLookup environment(std::map<std::string, std::string> variables) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(variables));
  return [shared](const char* name) -> const char* {
    auto found = shared->find(name);
    return found == shared->end() ? nullptr : found->second.c_str();
  };
}

std::string error_of(const EnvironmentLookup& lookup) {
  try {
    placement_from_environment(lookup);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(DistributedPlacement, NoLauncherIsOneProcess) {
  ProcessPlacement placement = placement_from_environment(environment({}));
  EXPECT_EQ(placement.rank, 0);
  EXPECT_EQ(placement.world_size, 1);
  // Slurm with one task (a plain sbatch job) is one process too.
  placement =
      placement_from_environment(environment({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}}));
  EXPECT_EQ(placement.world_size, 1);
}

TEST(DistributedPlacement, TorchrunVariables) {
  ProcessPlacement placement = placement_from_environment(
      environment({{"RANK", "5"},
                   {"WORLD_SIZE", "8"},
                   {"LOCAL_RANK", "1"},
                   {"LOCAL_WORLD_SIZE", "4"},
                   {"MASTER_ADDR", "node-a"},
                   {"MASTER_PORT", "29500"},
                   // Slurm's are ignored when RANK is set (r1forge launch under srun).
                   {"SLURM_PROCID", "0"},
                   {"SLURM_NTASKS", "2"}}));
  EXPECT_EQ(placement.rank, 5);
  EXPECT_EQ(placement.world_size, 8);
  EXPECT_EQ(placement.local_rank, 1);
  EXPECT_EQ(placement.local_world_size, 4);
  EXPECT_EQ(placement.master_addr, "node-a");
  EXPECT_EQ(placement.master_port, 29500);
}

TEST(DistributedPlacement, SlurmFallback) {
  ProcessPlacement placement =
      placement_from_environment(environment({{"SLURM_PROCID", "9"},
                                              {"SLURM_NTASKS", "16"},
                                              {"SLURM_LOCALID", "1"},
                                              {"SLURM_NTASKS_PER_NODE", "8(x2)"},
                                              {"MASTER_ADDR", "10.0.0.1"},
                                              {"MASTER_PORT", "6000"}}));
  EXPECT_EQ(placement.rank, 9);
  EXPECT_EQ(placement.world_size, 16);
  EXPECT_EQ(placement.local_rank, 1);
  EXPECT_EQ(placement.local_world_size, 8);
  EXPECT_NE(placement.source.find("Slurm"), std::string::npos);
}

TEST(DistributedPlacement, BadVariablesNameTheVariable) {
  const std::map<std::string, std::string> good = {{"RANK", "1"},        {"WORLD_SIZE", "2"},
                                                   {"LOCAL_RANK", "1"},  {"LOCAL_WORLD_SIZE", "2"},
                                                   {"MASTER_ADDR", "h"}, {"MASTER_PORT", "29500"}};
  auto with = [&](const std::string& name, const std::string& value) {
    auto variables = good;
    if (value.empty()) {
      variables.erase(name);
    } else {
      variables[name] = value;
    }
    return environment(variables);
  };
  EXPECT_NE(error_of(with("WORLD_SIZE", "")).find("not WORLD_SIZE"), std::string::npos);
  EXPECT_NE(error_of(with("RANK", "one")).find("RANK='one' is not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(error_of(with("RANK", "2")).find("rank 2 is not below the world size 2"),
            std::string::npos);
  EXPECT_NE(error_of(with("LOCAL_RANK", "2")).find("local rank 2 of 2"), std::string::npos);
  EXPECT_NE(error_of(with("MASTER_ADDR", "")).find("MASTER_ADDR is not set"), std::string::npos);
  EXPECT_NE(error_of(with("MASTER_PORT", "70000")).find("MASTER_PORT"), std::string::npos);
  EXPECT_NE(error_of(with("MASTER_PORT", "")).find("MASTER_PORT"), std::string::npos);
  EXPECT_EQ(error_of(with("LOCAL_RANK", "1")), "");
}

TEST(DistributedSingleProcess, CollectivesAreIdentities) {
  ASSERT_EQ(world().size(), 1);
  EXPECT_TRUE(world().is_main());
  std::vector<at::Tensor> tensors = {at::arange(3, at::kFloat)};
  world().all_reduce_sum(tensors, "test");
  EXPECT_TRUE(at::equal(tensors[0], at::arange(3, at::kFloat)));
  EXPECT_EQ(world().all_gather_bytes("abc", "test"), std::vector<std::string>{"abc"});
  EXPECT_EQ(all_reduce_sum(2.5, "test"), 2.5);
  EXPECT_EQ(max_over_ranks(-1.0, "test"), -1.0);
  EXPECT_TRUE(any_rank(true, "test"));
  EXPECT_FALSE(any_rank(false, "test"));
  for (int64_t item = 0; item < 5; ++item) EXPECT_TRUE(owns_item(item));
  // init with one process is a no-op: still the single group.
  init_distributed(DistributedConfig{}, ProcessPlacement{}, at::kCPU);
  EXPECT_EQ(world().backend(), "single");
}

}  // namespace
}  // namespace r1forge
