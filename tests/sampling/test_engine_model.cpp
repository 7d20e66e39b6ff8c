// The engine on a real (tiny, random) transformer: every step's cached-decoding logits equal
// a full recompute forward of prompt + tokens so far, also after slot reuse and compaction;
// and the sampler's log-probs equal the trainer's (rl/logprobs.h, what `r1forge logprobs`
// computes) on the same tokens. Tolerance 1e-5: fp32, only summation order differs (the
// cached path multiplies [1, S] attention rows where the full path does [T, S] blocks). The
// comparisons run on the CPU and on CUDA (device_test_util.h; x4 bounds there), where the
// engine chooses tokens on the GPU (sampling/token_choice.h).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>

#include "device_test_util.h"
#include "r1forge/core/check.h"
#include "r1forge/model/transformer.h"
#include "r1forge/rl/logprobs.h"
#include "r1forge/sampling/engine.h"
#include "r1forge/sampling/recompute_backend.h"
#include "r1forge/sampling/torch_backend.h"
#include "test_util.h"

namespace r1forge {
namespace {

std::vector<GenerationRequest> mixed_requests(double temperature) {
  std::vector<std::vector<int64_t>> prompts = {{5, 17, 3, 99, 250, 7}, {42}, {8, 8, 9, 10}};
  std::vector<GenerationRequest> requests;
  for (size_t i = 0; i < prompts.size(); ++i) {
    GenerationRequest r;
    r.prompt_ids = prompts[i];
    r.n = 3;
    r.params.temperature = temperature;
    r.params.max_new_tokens = 6 + 3 * static_cast<int64_t>(i);  // different lengths
    r.params.ignore_eos = true;
    r.params.seed = 11;
    requests.push_back(r);
  }
  return requests;
}

// Both prompt-cache layouts (shared prefix store, copy per slot); 2 slots for 9 samples (reuse
// and compaction) and 5 (rows of several prompts at once); prompts longest first and last (the
// shared store grows its entries and then its length).
class CachedLogits : public ::testing::TestWithParam<std::tuple<bool, int64_t, bool, at::Device>> {
};

std::string layout_name(const ::testing::TestParamInfo<CachedLogits::ParamType>& info) {
  const auto& [shared, slots, reversed, device] = info.param;
  return std::string(shared ? "shared_" : "copied_") + std::to_string(slots) + "slots_" +
         (reversed ? "reversed_" : "") + testing::device_label(device);
}

TEST_P(CachedLogits, EqualFullRecomputeAfterSlotReuse) {
  const auto [shared, slots, reversed, device] = GetParam();
  R1F_SKIP_UNLESS_AVAILABLE(device);
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(3);
  testing::on_device(model, device);
  TorchBackend backend(model, shared ? PromptCacheSharing::ALWAYS : PromptCacheSharing::NEVER);
  EngineConfig config;
  config.max_batch_size = slots;
  Engine engine(backend, nullptr, {}, config);
  std::map<std::tuple<int64_t, int64_t, int64_t>, at::Tensor> observed;
  engine.set_logits_observer([&](int64_t i, int64_t j, int64_t step, const at::Tensor& logits) {
    observed[{i, j, step}] = logits.clone();
  });
  at::InferenceMode inference;
  auto requests = mixed_requests(1.0);
  if (reversed) std::reverse(requests.begin(), requests.end());
  auto samples = engine.generate(requests);
  ASSERT_EQ(samples.size(), 9u);
  int64_t compared = 0;
  for (const auto& sample : samples) {
    std::vector<int64_t> ids = requests[sample.prompt_index].prompt_ids;
    const int64_t prompt_length = static_cast<int64_t>(ids.size());
    ids.insert(ids.end(), sample.token_ids.begin(), sample.token_ids.end() - 1);
    at::Tensor input = at::tensor(ids, at::kLong).unsqueeze(0).to(device);
    at::Tensor full = model->forward({input})[0];  // [T, V]
    for (size_t step = 0; step < sample.token_ids.size(); ++step) {
      const at::Tensor& cached =
          observed.at({sample.prompt_index, sample.sample_index, static_cast<int64_t>(step)});
      EXPECT_EQ(cached.device(), device);
      EXPECT_LT(testing::max_abs_diff(cached, full[prompt_length - 1 + step]),
                testing::device_tolerance(1e-5, device))
          << "prompt " << sample.prompt_index << " sample " << sample.sample_index << " step "
          << step;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 3 * (6 + 9 + 12));
  EXPECT_EQ(engine.stats().slots, slots);
  EXPECT_EQ(engine.stats().prefill_tokens, 5 + 0 + 3);  // each prompt minus its last token, once
}

INSTANTIATE_TEST_SUITE_P(Layouts,
                         CachedLogits,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Values<int64_t>(2, 5),
                                            ::testing::Bool(),
                                            ::testing::ValuesIn(testing::test_devices())),
                         layout_name);

// The engine's tests that take a device (device_test_util.h).
class EngineOn : public ::testing::TestWithParam<at::Device> {
 protected:
  void SetUp() override { R1F_SKIP_UNLESS_AVAILABLE(device()); }
  at::Device device() const { return GetParam(); }
  double tolerance(double cpu_bound) const {
    return testing::device_tolerance(cpu_bound, device());
  }
};

TEST_P(EngineOn, SharedAndCopiedPromptCachesSampleTheSameTokens) {
  Transformer model(model_preset("tiny-llama"));
  model->init_weights(6);
  testing::on_device(model, device());
  TorchBackend shared(model, PromptCacheSharing::ALWAYS), copied(model, PromptCacheSharing::NEVER);
  EngineConfig config;
  config.max_batch_size = 4;
  Engine a(shared, nullptr, {}, config), b(copied, nullptr, {}, config);
  at::InferenceMode inference;
  auto requests = mixed_requests(1.0);  // seeded sampling: same logits -> same draws
  auto x = a.generate(requests), y = b.generate(requests);
  ASSERT_EQ(x.size(), y.size());
  for (size_t k = 0; k < x.size(); ++k) {
    EXPECT_EQ(x[k].token_ids, y[k].token_ids) << k;
    EXPECT_LT(testing::max_abs_diff(at::tensor(x[k].logprobs), at::tensor(y[k].logprobs)),
              tolerance(1e-5));
  }
}

TEST(EngineModel, SharedPromptCacheHoldsEachPromptOnce) {
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(7);
  TorchBackend shared(model, PromptCacheSharing::ALWAYS), copied(model, PromptCacheSharing::NEVER);
  EngineConfig config;
  config.max_batch_size = 8;
  std::vector<GenerationRequest> requests(2);
  for (size_t i = 0; i < requests.size(); ++i) {
    for (int64_t t = 0; t < 20; ++t) requests[i].prompt_ids.push_back(3 + t + 40 * int64_t(i));
    requests[i].n = 4;
    requests[i].params.max_new_tokens = 3;
    requests[i].params.ignore_eos = true;
  }
  at::InferenceMode inference;
  Engine a(shared, nullptr, {}, config), b(copied, nullptr, {}, config);
  auto x = a.generate(requests), y = b.generate(requests);
  for (size_t k = 0; k < x.size(); ++k) EXPECT_EQ(x[k].token_ids, y[k].token_ids) << k;
  const ModelConfig& c = model->config();
  const int64_t position = 2 * c.num_hidden_layers * c.num_key_value_heads * c.head_dim * 4;
  // Copied: 8 slots x (20 + 3). Shared: 8 slots x (3 + 1) own positions (the last prompt
  // token is fed by the first step) + 2 store entries x 19 prefilled positions.
  EXPECT_EQ(copied.cache_bytes(), position * 8 * 23);
  EXPECT_EQ(shared.cache_bytes(), position * (8 * 4 + 2 * 19));
}

TEST_P(EngineOn, SamplerLogprobsEqualTrainerLogprobs) {
  Transformer model(model_preset("tiny-llama"));
  model->init_weights(4);
  testing::on_device(model, device());
  TorchBackend backend(model);
  EngineConfig config;
  config.max_batch_size = 4;
  config.raw_logprobs = true;
  Engine engine(backend, nullptr, {}, config);
  at::InferenceMode inference;
  for (double temperature : {1.0, 0.7}) {
    auto requests = mixed_requests(temperature);
    auto samples = engine.generate(requests);
    for (const auto& sample : samples) {
      std::vector<int64_t> ids = requests[sample.prompt_index].prompt_ids;
      const int64_t prompt_length = static_cast<int64_t>(ids.size());
      ids.insert(ids.end(), sample.token_ids.begin(), sample.token_ids.end());
      at::Tensor input = at::tensor(ids, at::kLong).unsqueeze(0).to(device());
      at::Tensor hidden = model->hidden_states({input});
      const int64_t length = static_cast<int64_t>(sample.token_ids.size());
      // The trainer's view: log p(token) at temperature T = log softmax(logits / T).
      at::Tensor scaled_embedding = model->output_embedding() / temperature;
      at::Tensor trainer =
          token_logprobs(hidden.narrow(1, prompt_length - 1, length), scaled_embedding,
                         input.narrow(1, prompt_length, length))[0];
      at::Tensor engine_logprobs = at::tensor(sample.logprobs);
      EXPECT_LT(testing::max_abs_diff(engine_logprobs, trainer.cpu()), tolerance(1e-5))
          << "T=" << temperature;
      at::Tensor trainer_raw =
          token_logprobs(hidden.narrow(1, prompt_length - 1, length), model->output_embedding(),
                         input.narrow(1, prompt_length, length))[0];
      EXPECT_LT(testing::max_abs_diff(at::tensor(sample.raw_logprobs), trainer_raw.cpu()),
                tolerance(1e-5));
    }
  }
}

TEST_P(EngineOn, KvCacheAndRecomputeBackendsAgree) {
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(5);
  testing::on_device(model, device());
  TorchBackend cached(model);
  RecomputeBackend recompute(model);
  EngineConfig config;
  config.max_batch_size = 4;
  Engine with_cache(cached, nullptr, {}, config), without_cache(recompute, nullptr, {}, config);
  at::InferenceMode inference;
  auto requests = mixed_requests(0.0);  // greedy: the token paths must match exactly
  auto a = with_cache.generate(requests), b = without_cache.generate(requests);
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].token_ids, b[k].token_ids) << k;
    EXPECT_LT(testing::max_abs_diff(at::tensor(a[k].logprobs), at::tensor(b[k].logprobs)),
              tolerance(1e-5));
  }
  // The recompute backend did P + t positions per step; the cached one, one.
  EXPECT_EQ(with_cache.stats().generated_tokens, without_cache.stats().generated_tokens);
}

