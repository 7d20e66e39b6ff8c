// The engine on a real (tiny, random) transformer: every step's cached-decoding logits equal
// a full recompute forward of prompt + tokens so far, also after slot reuse and compaction;
// and the sampler's log-probs equal the trainer's (rl/logprobs.h, what `r1forge logprobs`
// computes) on the same tokens. Tolerance 1e-5: fp32, only summation order differs (the
// cached path multiplies [1, S] attention rows where the full path does [T, S] blocks).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

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

TEST(EngineModel, CachedLogitsEqualFullRecomputeAfterSlotReuse) {
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(3);
  TorchBackend backend(model);
  EngineConfig config;
  config.max_batch_size = 2;  // 9 samples through 2 slots: reuse and compaction
  Engine engine(backend, nullptr, {}, config);
  std::map<std::tuple<int64_t, int64_t, int64_t>, at::Tensor> observed;
  engine.set_logits_observer([&](int64_t i, int64_t j, int64_t step, const at::Tensor& logits) {
    observed[{i, j, step}] = logits.clone();
  });
  at::InferenceMode inference;
  auto requests = mixed_requests(1.0);
  auto samples = engine.generate(requests);
  ASSERT_EQ(samples.size(), 9u);
  int64_t compared = 0;
  for (const auto& sample : samples) {
    std::vector<int64_t> ids = requests[sample.prompt_index].prompt_ids;
    const int64_t prompt_length = static_cast<int64_t>(ids.size());
    ids.insert(ids.end(), sample.token_ids.begin(), sample.token_ids.end() - 1);
    at::Tensor full = model->forward({at::tensor(ids, at::kLong).unsqueeze(0)})[0];  // [T, V]
    for (size_t step = 0; step < sample.token_ids.size(); ++step) {
      const at::Tensor& cached =
          observed.at({sample.prompt_index, sample.sample_index, static_cast<int64_t>(step)});
      EXPECT_LT(testing::max_abs_diff(cached, full[prompt_length - 1 + step]), 1e-5)
          << "prompt " << sample.prompt_index << " sample " << sample.sample_index << " step "
          << step;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 3 * (6 + 9 + 12));
  EXPECT_EQ(engine.stats().slots, 2);
  EXPECT_EQ(engine.stats().prefill_tokens, 5 + 0 + 3);  // each prompt minus its last token, once
}

TEST(EngineModel, SamplerLogprobsEqualTrainerLogprobs) {
  Transformer model(model_preset("tiny-llama"));
  model->init_weights(4);
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
      at::Tensor input = at::tensor(ids, at::kLong).unsqueeze(0);
      at::Tensor hidden = model->hidden_states({input});
      const int64_t length = static_cast<int64_t>(sample.token_ids.size());
      // The trainer's view: log p(token) at temperature T = log softmax(logits / T).
      at::Tensor scaled_embedding = model->output_embedding() / temperature;
      at::Tensor trainer =
          token_logprobs(hidden.narrow(1, prompt_length - 1, length), scaled_embedding,
                         input.narrow(1, prompt_length, length))[0];
      at::Tensor engine_logprobs = at::tensor(sample.logprobs);
      EXPECT_LT(testing::max_abs_diff(engine_logprobs, trainer), 1e-5) << "T=" << temperature;
      at::Tensor trainer_raw =
          token_logprobs(hidden.narrow(1, prompt_length - 1, length), model->output_embedding(),
                         input.narrow(1, prompt_length, length))[0];
      EXPECT_LT(testing::max_abs_diff(at::tensor(sample.raw_logprobs), trainer_raw), 1e-5);
    }
  }
}

TEST(EngineModel, KvCacheAndRecomputeBackendsAgree) {
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(5);
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
    EXPECT_LT(testing::max_abs_diff(at::tensor(a[k].logprobs), at::tensor(b[k].logprobs)), 1e-5);
  }
  // The recompute backend did P + t positions per step; the cached one, one.
  EXPECT_EQ(with_cache.stats().generated_tokens, without_cache.stats().generated_tokens);
}

}  // namespace
}  // namespace r1forge
