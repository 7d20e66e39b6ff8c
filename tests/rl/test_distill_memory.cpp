// Memory and device tests for the distillation loss (rl/distill_loss.h): a counting CPU
// allocator shows that between forward and backward the graph keeps no [N·T, V] tensor and
// that the peak is a few [C, V] buffers (the naive path keeps several [N·T, V]); the _CUDA
// tests check the GPU path against the CPU one (skipped without a GPU).
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "counting_allocator.h"
#include "r1forge/core/check.h"
#include "r1forge/rl/distill_loss.h"
#include "r1forge/rl/teacher_topk.h"
#include "test_util.h"

namespace r1forge {
namespace {

using testing::MemoryUse;

struct Inputs {
  at::Tensor hidden, weight, mask;
  TeacherTopK teacher;
};

// The naive loss: full [N, T, V] log-softmax, forward KL with the 1 − Σ rest bucket.
at::Tensor naive_forward_kl(const at::Tensor& hidden,
                            const at::Tensor& weight,
                            const TeacherTopK& teacher) {
  at::Tensor logq = at::log_softmax(at::matmul(hidden, weight.t()), -1);  // [N, T, V]
  at::Tensor on_set = logq.gather(-1, teacher.ids);
  at::Tensor lq = at::cat({on_set, at::log1p(-on_set.exp().sum(-1, true))}, -1);
  at::Tensor lp = at::cat({teacher.logprobs, teacher.rest_logprobs.unsqueeze(-1)}, -1);
  return (lp.exp() * (lp - lq)).sum(-1).mean();
}

MemoryUse measure(bool chunked, const Inputs& in, int64_t chunk) {
  DistillLossConfig config;
  config.chunk_rows = chunk;
  return testing::measure_forward_backward(
      in.hidden, in.weight, [&](const at::Tensor& hidden, const at::Tensor& weight) {
        return chunked ? distillation_loss(hidden, weight, in.teacher, in.mask, config).loss
                       : naive_forward_kl(hidden, weight, in.teacher);
      });
}

TEST(DistillLossMemory, GraphKeepsNoFullLogitsAndPeakIsAFewChunks) {
  const int64_t n = 4, t = 64, e = 32, v = 4096, k = 8, chunk = 32;
  at::manual_seed(21);
  Inputs in;
  in.hidden = at::randn({n, t, e});
  in.weight = at::randn({v, e}) * 0.2;
  in.teacher = teacher_topk_from_hidden(at::randn({n, t, e}), in.weight, k, 1.0, chunk);
  in.mask = at::ones({n, t}, at::kBool);
  const int64_t full = n * t * v * 4;       // one [N·T, V] fp32 tensor: 4 MiB
  const int64_t one_chunk = chunk * v * 4;  // one [C, V] fp32 tensor: 512 KiB
  const int64_t grad_weight = v * e * 4;    // [V, E] fp32: 512 KiB
  MemoryUse chunked = measure(true, in, chunk);
  MemoryUse naive = measure(false, in, chunk);
  EXPECT_GE(naive.kept_after_forward, full);  // the measurement discriminates
  // Kept: the [N·T, K + 1] bucket log-probs and stats, far below one chunk.
  EXPECT_LT(chunked.kept_after_forward, one_chunk / 4);
  // Peak: two [C, V] buffers (forward, then again in backward) plus grad_weight and
  // grad_hidden; a third [C, V] temporary would break the first bound.
  EXPECT_LT(chunked.peak, 2 * one_chunk + 2 * grad_weight);
  EXPECT_LT(chunked.peak * 4, naive.peak);
}

TEST(DistillLoss, MatchesCpu_CUDA) {
  R1F_REQUIRE_CUDA();
  at::manual_seed(22);
  at::Tensor hidden = at::randn({3, 37, 64}), weight = at::randn({1000, 64}) * 0.2;
  TeacherTopK teacher = teacher_topk_from_hidden(at::randn({3, 37, 64}), weight, 16, 0.8, 32);
  at::Tensor mask = at::rand({3, 37}) > 0.2;
  TeacherTopK gpu_teacher =
      teacher_topk_from_hidden(at::randn({3, 37, 64}).cuda(), weight.cuda(), 16, 0.8, 32);
  EXPECT_EQ(gpu_teacher.ids.device().type(), at::kCUDA);
  TeacherTopK moved{teacher.ids.cuda(), teacher.logprobs.cuda(), teacher.rest_logprobs.cuda()};
  for (const std::string kind : {"forward_kl", "reverse_kl", "jsd"}) {
    DistillLossConfig config;
    config.kind = kind;
    config.temperature = 0.8;
    config.chunk_rows = 16;
    at::Tensor h = hidden.clone().requires_grad_(), w = weight.clone().requires_grad_();
    at::Tensor loss = distillation_loss(h, w, teacher, mask, config).loss;
    loss.backward();
    at::Tensor hg = hidden.cuda().requires_grad_(), wg = weight.cuda().requires_grad_();
    at::Tensor gpu_loss = distillation_loss(hg, wg, moved, mask.cuda(), config).loss;
    gpu_loss.backward();
    // TF32 may be on for CUDA matmuls; the tolerance covers it.
    EXPECT_NEAR(gpu_loss.item<double>(), loss.item<double>(), 1e-3) << kind;
    EXPECT_LT(testing::max_abs_diff(hg.grad().cpu(), h.grad()), 1e-3) << kind;
    EXPECT_LT(testing::max_abs_diff(wg.grad().cpu(), w.grad()), 1e-3) << kind;
  }
}

}  // namespace
}  // namespace r1forge
