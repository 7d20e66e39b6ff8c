// Drives core/distributed.h from several processes for tests/core/distributed_test.sh: each
// process joins the group from its environment (RANK, WORLD_SIZE, MASTER_ADDR, ...) and runs
// one scenario, checking what every collective returns against values it can work out itself.
//   distributed_tool collectives        sums, broadcasts, byte gathers and barriers agree
//   distributed_tool die RANK           RANK kills itself with SIGKILL before a barrier; the
//                                       others must fail with an error naming it
//   distributed_tool stall RANK SECONDS RANK sleeps before a barrier (others time out)
//   distributed_tool gradients OVERLAP  optim/gradient_sync.h: sums, zeros for gradients some
//                                       ranks lack, buckets sent during backward (OVERLAP 1/0)
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
#include "r1forge/optim/gradient_sync.h"

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

// Four parameters, in registration order: `unused` (no rank's loss reaches it), `rank0_only`
// (only rank 0's), `b` and `a` (every rank's). Each rank runs two backward passes, the second
// armed, with loss_r = (r + 1) * (k * sum(a * x) + sum(b * y)) for pass k = 1, 2
// (+ sum(rank0_only) on rank 0), so by hand the summed gradients are
//   a: 3 * triangle * x,  b: 2 * triangle * y,  rank0_only: 2 (rank 0's two passes),
// with triangle = W (W + 1) / 2, and `unused` stays undefined. Buckets of one parameter each,
// in reverse order (a, b, rank0_only, unused): with overlap, a and b leave during the armed
// backward on every rank, rank0_only too on rank 0; unused's bucket always waits for the end.
void gradients(bool overlap) {
  const int64_t rank = world().rank();
  const double triangle = static_cast<double>(world().size() * (world().size() + 1) / 2);
  at::Tensor unused = at::zeros({2}, at::kFloat).requires_grad_();
  at::Tensor rank0_only = at::zeros({3}, at::kFloat).requires_grad_();
  at::Tensor b = at::ones({2, 2}, at::kFloat).requires_grad_();
  at::Tensor a = at::ones({4}, at::kFloat).requires_grad_();
  const at::Tensor x = at::arange(1, 5, at::kFloat);
  const at::Tensor y = at::arange(0, 4, at::kFloat).view({2, 2}) - 1.5;
  GradientSync sync({unused, rank0_only, b, a}, /*bucket_bytes=*/1, overlap);
  expect(sync.bucket_count() == 4, "one bucket per parameter");
  for (int pass = 1; pass <= 2; ++pass) {
    at::Tensor loss =
        static_cast<double>(rank + 1) * (static_cast<double>(pass) * (a * x).sum() + (b * y).sum());
    if (rank == 0) loss = loss + rank0_only.sum();
    if (pass == 2) sync.arm();
    loss.backward();
  }
  sync.synchronize();
  expect(at::equal(a.grad(), 3.0 * triangle * x), "a's summed gradient");
  expect(at::equal(b.grad(), 2.0 * triangle * y), "b's summed gradient");
  expect(rank0_only.grad().defined() && at::equal(rank0_only.grad(), at::full({3}, 2.0f)),
         "rank0_only's gradient: rank 0's, with zeros from the others");
  expect(!unused.grad().defined(), "a gradient defined nowhere stays undefined");
  const size_t expected_sent = !overlap ? 0 : rank == 0 ? 3 : 2;
  expect(sync.buckets_sent_in_backward() == expected_sent,
         "buckets sent during backward: " + std::to_string(sync.buckets_sent_in_backward()) +
             ", expected " + std::to_string(expected_sent));
  // A second step without arming: every bucket leaves in synchronize(), same sums.
  for (at::Tensor parameter : {unused, rank0_only, b, a}) parameter.mutable_grad().reset();
  (static_cast<double>(rank + 1) * (a * x).sum()).backward();
  sync.synchronize();
  expect(at::equal(a.grad(), triangle * x), "the unarmed step's sum");
  expect(!b.grad().defined(), "b untouched by the unarmed step");
  // A step where rank 0 alone runs an (armed) backward and every rank then calls another
  // collective before synchronize(): send_rest() first keeps the collectives in one order
  // (rank 0's buckets may have left during backward, the others' leave in send_rest()).
  for (at::Tensor parameter : {unused, rank0_only, b, a}) parameter.mutable_grad().reset();
  if (rank == 0) {
    sync.arm();
    (a * x).sum().backward();
  }
  sync.send_rest();
  expect(all_reduce_sum(1.0, "test sums between backward and step") ==
             static_cast<double>(world().size()),
         "a collective between send_rest() and synchronize()");
  sync.synchronize();
  expect(at::equal(a.grad(), x), "rank 0's gradient, zeros from the others");
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
    if (scenario == "gradients") {
      gradients(argc > 2 && std::string(argv[2]) == "1");
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
    std::cerr
        << "usage: distributed_tool collectives | gradients 0|1 | die RANK | stall RANK SECONDS\n";
    return 2;
  } catch (const Error& error) {
    std::cout << "error: " << error.what() << std::endl;
    return scenario == "collectives" || scenario == "gradients" ? 1 : 0;
  } catch (const std::exception& error) {
    std::cout << "unexpected: " << error.what() << std::endl;
    return 1;
  }
}
