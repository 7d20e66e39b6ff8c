// The trainer's one-pass log-prob statistics (kernels/logprob_row.h, src/kernels/
// logprob_stats.cu) against the ATen path of rl/logprobs.cpp: on the CPU the kernel's algorithm
// runs on the host over the same scaled logits z = h·Wᵀ/τ and must give compute_token_logprobs'
// log-probs and entropy to 1e-5 (it sums in fp64, ATen in fp32); on a GPU the kernel itself
// inside compute_token_logprobs, forward and backward (which reads its logsumexp), against
// kernels.logprob_stats: aten.
#include <gtest/gtest.h>

#include "r1forge/kernels/kernel_config.h"
#include "r1forge/kernels/kernels.h"
#include "r1forge/kernels/logprob_row.h"
#include "r1forge/rl/logprobs.h"
#include "test_util.h"

namespace r1forge {
namespace {

TEST(LogprobStats, HostRunOfTheKernelAlgorithmMatchesTheAtenPath) {
  at::manual_seed(13);
  for (int64_t vocab : {1, 7, 1000, 32768}) {
    const int64_t rows = 6;
    const double temperature = 0.7;
    at::Tensor hidden = at::randn({rows, 32}) * 2;
    at::Tensor weight = at::randn({vocab, 32});
    at::Tensor targets = at::randint(0, vocab, {rows}, at::kLong);
    TokenLogprobOptions options;
    options.chunk_rows = 4;
    options.temperature = temperature;
    options.with_entropy = true;
    const TokenLogprobs aten =
        compute_token_logprobs(hidden.unsqueeze(0), weight, targets.unsqueeze(0), options);
    const at::Tensor z = (at::matmul(hidden, weight.t()) / temperature).contiguous();
    at::Tensor logprobs = at::empty({rows}), lse = at::empty({rows}), entropy = at::empty({rows});
    kernels::logprob::token_logprob_stats_on_host(z.data_ptr<float>(), targets.data_ptr<int64_t>(),
                                                  rows, vocab, logprobs.data_ptr<float>(),
                                                  lse.data_ptr<float>(), entropy.data_ptr<float>());
    EXPECT_LT(testing::max_abs_diff(logprobs, aten.logprobs[0]), 1e-5) << vocab;
    EXPECT_LT(testing::max_abs_diff(entropy, aten.entropy[0]), 1e-5) << vocab;
    EXPECT_LT(testing::max_abs_diff(lse, at::logsumexp(z.to(at::kDouble), 1)), 1e-5) << vocab;
  }
}

TEST(LogprobStats, KernelInsideTheChunkedLogprobsMatchesTheAtenPath_CUDA) {
  R1F_REQUIRE_CUDA();
  ASSERT_TRUE(kernels::cuda_kernels_loaded());
  at::manual_seed(14);
  const at::TensorOptions cuda = at::TensorOptions().device(at::kCUDA);
  at::Tensor hidden = at::randn({3, 37, 64}, cuda);
  at::Tensor weight = at::randn({4096, 64}, cuda) * 0.3;
  at::Tensor targets = at::randint(0, 4096, {3, 37}, cuda.dtype(at::kLong));
  TokenLogprobOptions options{16, 0.8, true};
  auto run = [&](const std::string& selection) {
    KernelConfig config;
    config.logprob_stats = selection;
    kernels::set_kernel_config(config);
    at::Tensor h = hidden.clone().set_requires_grad(true);
    at::Tensor w = weight.clone().set_requires_grad(true);
    TokenLogprobs out = compute_token_logprobs(h, w, targets, options);
    (out.logprobs.sum() + 0.5 * out.entropy.sum()).backward();
    kernels::set_kernel_config({});
    return std::vector<at::Tensor>{out.logprobs.detach(), out.entropy.detach(), h.grad(), w.grad()};
  };
  ASSERT_TRUE(kernels::logprob_stats_uses_cuda(at::empty({0}, cuda)));
  const auto fused = run("auto"), aten = run("aten");
  for (size_t i = 0; i < fused.size(); ++i) {
    const double scale = std::max(1.0, aten[i].abs().max().item<double>());
    EXPECT_LT(testing::max_abs_diff(fused[i], aten[i]) / scale, 1e-5) << i;
  }
}

}  // namespace
}  // namespace r1forge
