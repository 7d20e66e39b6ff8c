// Drives core/distributed.h from several processes for tests/core/distributed_test.sh: each
// process joins the group from its environment (RANK, WORLD_SIZE, MASTER_ADDR, ...) and runs
// one scenario, checking what every collective returns against values it can work out itself.
//   distributed_tool collectives        sums, broadcasts, byte gathers and barriers agree
//   distributed_tool die RANK           RANK kills itself with SIGKILL before a barrier; the
//                                       others must fail with an error naming it
//   distributed_tool stall RANK SECONDS RANK sleeps before a barrier (others time out)
// Prints "ok" or the error message; exits 0 when the scenario's expectation held.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "r1forge/core/metrics.h"

using namespace r1forge;

namespace {

void expect(bool condition, const std::string& what) {
  if (!condition) throw std::runtime_error("check failed: " + what);
}

void collectives() {
  WorkerGroup& group = world();
  const int64_t rank = group.rank();
  const int64_t size = group.size();
  // Sum of (rank + 1) * [1, 2, 3] over the ranks = size (size + 1) / 2 * [1, 2, 3]; a strided
  // view and an int64 tensor go through the same call.
  at::Tensor floats = at::arange(1, 4, at::kFloat) * static_cast<double>(rank + 1);
  at::Tensor strided = at::arange(0, 8, at::kDouble).view({2, 4}).t();  // non-contiguous
  at::Tensor integers = at::full({5}, rank, at::kLong);
  std::vector<at::Tensor> tensors = {floats, strided, integers};
  group.all_reduce_sum(tensors, "test sums");
  const double triangle = static_cast<double>(size * (size + 1) / 2);
  expect(at::equal(floats, at::arange(1, 4, at::kFloat) * triangle), "float sum");
  expect(at::equal(strided, at::arange(0, 8, at::kDouble).view({2, 4}).t() * size), "strided sum");
  expect(at::equal(integers, at::full({5}, size * (size - 1) / 2, at::kLong)), "integer sum");
  // Broadcast from the last rank.
  std::vector<at::Tensor> broadcast = {at::full({3}, static_cast<double>(rank), at::kFloat)};
  group.broadcast(broadcast, size - 1, "test broadcast");
  expect(at::equal(broadcast[0], at::full({3}, static_cast<double>(size - 1), at::kFloat)),
         "broadcast");
  // Bytes of different lengths (rank 0's empty), with a NUL inside, in rank order.
  std::string mine(static_cast<size_t>(rank) * 1000, static_cast<char>('a' + rank));
  if (rank > 0) mine[0] = '\0';
  std::vector<std::string> gathered = group.all_gather_bytes(mine, "test gather");
  expect(static_cast<int64_t>(gathered.size()) == size, "gather count");
  for (int64_t r = 0; r < size; ++r) {
    std::string expected(static_cast<size_t>(r) * 1000, static_cast<char>('a' + r));
    if (r > 0) expected[0] = '\0';
    expect(gathered[r] == expected, "gathered bytes of rank " + std::to_string(r));
  }
  // Reduce-scatter of [size * 4]: rank r's input holds (r + 1) * k at position k, so shard r
  // sums to triangle * [4r, 4r + 1, 4r + 2, 4r + 3]; all-gather puts the shards back in order.
  at::Tensor whole = at::arange(0, size * 4, at::kFloat) * static_cast<double>(rank + 1);
  at::Tensor shard = at::empty({4}, at::kFloat);
  group.reduce_scatter_sum(whole, shard, "test reduce_scatter");
  expect(at::equal(shard, at::arange(rank * 4, rank * 4 + 4, at::kFloat) * triangle),
         "reduce_scatter shard");
  at::Tensor gathered_shards = at::empty({size * 4}, at::kFloat);
  group.all_gather(shard, gathered_shards, "test all_gather");
  expect(at::equal(gathered_shards, at::arange(0, size * 4, at::kFloat) * triangle), "all_gather");
  // Metric maps with different keys per rank: rank r has "all" = r and "only<r>" = 1.
  MetricValues local = {{"all", static_cast<double>(rank)}, {"only" + std::to_string(rank), 1.0}};
  MetricValues summed = sum_over_ranks(local, "test metric sums");
  expect(static_cast<int64_t>(summed.size()) == size + 1, "metric keys");
  expect(summed["all"] == static_cast<double>(size * (size - 1) / 2), "metric sum");
  expect(any_rank(rank == size - 1, "test any") && !any_rank(false, "test none"), "any_rank");
  expect(all_reduce_sum(0.5, "test scalar") == 0.5 * static_cast<double>(size), "scalar sum");
  group.barrier("test barrier");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string scenario = argc > 1 ? argv[1] : "";
  try {
    DistributedConfig config;
    config.backend = "gloo";
    if (const char* timeout = std::getenv("TEST_TIMEOUT_SECONDS")) {
      config.timeout_seconds = std::stod(timeout);
    }
    init_distributed(config, placement_from_environment(), at::kCPU);
    if (scenario == "collectives") {
      collectives();
      std::cout << "ok rank " << world().rank() << " of " << world().size() << std::endl;
      return 0;
    }
    if (scenario == "die" || scenario == "stall") {
      const int64_t victim = std::stoll(argv[2]);
      world().barrier("before the failure");
      if (world().rank() == victim) {
        if (scenario == "die") ::raise(SIGKILL);
        std::this_thread::sleep_for(std::chrono::duration<double>(std::stod(argv[3])));
        return 0;
      }
      world().barrier("the barrier rank " + std::to_string(victim) + " misses");
      std::cout << "no error" << std::endl;
      return 1;
    }
    std::cerr << "usage: distributed_tool collectives | die RANK | stall RANK SECONDS\n";
    return 2;
  } catch (const Error& error) {
    std::cout << "error: " << error.what() << std::endl;
    return scenario == "collectives" ? 1 : 0;
  } catch (const std::exception& error) {
    std::cout << "unexpected: " << error.what() << std::endl;
    return 1;
  }
}
