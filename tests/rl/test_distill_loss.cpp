// Tests for the chunked distillation losses (rl/distill_loss.h): every kind × tail against a
// naive reference written here (full [N, T, V] softmax, buckets by gather and 1 − Σ, the
// divergences in probability space, autograd for the gradients) in fp64 and fp32; a V = 4,
// K = 2 example computed by hand; zero loss when student equals teacher; JSD symmetry and
// endpoints; the mask; chunk-size invariance; no-grad path; bf16; stats; bad input.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/rl/distill_loss.h"
#include "r1forge/rl/teacher_topk.h"
#include "test_util.h"

namespace r1forge {
namespace {

const std::vector<std::string> kKinds = {"forward_kl", "reverse_kl", "jsd"};
const std::vector<std::string> kTails = {"rest", "renormalize"};

DistillLossConfig make_config(const std::string& kind,
                              const std::string& tail,
                              double temperature = 1.0,
                              int64_t chunk_rows = 1024,
                              double beta = 0.5) {
  DistillLossConfig config;
  config.kind = kind;
  config.tail = tail;
  config.temperature = temperature;
  config.chunk_rows = chunk_rows;
  config.jsd_beta = beta;
  return config;
}

// The reference: every distribution in probability space over [N, T, V] or [N, T, B].
at::Tensor naive_loss(const at::Tensor& hidden,
                      const at::Tensor& weight,
                      const TeacherTopK& teacher,
                      const at::Tensor& mask,
                      const DistillLossConfig& config) {
  at::Tensor q_full = at::softmax(at::matmul(hidden, weight.t()) / config.temperature, -1);
  at::Tensor q_set = q_full.gather(-1, teacher.ids);  // [N, T, K]
  at::Tensor p_set = teacher.logprobs.to(q_set.scalar_type()).exp();
  at::Tensor q, p;  // [N, T, B]
  if (config.tail == "rest") {
    q = at::cat({q_set, 1 - q_set.sum(-1, true)}, -1);
    p = at::cat({p_set, teacher.rest_logprobs.to(q.scalar_type()).exp().unsqueeze(-1)}, -1);
  } else {
    q = q_set / q_set.sum(-1, true);
    p = p_set / p_set.sum(-1, true);
  }
  const double beta = config.jsd_beta;
  at::Tensor per;  // [N, T]
  if (config.kind == "forward_kl") {
    per = (p * (p.log() - q.log())).sum(-1);
  } else if (config.kind == "reverse_kl") {
    per = (q * (q.log() - p.log())).sum(-1);
  } else {
    at::Tensor m = beta * p + (1 - beta) * q;
    per = beta * (p * (p / m).log()).sum(-1) + (1 - beta) * (q * (q / m).log()).sum(-1);
  }
  at::Tensor weights = mask.to(per.scalar_type());
  return (per * weights).sum() / weights.sum();
}

struct Problem {
  at::Tensor hidden;  // [N, T, E]
  at::Tensor weight;  // [V, E]
  TeacherTopK teacher;
  at::Tensor mask;  // [N, T] bool
};

// A random student and a different random teacher over the same vocabulary; top-k from it.
Problem make_problem(at::ScalarType dtype, int64_t k, double temperature, uint64_t seed) {
  at::manual_seed(seed);
  const int64_t n = 2, t = 5, e = 6, v = 11;
  Problem p;
  p.hidden = at::randn({n, t, e}, dtype);
  p.weight = at::randn({v, e}, dtype) * 0.7;
  at::Tensor teacher_hidden = at::randn({n, t, e}, dtype);
  at::Tensor teacher_weight = at::randn({v, e}, dtype) * 0.7;
  p.teacher = teacher_topk_from_hidden(teacher_hidden, teacher_weight, k, temperature, 4);
  p.mask = at::ones({n, t}, at::kBool);
  p.mask[0][4] = false;  // padding at the end of row 0
  p.mask[1][0] = false;  // a prompt position of row 1
  return p;
}

struct Grads {
  at::Tensor loss, hidden, weight;
};

Grads library_grads(const Problem& p, const DistillLossConfig& config) {
  at::Tensor hidden = p.hidden.clone().requires_grad_();
  at::Tensor weight = p.weight.clone().requires_grad_();
  at::Tensor loss = distillation_loss(hidden, weight, p.teacher, p.mask, config).loss;
  loss.backward();
  return {loss.detach(), hidden.grad(), weight.grad()};
}

Grads naive_grads(const Problem& p, const DistillLossConfig& config) {
  at::Tensor hidden = p.hidden.clone().requires_grad_();
  at::Tensor weight = p.weight.clone().requires_grad_();
  at::Tensor loss = naive_loss(hidden, weight, p.teacher, p.mask, config);
  loss.backward();
  return {loss.detach(), hidden.grad(), weight.grad()};
}

void expect_close(const Grads& got,
                  const Grads& expected,
                  double tolerance,
                  const std::string& what) {
  EXPECT_LT(testing::max_abs_diff(got.loss, expected.loss), tolerance) << what << " loss";
  EXPECT_LT(testing::max_abs_diff(got.hidden, expected.hidden), tolerance) << what << " hidden";
  EXPECT_LT(testing::max_abs_diff(got.weight, expected.weight), tolerance) << what << " weight";
}

TEST(DistillLoss, MatchesNaiveReferenceFp64) {
  // Same math, different summation order and log-space forms: fp64 agrees to ~1e-14; 1e-9
  // leaves room for the 1 − Σ cancellation in the reference's rest bucket.
  for (double temperature : {1.0, 0.7}) {
    Problem p = make_problem(at::kDouble, /*k=*/4, temperature, 1);
    for (const auto& kind : kKinds) {
      for (const auto& tail : kTails) {
        DistillLossConfig config = make_config(kind, tail, temperature, /*chunk_rows=*/3);
        expect_close(library_grads(p, config), naive_grads(p, config), 1e-9,
                     kind + "/" + tail + " T " + std::to_string(temperature));
      }
    }
  }
  Problem p = make_problem(at::kDouble, 4, 1.0, 2);
  for (double beta : {0.1, 0.9}) {
    DistillLossConfig config = make_config("jsd", "rest", 1.0, 3, beta);
    expect_close(library_grads(p, config), naive_grads(p, config), 1e-9,
                 "jsd beta " + std::to_string(beta));
  }
}

TEST(DistillLoss, MatchesNaiveReferenceFp32) {
  // fp32 on O(1) values: ~1e-7 rounding per op; 1e-5 is the agreed fp32 tolerance.
  Problem p = make_problem(at::kFloat, /*k=*/3, 1.3, 3);
  for (const auto& kind : kKinds) {
    for (const auto& tail : kTails) {
      DistillLossConfig config = make_config(kind, tail, 1.3, /*chunk_rows=*/4);
      expect_close(library_grads(p, config), naive_grads(p, config), 1e-5, kind + "/" + tail);
    }
  }
}

// The hand example, one position: W = I (E = V = 4), so logits = hidden, and hidden = log q
// with student q = (0.4, 0.3, 0.2, 0.1). Teacher p = (0.5, 0.1, 0.3, 0.1), K = 2: top-k ids
// (0, 2) with p = (0.5, 0.3), rest = 0.2. Student on the buckets: q = (0.4, 0.2), rest 0.4.
struct HandExample {
  at::Tensor hidden = at::log(at::tensor({0.4, 0.3, 0.2, 0.1}, at::kDouble)).view({1, 1, 4});
  at::Tensor weight = at::eye(4, at::kDouble);
  TeacherTopK teacher{at::tensor({int64_t{0}, int64_t{2}}).view({1, 1, 2}),
                      at::log(at::tensor({0.5, 0.3}, at::kDouble)).view({1, 1, 2}),
                      at::log(at::tensor({0.2}, at::kDouble)).view({1, 1})};
  at::Tensor mask = at::ones({1, 1}, at::kBool);
};

Grads hand_grads(const std::string& kind, const std::string& tail) {
  HandExample example;
  at::Tensor hidden = example.hidden.clone().requires_grad_();
  at::Tensor loss = distillation_loss(hidden, example.weight, example.teacher, example.mask,
                                      make_config(kind, tail))
                        .loss;
  loss.backward();
  return {loss.detach(), hidden.grad().view({4}), {}};
}

TEST(DistillLoss, HandComputedRestTail) {
  // forward KL = 0.5 ln(0.5/0.4) + 0.3 ln(0.3/0.2) + 0.2 ln(0.2/0.4)
  //            = 0.111572 + 0.121640 − 0.138629 = 0.0945819
  // (the full-vocabulary KL is 0.1233501: the rest bucket gives a lower bound).
  // ∂/∂s = q − p̃ with p̃ = (0.5, 0.2·0.3/0.4, 0.3, 0.2·0.1/0.4) = (0.5, 0.15, 0.3, 0.05):
  //      = (−0.1, 0.15, −0.1, 0.05).
  Grads fkl = hand_grads("forward_kl", "rest");
  EXPECT_NEAR(fkl.loss.item<double>(), 0.0945818719775651, 1e-12);
  EXPECT_LT(testing::max_abs_diff(fkl.hidden, at::tensor({-0.1, 0.15, -0.1, 0.05}, at::kDouble)),
            1e-12);
  // reverse KL R = 0.4 ln(0.4/0.5) + 0.2 ln(0.2/0.3) + 0.4 ln(0.4/0.2)
  //              = −0.089257 − 0.081093 + 0.277259 = 0.1069084.
  // ∂/∂s_v = q_v (lq_v − lp_v − R) on S, q_v (ln 0.4 − ln 0.2 − R) off S:
  //   s0: 0.4 (ln 0.8 − R) = −0.1320208    s1: 0.3 (ln 2 − R) = 0.1758716
  //   s2: 0.2 (ln(2/3) − R) = −0.1024747   s3: 0.1 (ln 2 − R) = 0.0586239
  Grads rkl = hand_grads("reverse_kl", "rest");
  EXPECT_NEAR(rkl.loss.item<double>(), 0.10690843007666134, 1e-12);
  EXPECT_LT(testing::max_abs_diff(rkl.hidden, at::tensor({-0.13202079255634844, 0.1758716251449852,
                                                          -0.10247470763696512, 0.0586238750483284},
                                                         at::kDouble)),
            1e-12);
  // JSD(0.5): m = (0.45, 0.25, 0.3);
  //   0.5 [0.5 ln(0.5/0.45) + 0.3 ln(0.3/0.25) + 0.2 ln(0.2/0.3)]
  // + 0.5 [0.4 ln(0.4/0.45) + 0.2 ln(0.2/0.25) + 0.4 ln(0.4/0.3)] = 0.0248073.
  EXPECT_NEAR(hand_grads("jsd", "rest").loss.item<double>(), 0.02480730385039185, 1e-12);
}

TEST(DistillLoss, HandComputedRenormalizeTail) {
  // p̂ = (0.5, 0.3)/0.8 = (0.625, 0.375); q̂ = (0.4, 0.2)/0.6 = (2/3, 1/3).
  // forward KL = 0.625 ln(0.625·1.5) + 0.375 ln(0.375·3) = −0.040337 + 0.044169 = 0.0038321;
  // ∂/∂s = q̂ − p̂ on S, 0 off S: (2/3 − 0.625, 0, 1/3 − 0.375, 0) = (1/24, 0, −1/24, 0).
  Grads fkl = hand_grads("forward_kl", "renormalize");
  EXPECT_NEAR(fkl.loss.item<double>(), 0.0038320626601618044, 1e-12);
  EXPECT_LT(
      testing::max_abs_diff(fkl.hidden, at::tensor({1.0 / 24, 0.0, -1.0 / 24, 0.0}, at::kDouble)),
      1e-12);
  // reverse KL = (2/3) ln((2/3)/0.625) + (1/3) ln((1/3)/0.375) = 0.0037647.
  EXPECT_NEAR(hand_grads("reverse_kl", "renormalize").loss.item<double>(), 0.0037646688729196034,
              1e-12);
  // JSD(0.5): m = (0.6458333, 0.3541667) -> 0.00094918.
  EXPECT_NEAR(hand_grads("jsd", "renormalize").loss.item<double>(), 0.0009491787649267315, 1e-12);
}

TEST(DistillLoss, StatsOfTheHandExample) {
  HandExample example;
  DistillLossResult result = distillation_loss(example.hidden, example.weight, example.teacher,
                                               example.mask, make_config("forward_kl", "rest"));
  EXPECT_EQ(result.stats.positions, 1);
  EXPECT_NEAR(result.stats.loss, 0.0945818719775651, 1e-12);
  EXPECT_NEAR(result.stats.teacher_topk_mass, 0.8, 1e-12);  // 0.5 + 0.3
  EXPECT_NEAR(result.stats.student_topk_mass, 0.6, 1e-12);  // 0.4 + 0.2
  EXPECT_EQ(result.stats.top1_agreement, 1.0);              // both rank id 0 first
  EXPECT_NEAR(result.per_position.item<double>(), 0.0945818719775651, 1e-12);
}

TEST(DistillLoss, ZeroWhenStudentEqualsTeacher) {
  at::manual_seed(7);
  at::Tensor hidden = at::randn({2, 3, 5}, at::kDouble);
  at::Tensor weight = at::randn({9, 5}, at::kDouble);
  at::Tensor mask = at::ones({2, 3}, at::kBool);
  for (int64_t k : {9, 4}) {  // K = V (empty rest) and K < V: the buckets match either way
    TeacherTopK teacher = teacher_topk_from_hidden(hidden, weight, k, 0.9, 4);
    for (const auto& kind : kKinds) {
      for (const auto& tail : kTails) {
        at::Tensor h = hidden.clone().requires_grad_(), w = weight.clone().requires_grad_();
        at::Tensor loss = distillation_loss(h, w, teacher, mask, make_config(kind, tail, 0.9)).loss;
        loss.backward();
        const std::string what = kind + "/" + tail + " K " + std::to_string(k);
        ASSERT_TRUE(std::isfinite(loss.item<double>())) << what;
        EXPECT_LT(std::abs(loss.item<double>()), 1e-12) << what;
        EXPECT_LT(h.grad().abs().max().item<double>(), 1e-12) << what;  // a minimum: ∇ = 0
        EXPECT_LT(w.grad().abs().max().item<double>(), 1e-12) << what;
      }
    }
  }
}

TEST(DistillLoss, FullVocabularyRestEqualsTheFullDivergence) {
  // K = V: the buckets are the whole vocabulary, so the loss is the exact full KL/JSD.
  Problem p = make_problem(at::kDouble, /*k=*/11, 1.0, 8);
  for (const auto& kind : kKinds) {
    DistillLossConfig config = make_config(kind, "rest");
    at::Tensor got = distillation_loss(p.hidden, p.weight, p.teacher, p.mask, config).loss;
    // The reference's rest bucket would be 1 − Σ = O(1e-16), not 0: compare with plain KL.
    at::Tensor logq = at::log_softmax(at::matmul(p.hidden, p.weight.t()), -1);
    at::Tensor logp = at::full_like(logq, 0).scatter(-1, p.teacher.ids, p.teacher.logprobs);
    at::Tensor q = logq.exp(), pp = logp.exp(), m = 0.5 * (q + pp);
    at::Tensor per = kind == "forward_kl"   ? (pp * (logp - logq)).sum(-1)
                     : kind == "reverse_kl" ? (q * (logq - logp)).sum(-1)
                                            : 0.5 * (pp * (logp - m.log())).sum(-1) +
                                                  0.5 * (q * (logq - m.log())).sum(-1);
    at::Tensor expected = per.masked_select(p.mask).mean();
    EXPECT_LT(testing::max_abs_diff(got, expected), 1e-12) << kind;
  }
}

TEST(DistillLoss, JsdIsSymmetricAtHalfAndMirrorsBeta) {
  // With K = V both sides are full distributions, so roles can be swapped exactly:
  // JSD_β(p, q) = JSD_{1−β}(q, p), and at β = 0.5 the two are the same number.
  at::manual_seed(9);
  at::Tensor ha = at::randn({2, 4, 5}, at::kDouble), hb = at::randn({2, 4, 5}, at::kDouble);
  at::Tensor weight = at::randn({7, 5}, at::kDouble);
  at::Tensor mask = at::ones({2, 4}, at::kBool);
  TeacherTopK ta = teacher_topk_from_hidden(ha, weight, 7, 1.0, 8);
  TeacherTopK tb = teacher_topk_from_hidden(hb, weight, 7, 1.0, 8);
  auto jsd = [&](const at::Tensor& student, const TeacherTopK& teacher, double beta) {
    return distillation_loss(student, weight, teacher, mask,
                             make_config("jsd", "rest", 1.0, 8, beta))
        .loss.item<double>();
  };
  const double ab = jsd(ha, tb, 0.5), ba = jsd(hb, ta, 0.5);
  EXPECT_GT(ab, 1e-3);  // the two distributions differ
  EXPECT_NEAR(ab, ba, 1e-12);
  EXPECT_NEAR(jsd(ha, tb, 0.3), jsd(hb, ta, 0.7), 1e-12);
  EXPECT_GT(std::abs(jsd(ha, tb, 0.3) - jsd(hb, ta, 0.3)), 1e-6);  // not symmetric off 0.5
}

TEST(DistillLoss, JsdEndpointsAreTheKls) {
  // TRL's generalized_jsd_loss convention: β = 0 is forward KL, β = 1 reverse KL.
  Problem p = make_problem(at::kDouble, 4, 1.0, 10);
  for (const auto& tail : kTails) {
    auto loss = [&](const std::string& kind, double beta) {
      return distillation_loss(p.hidden, p.weight, p.teacher, p.mask,
                               make_config(kind, tail, 1.0, 1024, beta))
          .loss.item<double>();
    };
    EXPECT_DOUBLE_EQ(loss("jsd", 0.0), loss("forward_kl", 0.5)) << tail;
    EXPECT_DOUBLE_EQ(loss("jsd", 1.0), loss("reverse_kl", 0.5)) << tail;
  }
}

TEST(DistillLoss, MaskExcludesPositions) {
  Problem p = make_problem(at::kDouble, 4, 1.0, 11);
  DistillLossConfig config = make_config("reverse_kl", "rest", 1.0, 3);
  Grads base = library_grads(p, config);
  // Garbage at the two excluded positions: huge hidden states and out-of-range ids. Neither
  // may change the loss, and their hidden gradients are exactly 0.
  Problem garbage = p;
  garbage.hidden = p.hidden.clone();
  garbage.hidden[0][4].fill_(1e6);
  garbage.hidden[1][0].fill_(-1e6);
  garbage.teacher.ids = p.teacher.ids.clone();
  garbage.teacher.ids[0][4].fill_(999);
  Grads got = library_grads(garbage, config);
  EXPECT_DOUBLE_EQ(got.loss.item<double>(), base.loss.item<double>());
  EXPECT_EQ(got.hidden[0][4].abs().max().item<double>(), 0.0);
  EXPECT_EQ(got.hidden[1][0].abs().max().item<double>(), 0.0);
  EXPECT_LT(testing::max_abs_diff(got.weight, base.weight), 1e-12);
  DistillLossResult result =
      distillation_loss(garbage.hidden, garbage.weight, garbage.teacher, garbage.mask, config);
  EXPECT_EQ(result.stats.positions, 8);
  EXPECT_EQ(result.per_position[0][4].item<double>(), 0.0);
  // The loss is the mean over the 8 counted positions of per_position.
  EXPECT_NEAR(result.per_position.sum().item<double>() / 8, base.loss.item<double>(), 1e-12);
  // Nothing counted: loss 0, and backward still runs (zero gradients).
  at::Tensor hidden = p.hidden.clone().requires_grad_();
  at::Tensor none = at::zeros_like(p.mask);
  DistillLossResult empty = distillation_loss(hidden, p.weight, p.teacher, none, config);
  EXPECT_EQ(empty.loss.item<double>(), 0.0);
  EXPECT_EQ(empty.stats.positions, 0);
  empty.loss.backward();
  EXPECT_EQ(hidden.grad().abs().max().item<double>(), 0.0);
}

TEST(DistillLoss, ChunkSizeDoesNotChangeResults) {
  Problem p = make_problem(at::kFloat, 3, 1.0, 12);  // 8 counted positions
  for (const auto& kind : kKinds) {
    for (const auto& tail : kTails) {
      Grads reference = library_grads(p, make_config(kind, tail, 1.0, 1024));
      for (int64_t chunk : {1, 3, 8, 9}) {
        // Per-row math is identical; only GEMM blocking and the weight-gradient sum order
        // change, i.e. fp32 rounding (~1e-7 of O(1) values).
        expect_close(library_grads(p, make_config(kind, tail, 1.0, chunk)), reference, 1e-6,
                     kind + "/" + tail + " chunk " + std::to_string(chunk));
      }
    }
  }
}

TEST(DistillLoss, NoGradForwardEqualsTrackedForward) {
  Problem p = make_problem(at::kFloat, 3, 1.0, 13);
  for (const auto& kind : kKinds) {
    DistillLossConfig config = make_config(kind, "rest", 1.0, 4);
    at::Tensor plain = distillation_loss(p.hidden, p.weight, p.teacher, p.mask, config).loss;
    EXPECT_FALSE(plain.requires_grad());
    at::Tensor tracked =
        distillation_loss(p.hidden.clone().requires_grad_(), p.weight, p.teacher, p.mask, config)
            .loss;
    EXPECT_TRUE(tracked.requires_grad());
    EXPECT_EQ(plain.item<float>(), tracked.item<float>()) << kind;
  }
}

TEST(DistillLoss, WeightOnlyGradient) {
  // A frozen trunk (hidden without grad) still trains the LM head; no hidden grad is formed.
  Problem p = make_problem(at::kDouble, 4, 1.0, 14);
  DistillLossConfig config = make_config("jsd", "rest", 1.0, 3);
  at::Tensor weight = p.weight.clone().requires_grad_();
  distillation_loss(p.hidden, weight, p.teacher, p.mask, config).loss.backward();
  EXPECT_LT(testing::max_abs_diff(weight.grad(), naive_grads(p, config).weight), 1e-9);
}

TEST(DistillLoss, Bf16FollowsFp32) {
  Problem p = make_problem(at::kFloat, 3, 1.0, 15);
  Problem low = p;
  low.hidden = p.hidden.to(at::kBFloat16);
  low.weight = p.weight.to(at::kBFloat16);
  for (const auto& kind : kKinds) {
    DistillLossConfig config = make_config(kind, "rest", 1.0, 4);
    Grads got = library_grads(low, config);
    EXPECT_EQ(got.loss.scalar_type(), at::kFloat);  // softmax math in fp32
    EXPECT_EQ(got.hidden.scalar_type(), at::kBFloat16);
    // The fp32 loss of the same (bf16-rounded) inputs: bf16 logits carry ~3 significant digits.
    Problem rounded = p;
    rounded.hidden = low.hidden.to(at::kFloat);
    rounded.weight = low.weight.to(at::kFloat);
    Grads expected = library_grads(rounded, config);
    EXPECT_NEAR(got.loss.item<double>(), expected.loss.item<double>(),
                2e-2 * std::max(1.0, expected.loss.item<double>()))
        << kind;
    EXPECT_LT(testing::max_abs_diff(got.hidden, expected.hidden), 2e-2) << kind;
  }
}

TEST(DistillLoss, RejectsBadInput) {
  Problem p = make_problem(at::kFloat, 3, 1.0, 16);
  DistillLossConfig config = make_config("forward_kl", "rest");
  TeacherTopK bad = p.teacher;
  bad.ids = p.teacher.ids.clone();
  bad.ids[0][0][0] = 11;  // V = 11
  EXPECT_THROW(distillation_loss(p.hidden, p.weight, bad, p.mask, config), DataError);
  bad.ids = p.teacher.ids.clone();
  bad.ids[0][0][1] = bad.ids[0][0][0].item<int64_t>();
  EXPECT_THROW(distillation_loss(p.hidden, p.weight, bad, p.mask, config), DataError);
  TeacherTopK no_rest = p.teacher;
  no_rest.rest_logprobs = at::Tensor();
  EXPECT_THROW(distillation_loss(p.hidden, p.weight, no_rest, p.mask, config), c10::Error);
  EXPECT_NO_THROW(distillation_loss(p.hidden, p.weight, no_rest, p.mask,
                                    make_config("forward_kl", "renormalize")));
  EXPECT_THROW(distillation_loss(p.hidden, p.weight, p.teacher, p.mask.to(at::kFloat), config),
               c10::Error);
  EXPECT_THROW(distillation_loss(p.hidden, p.weight, p.teacher, p.mask, make_config("kl", "rest")),
               ConfigError);
  EXPECT_THROW(distillation_loss(p.hidden, p.weight, p.teacher, p.mask, make_config("jsd", "drop")),
               ConfigError);
  EXPECT_THROW(distillation_loss(p.hidden, p.weight, p.teacher, p.mask,
                                 make_config("jsd", "rest", 1.0, 1024, 1.5)),
               ConfigError);
  EXPECT_THROW(
      distillation_loss(p.hidden, p.weight, p.teacher, p.mask, make_config("jsd", "rest", 0.0)),
      ConfigError);
}

TEST(DistillLoss, KindAndTailNamesRoundTrip) {
  for (const auto& kind : kKinds) EXPECT_EQ(distill_kind_name(parse_distill_kind(kind)), kind);
  for (const auto& tail : kTails) EXPECT_EQ(distill_tail_name(parse_distill_tail(tail)), tail);
}

TEST(DistillLoss, ConfigReadsFromYamlAndRejectsBadValues) {
  const YamlOrigin origin("distill.yaml");
  DistillLossConfig config = from_yaml<DistillLossConfig>(
      parse_yaml("kind: jsd\njsd_beta: 0.9\ntail: renormalize\nchunk_rows: 256\n", "distill.yaml"),
      origin);
  EXPECT_EQ(config.kind, "jsd");
  EXPECT_EQ(config.jsd_beta, 0.9);
  EXPECT_EQ(config.tail, "renormalize");
  EXPECT_EQ(config.chunk_rows, 256);
  EXPECT_EQ(config.temperature, 1.0);  // the default stays
  EXPECT_EQ(from_yaml<DistillLossConfig>(parse_yaml(to_yaml(config), "round"), origin), config);
  for (const char* bad : {"kind: kl\n", "jsd_beta: 1.5\n", "temperature: 0\n", "chunk_rows: 0\n",
                          "tail: drop\n", "top_k: 5\n"}) {
    EXPECT_THROW(from_yaml<DistillLossConfig>(parse_yaml(bad, "distill.yaml"), origin), ConfigError)
        << bad;
  }
}

}  // namespace
}  // namespace r1forge
