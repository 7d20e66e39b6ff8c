// Tests for the teacher's top-k log-probs (rl/teacher_topk.h) against the naive path: full
// [N, T, V] log_softmax, torch topk, and the rest mass log(1 − Σ exp(top-k)) in fp64; chunk
// sizes that do and do not divide N·T; temperatures; K = V; the model entry point against the
// hidden-state one and against the model's own full logits; no autograd history; bad input.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "r1forge/core/check.h"
#include "r1forge/model/model_config.h"
#include "r1forge/model/transformer.h"
#include "r1forge/rl/teacher_topk.h"
#include "test_util.h"

namespace r1forge {
namespace {

struct NaiveTopK {
  at::Tensor ids;       // [N, T, K]
  at::Tensor logprobs;  // [N, T, K]
  at::Tensor rest;      // [N, T]
};

// The reference, in fp64: the whole [N, T, V] log-softmax, torch's topk, and the rest as the
// complement of the kept mass (fine in fp64 with the kept mass well below 1).
NaiveTopK naive_topk(const at::Tensor& logits, int64_t k, double temperature) {
  at::Tensor logp = at::log_softmax(logits.to(at::kDouble) / temperature, /*dim=*/-1);
  auto [values, ids] = at::topk(logp, k, /*dim=*/-1);
  return {ids, values, at::log1p(-values.exp().sum(-1))};
}

TEST(TeacherTopK, MatchesTorchTopkOfFullLogSoftmax) {
  at::manual_seed(3);
  const int64_t n = 3, t = 5, e = 8, v = 40, k = 6;  // N·T = 15 rows
  at::Tensor hidden = at::randn({n, t, e});
  at::Tensor weight = at::randn({v, e});
  for (double temperature : {1.0, 0.6, 2.0}) {
    NaiveTopK expected = naive_topk(at::matmul(hidden, weight.t()), k, temperature);
    for (int64_t chunk : {1, 4, 15, 100}) {
      TeacherTopK got = teacher_topk_from_hidden(hidden, weight, k, temperature, chunk);
      ASSERT_EQ(got.ids.sizes(), (at::IntArrayRef{n, t, k}));
      ASSERT_EQ(got.rest_logprobs.sizes(), (at::IntArrayRef{n, t}));
      EXPECT_EQ(got.logprobs.scalar_type(), at::kFloat);
      // Random normal logits: no ties, so the order is unique and ids must match exactly.
      EXPECT_TRUE(at::equal(got.ids, expected.ids)) << "chunk " << chunk << " T " << temperature;
      // fp32 log-softmax of O(10) logits: ~1e-6 absolute rounding.
      EXPECT_LT(testing::max_abs_diff(got.logprobs, expected.logprobs), 1e-5);
      EXPECT_LT(testing::max_abs_diff(got.rest_logprobs, expected.rest), 1e-5);
    }
  }
}

TEST(TeacherTopK, Fp64IsExactAndMassesSumToOne) {
  at::manual_seed(4);
  at::Tensor hidden = at::randn({2, 4, 6}, at::kDouble);
  at::Tensor weight = at::randn({12, 6}, at::kDouble);
  NaiveTopK expected = naive_topk(at::matmul(hidden, weight.t()), 3, 0.8);
  TeacherTopK got = teacher_topk_from_hidden(hidden, weight, 3, 0.8, /*chunk_rows=*/3);
  EXPECT_EQ(got.logprobs.scalar_type(), at::kDouble);
  EXPECT_TRUE(at::equal(got.ids, expected.ids));
  EXPECT_LT(testing::max_abs_diff(got.logprobs, expected.logprobs), 1e-12);
  EXPECT_LT(testing::max_abs_diff(got.rest_logprobs, expected.rest), 1e-12);
  // Σ_k p_k + p_rest = 1 at every position.
  at::Tensor total = got.logprobs.exp().sum(-1) + got.rest_logprobs.exp();
  EXPECT_LT(testing::max_abs_diff(total, at::ones_like(total)), 1e-12);
}

TEST(TeacherTopK, FullVocabularyLeavesAnEmptyRest) {
  at::manual_seed(5);
  at::Tensor hidden = at::randn({2, 3, 4});
  at::Tensor weight = at::randn({5, 4});
  TeacherTopK got = teacher_topk_from_hidden(hidden, weight, /*k=*/5, 1.0, /*chunk_rows=*/2);
  EXPECT_TRUE(at::isneginf(got.rest_logprobs).all().item<bool>());
  // Every id once per position, in descending order of probability.
  EXPECT_TRUE(at::equal(std::get<0>(got.ids.sort(-1)), at::arange(5).expand({2, 3, 5})));
  EXPECT_TRUE((got.logprobs.narrow(-1, 0, 4) >= got.logprobs.narrow(-1, 1, 4)).all().item<bool>());
  at::Tensor total = got.logprobs.exp().sum(-1);
  EXPECT_LT(testing::max_abs_diff(total, at::ones_like(total)), 1e-6);
}

TEST(TeacherTopK, ModelEntryPointMatchesHiddenPathAndFullLogits) {
  ModelConfig config = model_preset("tiny-qwen2");
  config.vocab_size = 64;
  Transformer model(config, /*initialize=*/false);
  model->init_weights(11);
  at::manual_seed(6);
  at::Tensor ids = at::randint(0, 64, {2, 7}, at::kLong);
  TeacherTopK got = teacher_topk(model, ids, /*k=*/4, /*temperature=*/0.7, /*chunk_rows=*/5);
  EXPECT_FALSE(got.logprobs.requires_grad());  // the weights require grad; no-grad inside
  at::NoGradGuard no_grad;
  at::Tensor hidden = model->hidden_states({ids});
  TeacherTopK direct = teacher_topk_from_hidden(hidden, model->output_embedding(), 4, 0.7, 5);
  EXPECT_TRUE(at::equal(got.ids, direct.ids));
  EXPECT_TRUE(at::equal(got.logprobs, direct.logprobs));
  EXPECT_TRUE(at::equal(got.rest_logprobs, direct.rest_logprobs));
  NaiveTopK expected = naive_topk(model->forward({ids}), 4, 0.7);
  EXPECT_TRUE(at::equal(got.ids, expected.ids));
  EXPECT_LT(testing::max_abs_diff(got.logprobs, expected.logprobs), 1e-5);
  EXPECT_LT(testing::max_abs_diff(got.rest_logprobs, expected.rest), 1e-5);
}

TEST(TeacherTopK, NoAutogradHistoryEvenWhenInputsRequireGrad) {
  at::Tensor hidden = at::randn({1, 2, 3}).requires_grad_();
  at::Tensor weight = at::randn({4, 3}).requires_grad_();
  TeacherTopK got = teacher_topk_from_hidden(hidden, weight, 2, 1.0, 8);
  EXPECT_FALSE(got.logprobs.requires_grad());
  EXPECT_FALSE(got.rest_logprobs.requires_grad());
}

TEST(TeacherTopK, EmptyBatchGivesEmptyOutputs) {
  TeacherTopK got = teacher_topk_from_hidden(at::randn({0, 3, 4}), at::randn({6, 4}), 2, 1.0, 8);
  EXPECT_EQ(got.ids.sizes(), (at::IntArrayRef{0, 3, 2}));
  EXPECT_EQ(got.rest_logprobs.sizes(), (at::IntArrayRef{0, 3}));
}

TEST(TeacherTopK, RejectsBadArguments) {
  at::Tensor hidden = at::randn({1, 2, 3}), weight = at::randn({4, 3});
  EXPECT_THROW(teacher_topk_from_hidden(hidden, weight, 0, 1.0, 8), UsageError);
  EXPECT_THROW(teacher_topk_from_hidden(hidden, weight, 5, 1.0, 8), UsageError);
  EXPECT_THROW(teacher_topk_from_hidden(hidden, weight, 2, 0.0, 8), UsageError);
  EXPECT_THROW(teacher_topk_from_hidden(hidden, weight, 2, 1.0, 0), UsageError);
  EXPECT_THROW(teacher_topk_from_hidden(hidden, at::randn({4, 5}), 2, 1.0, 8), c10::Error);
}

}  // namespace
}  // namespace r1forge
