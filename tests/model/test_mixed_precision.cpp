// Mixed precision (model/autocast_scope.h, TransformerImpl::set_mixed_precision): bf16
// matmuls and attention over fp32 weights. Checked against the fp32 model on the golden
// models (the log-prob drift is bounded and printed), the gradients' direction, activation
// checkpointing (bitwise the same gradients as the plain backward under autocast), the
// engine's sampler log-probs against the trainer's, and the bf16 KV cache.
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "r1forge/model/autocast_scope.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/rl/logprobs.h"
#include "r1forge/rl/rollout.h"
#include "r1forge/rl/shared_prompt_logprobs.h"
#include "r1forge/sampling/engine.h"
#include "r1forge/sampling/torch_backend.h"
#include "test_util.h"

namespace r1forge {
namespace {

std::filesystem::path golden_folder(const std::string& name) {
  return testing::source_dir() / "tests" / "golden" / name;
}

// Next-token log-probs of a fixed random sequence: [N, T-1] fp32.
at::Tensor sequence_logprobs(Transformer& model, const at::Tensor& ids) {
  at::Tensor hidden = model->hidden_states({ids.narrow(1, 0, ids.size(1) - 1)});
  return token_logprobs(hidden, model->output_embedding(), ids.narrow(1, 1, ids.size(1) - 1));
}

at::Tensor random_ids(int64_t vocab, int64_t rows, int64_t length) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(17);
  return at::randint(0, vocab, {rows, length}, generator, at::kLong);
}

class MixedPrecisionGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(MixedPrecisionGolden, LogprobDriftAgainstFp32IsSmallAndNonZero) {
  Transformer model = load_model(golden_folder(GetParam()));
  at::NoGradGuard no_grad;
  at::Tensor ids = random_ids(model->config().vocab_size, 4, 64);
  at::Tensor fp32 = sequence_logprobs(model, ids);
  model->set_mixed_precision(at::kBFloat16);
  at::Tensor mixed = sequence_logprobs(model, ids);
  EXPECT_EQ(mixed.scalar_type(), at::kFloat);  // the LM head and softmax stay fp32
  const double max_drift = (mixed - fp32).abs().max().item<double>();
  const double mean_drift = (mixed - fp32).abs().mean().item<double>();
  std::printf("%s: bf16 mixed precision log-prob drift vs fp32: max %.3g, mean %.3g nats\n",
              GetParam().c_str(), max_drift, mean_drift);
  // bf16 keeps 8 mantissa bits (relative error 2^-9 per rounding): drift well under 0.1 nat
  // on these random models, but not zero (the matmuls really ran in bf16).
  EXPECT_GT(max_drift, 1e-6);
  EXPECT_LT(max_drift, 0.1);
  EXPECT_LT(mean_drift, 0.02);
}

TEST_P(MixedPrecisionGolden, GradientsPointTheSameWayAsFp32) {
  Transformer model = load_model(golden_folder(GetParam()));
  at::Tensor ids = random_ids(model->config().vocab_size, 2, 32);
  auto gradients = [&] {
    model->zero_grad();
    (-sequence_logprobs(model, ids).mean()).backward();
    std::vector<at::Tensor> flat;
    for (const auto& parameter : model->parameters()) {
      EXPECT_EQ(parameter.grad().scalar_type(), at::kFloat);  // fp32 master gradients
      flat.push_back(parameter.grad().flatten());
    }
    return at::cat(flat);
  };
  at::Tensor fp32 = gradients();
  model->set_mixed_precision(at::kBFloat16);
  at::Tensor mixed = gradients();
  const double cosine = (at::dot(fp32, mixed) / (fp32.norm() * mixed.norm())).item<double>();
  EXPECT_GT(cosine, 0.99) << GetParam();
  EXPECT_FALSE(mixed.equal(fp32));
}

TEST_P(MixedPrecisionGolden, CheckpointingRecomputesAtTheForwardsPrecision) {
  Transformer model = load_model(golden_folder(GetParam()));
  model->set_mixed_precision(at::kBFloat16);
  at::Tensor ids = random_ids(model->config().vocab_size, 2, 32);
  auto gradients = [&](bool checkpointing) {
    model->set_gradient_checkpointing(checkpointing);
    model->zero_grad();
    (-sequence_logprobs(model, ids).mean()).backward();
    std::vector<at::Tensor> grads;
    for (const auto& parameter : model->parameters()) grads.push_back(parameter.grad().clone());
    return grads;
  };
  auto plain = gradients(false);
  auto checkpointed = gradients(true);
  ASSERT_EQ(plain.size(), checkpointed.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(plain[i].equal(checkpointed[i])) << "parameter " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Models,
                         MixedPrecisionGolden,
                         ::testing::Values("tiny_qwen2", "tiny_llama", "tiny_qwen3"));

TEST(MixedPrecision, EngineLogprobsMatchTheTrainersAndTheCacheIsBf16) {
  Transformer model = load_model(golden_folder("tiny_qwen2"));
  model->set_mixed_precision(at::kBFloat16);
  EXPECT_EQ(model->compute_dtype(), at::kBFloat16);
  TorchBackend backend(model);
  Engine engine(backend, nullptr, {});
  GenerationRequest request;
  request.prompt_ids = {3, 14, 15, 92, 65};
  request.n = 3;
  request.params.max_new_tokens = 12;
  request.params.seed = 4;
  std::vector<GeneratedSample> samples = engine.generate({request});
  EXPECT_EQ(backend.model()->mixed_precision(), at::kBFloat16);
  RolloutBatch batch = make_rollout_batch({request.prompt_ids}, samples, 0, false);
  at::NoGradGuard no_grad;
  at::Tensor trainer = completion_logprobs(model, batch, {}).logprobs;
  double worst = 0.0;
  for (size_t row = 0; row < samples.size(); ++row) {
    for (size_t j = 0; j < samples[row].logprobs.size(); ++j) {
      worst = std::max(worst, std::abs(samples[row].logprobs[j] - trainer[row][j].item<double>()));
    }
  }
  // Decode (bf16 single-query attention over the bf16 cache) and the trainer's full forward
  // (bf16 SDPA) round differently; both are bf16 computations of the same function.
  EXPECT_LT(worst, 0.05);
  KvCache cache =
      KvCache::allocate(model->config(), 1, 4, at::TensorOptions().dtype(model->compute_dtype()));
  EXPECT_EQ(cache.keys[0].scalar_type(), at::kBFloat16);
}

// Under mixed precision the CPU attention is explicit bf16 matmuls with a causal, padding or
// shared-prefix mask: the shared-prompt pass (prefix mask) and the plain pass (causal) must
// agree to bf16 rounding, and both stay close to fp32.
TEST(MixedPrecision, SharedPromptAndPlainPassesAgree) {
  Transformer model = load_model(golden_folder("tiny_qwen3"));
  std::vector<GeneratedSample> samples;
  for (int64_t i = 0; i < 6; ++i) {
    GeneratedSample sample;
    sample.prompt_index = i / 3;
    for (int64_t j = 0; j < 3 + i; ++j) sample.token_ids.push_back(7 + 5 * i + j);
    sample.logprobs.assign(sample.token_ids.size(), -1.0f);
    sample.finish_reason = FinishReason::STOP;
    samples.push_back(sample);
  }
  RolloutBatch batch = make_rollout_batch({{1, 2, 3, 4, 5, 6}, {9, 8, 7}}, samples, 0, false);
  at::NoGradGuard no_grad;
  const at::Tensor on = batch.completion_mask.to(at::kBool);
  at::Tensor fp32 = completion_logprobs(model, batch, {}).logprobs;
  model->set_mixed_precision(at::kBFloat16);
  at::Tensor plain = completion_logprobs(model, batch, {}).logprobs;
  at::Tensor shared =
      shared_prompt_completion_logprobs(model, batch, group_prompts(batch), {}).logprobs;
  EXPECT_LT((shared - plain).masked_select(on).abs().max().item<double>(), 0.02);
  EXPECT_LT((plain - fp32).masked_select(on).abs().max().item<double>(), 0.02);
  EXPECT_GT((plain - fp32).masked_select(on).abs().max().item<double>(), 1e-6);
}

TEST(MixedPrecision, NeedsFp32WeightsAndScopesRestoreTheState) {
  Transformer model = load_model(golden_folder("tiny_qwen2"));
  model->to(at::kBFloat16);
  model->refresh_handles();
  EXPECT_THROW(model->set_mixed_precision(at::kBFloat16), c10::Error);
  EXPECT_FALSE(AutocastScope::current(at::kCPU).has_value());
  {
    AutocastScope outer(at::kCPU, at::kBFloat16);
    EXPECT_EQ(AutocastScope::current(at::kCPU), at::kBFloat16);
    {
      AutocastOff off(at::kCPU);
      EXPECT_FALSE(AutocastScope::current(at::kCPU).has_value());
    }
    AutocastScope inner(at::kCPU, std::nullopt);  // a model without mixed precision: no change
    EXPECT_EQ(AutocastScope::current(at::kCPU), at::kBFloat16);
  }
  EXPECT_FALSE(AutocastScope::current(at::kCPU).has_value());
}

}  // namespace
}  // namespace r1forge
