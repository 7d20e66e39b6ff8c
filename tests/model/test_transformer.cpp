// Transformer behaviour without an external oracle: KV-cached decoding equals a full forward,
// initialisation is seeded, parameter and FLOP counts match hand derivations.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "r1forge/model/hf_io.h"
#include "r1forge/model/layers.h"
#include "r1forge/model/transformer.h"
#include "test_util.h"

namespace r1forge {
namespace {

TEST(Transformer, CachedDecodingEqualsFullForward) {
  for (const char* preset : {"tiny-qwen2", "tiny-llama", "tiny-qwen3"}) {
    Transformer model(model_preset(preset));
    at::NoGradGuard no_grad;
    at::Tensor ids = at::randint(0, 256, {3, 12}, at::kLong);
    at::Tensor full = model->forward({ids});
    KvCache cache = KvCache::allocate(model->config(), 3, 16, at::kFloat);
    // Prefill 5 positions, then one token at a time.
    at::Tensor prefill = model->forward({ids.narrow(1, 0, 5), {}, {}, &cache});
    EXPECT_LT(testing::max_abs_diff(prefill, full.narrow(1, 0, 5)), 1e-5) << preset;
    for (int64_t t = 5; t < 12; ++t) {
      at::Tensor step = model->forward({ids.narrow(1, t, 1), {}, {}, &cache});
      EXPECT_LT(testing::max_abs_diff(step, full.narrow(1, t, 1)), 1e-5) << preset << " t=" << t;
    }
    EXPECT_EQ(cache.length, 12);
  }
}

TEST(Transformer, CachedDecodingOfLeftPaddedBatchEqualsUnpaddedRows) {
  Transformer model(model_preset("tiny-qwen2"));
  at::NoGradGuard no_grad;
  // Row 0: 6 prompt tokens; row 1: 3 prompt tokens left-padded to 6. Then 4 decode steps.
  at::Tensor row0 = at::randint(0, 256, {1, 10}, at::kLong);
  at::Tensor row1 = at::randint(0, 256, {1, 7}, at::kLong);
  at::Tensor expected0 = model->forward({row0});
  at::Tensor expected1 = model->forward({row1});

  at::Tensor prompt = at::zeros({2, 6}, at::kLong);
  prompt[0] = row0[0].narrow(0, 0, 6);
  prompt.select(0, 1).narrow(0, 3, 3).copy_(row1[0].narrow(0, 0, 3));
  at::Tensor key_mask = at::ones({2, 10}, at::kBool);
  key_mask.select(0, 1).narrow(0, 0, 3).fill_(false);
  KvCache cache = KvCache::allocate(model->config(), 2, 10, at::kFloat);
  at::Tensor mask6 = key_mask.narrow(1, 0, 6);
  at::Tensor logits = model->forward({prompt, positions_from_mask(mask6), mask6, &cache});
  EXPECT_LT(testing::max_abs_diff(logits[0], expected0[0].narrow(0, 0, 6)), 1e-5);
  EXPECT_LT(testing::max_abs_diff(logits[1].narrow(0, 3, 3), expected1[0].narrow(0, 0, 3)), 1e-5);
  for (int64_t step = 0; step < 4; ++step) {
    at::Tensor next = at::stack({row0[0][6 + step], row1[0][3 + step]}).view({2, 1});
    at::Tensor positions = at::tensor({6 + step, 3 + step}, at::kLong).view({2, 1});
    at::Tensor out = model->forward({next, positions, key_mask.narrow(1, 0, 7 + step), &cache});
    EXPECT_LT(testing::max_abs_diff(out[0][0], expected0[0][6 + step]), 1e-5) << step;
    EXPECT_LT(testing::max_abs_diff(out[1][0], expected1[0][3 + step]), 1e-5) << step;
  }
}

TEST(Transformer, InitIsSeededAndFollowsHfConventions) {
  Transformer a(model_preset("tiny-qwen2"));
  Transformer b(model_preset("tiny-qwen2"));
  a->init_weights(7);
  b->init_weights(7);
  auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(pa[i].equal(pb[i]));
  b->init_weights(8);
  EXPECT_FALSE(a->embedding().equal(b->embedding()));
  // normal(0, 0.02): the sample std of 16k entries is within 3% of 0.02.
  EXPECT_NEAR(a->embedding().std().item<double>(), 0.02, 0.02 * 0.03);
  EXPECT_TRUE(a->layer(0).input_norm.equal(at::ones({64})));
  EXPECT_TRUE(a->layer(0).qkv_bias.equal(at::zeros({(4 + 2 * 2) * 16})));
}

TEST(Transformer, ParameterCountMatchesTensorsAndHandDerivation) {
  for (const auto& name : model_preset_names()) {
    ModelConfig config = model_preset(name);
    if (config.vocab_size > 10000) continue;  // real-size presets: counted below by formula
    Transformer model(config);
    int64_t numel = 0;
    for (auto& [hf_name, tensor] : hf_named_tensors(model)) numel += tensor.numel();
    EXPECT_EQ(parameter_count(config), numel) << name;
  }
  // Qwen2.5-0.5B by hand: embeddings 151936*896 (tied, once) = 136,134,656; per layer
  // q 896*896 + k,v 2*128*896 + biases 1152 + o 896*896 + mlp 3*896*4864 + norms 2*896
  // = 802,816 + 229,376 + 1,152 + 802,816 + 13,074,432 + 1,792 = 14,912,384; x24 =
  // 357,897,216; + final norm 896 => 494,032,768 (the published "0.49B").
  EXPECT_EQ(parameter_count(model_preset("qwen2.5-0.5b")), 494032768);
}

TEST(Transformer, TrainingFlopsFollowPalmConvention) {
  ModelConfig config = model_preset("tiny-qwen2");
  // Untied: the input embedding (256*64 = 16,384) is a lookup and is left out of N.
  const double matmul_parameters = static_cast<double>(parameter_count(config) - 256 * 64);
  // 12 * L * H * D * T = 12 * 2 * 4 * 16 * 128 = 196,608.
  EXPECT_DOUBLE_EQ(training_flops_per_token(config, 128), 6 * matmul_parameters + 196608.0);
}

TEST(Layers, RopeFrequenciesWithLlama3ScalingMatchHandValues) {
  ModelConfig config = model_preset("tiny-llama");  // D = 16, theta 1e4, factor 8, orig 64
  at::Tensor inverse = rope_inverse_frequencies(config);
  // Unscaled: 10000^(-2i/16). Wavelength 2*pi/f; low_wl = 64/1, high_wl = 64/4 = 16.
  // i=0: f=1, wl=6.28 < 16 -> kept. i=1: f=0.31623, wl=19.87 in [16, 64] -> blended with
  // s = (64/19.869 - 1) / 3 = 0.740357: f' = (1-s) f/8 + s f = 0.244385.
  // i=7: f=3.1623e-4, wl=19869 > 64 -> f/8 = 3.9528e-5.
  EXPECT_NEAR(inverse[0].item<double>(), 1.0, 1e-7);
  EXPECT_NEAR(inverse[1].item<double>(), 0.2443846, 1e-6);
  EXPECT_NEAR(inverse[7].item<double>(), 3.9528e-5, 1e-9);
}

TEST(Layers, CausalPaddingMaskLetsPaddingSeeOnlyItself) {
  at::Tensor key_mask = at::tensor({0, 1, 1}, at::kInt).to(at::kBool).view({1, 3});
  at::Tensor mask = causal_padding_mask(key_mask, 3)[0][0];  // [T=3, S=3]
  at::Tensor expected = at::tensor({1, 0, 0,                 //
                                    0, 1, 0,                 //
                                    0, 1, 1},
                                   at::kInt)
                            .to(at::kBool)
                            .view({3, 3});
  EXPECT_TRUE(mask.equal(expected));
}

}  // namespace
}  // namespace r1forge