INSTANTIATE_TEST_SUITE_P(Devices,
                         EngineOn,
                         ::testing::ValuesIn(testing::test_devices()),
                         testing::device_test_name);

TEST(EngineModel, AutoSharesPromptsWhosePerSlotCopiesWouldPass64MiB) {
  Transformer model(model_preset("tiny-qwen2"));  // 2 layers x 2 KV heads x 16 dims: 512 B
  const int64_t position = 2 * 2 * 2 * 16 * 4;    // a position's keys and values, fp32
  const int64_t prompt = kSharedPromptMinBytes / position / 64;  // 64 slots reach the bound
  TorchBackend automatic(model), always(model, PromptCacheSharing::ALWAYS),
      never(model, PromptCacheSharing::NEVER);
  // capacity - completion_capacity = the prompt's prefilled positions.
  automatic.allocate({64, prompt + 8, 8, /*fan_out=*/true});
  EXPECT_TRUE(automatic.sharing_prompts());
  automatic.allocate({64, prompt - 1 + 8, 8, true});
  EXPECT_FALSE(automatic.sharing_prompts());
  automatic.allocate({64, prompt + 8, 8, /*fan_out=*/false});
  EXPECT_FALSE(automatic.sharing_prompts());
  always.allocate({2, 16, 8, true});
  EXPECT_TRUE(always.sharing_prompts());
  always.allocate({2, 16, 8, false});
  EXPECT_FALSE(always.sharing_prompts());  // nothing to share
  never.allocate({64, prompt + 8, 8, true});
  EXPECT_FALSE(never.sharing_prompts());
  EXPECT_EQ(parse_prompt_cache_sharing("always"), PromptCacheSharing::ALWAYS);
  EXPECT_THROW(parse_prompt_cache_sharing("true"), ConfigError);
}

}  // namespace
}  // namespace r1forge
