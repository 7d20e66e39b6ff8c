// The distillation loss against TRL's GKDTrainer.generalized_jsd_loss: the fixture
// tests/golden/distill/trl_generalized_jsd.json (tests/rl/make_distill_fixtures.py, float64)
// holds student and teacher logits, a mask, β (0 = forward KL, 1 = reverse KL), τ, TRL's loss
// and its gradient w.r.t. the student logits. With K = V the rest bucket is empty, so r1forge's
// loss is the full-vocabulary divergence TRL computes; with W = I the hidden states are the
// logits, so the hidden gradient is the logit gradient.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "r1forge/core/fs.h"
#include "r1forge/rl/distill_loss.h"
#include "r1forge/rl/teacher_topk.h"
#include "test_util.h"

namespace r1forge {
namespace {

// A nested JSON array of numbers [N][T][V] or [N][T] -> fp64 tensor of that shape.
at::Tensor tensor_from(const nlohmann::json& value) {
  std::vector<int64_t> shape;
  for (const nlohmann::json* level = &value; level->is_array(); level = &level->at(0)) {
    shape.push_back(static_cast<int64_t>(level->size()));
  }
  std::vector<double> flat;
  auto collect = [&](auto&& self, const nlohmann::json& node) -> void {
    if (node.is_array()) {
      for (const auto& item : node) self(self, item);
    } else {
      flat.push_back(node.is_boolean() ? (node.get<bool>() ? 1.0 : 0.0) : node.get<double>());
    }
  };
  collect(collect, value);
  return at::tensor(flat, at::kDouble).view(shape);
}

TEST(DistillLoss, MatchesTrlGeneralizedJsdFixture) {
  const auto path = testing::source_dir() / "tests/golden/distill/trl_generalized_jsd.json";
  const nlohmann::json fixture = nlohmann::json::parse(read_file(path));
  int cases = 0;
  for (const nlohmann::json& item : fixture.at("cases")) {
    const double beta = item.at("beta"), temperature = item.at("temperature");
    at::Tensor student = tensor_from(item.at("student_logits"));  // [N, T, V]
    at::Tensor teacher_logits = tensor_from(item.at("teacher_logits"));
    at::Tensor mask = tensor_from(item.at("mask")).to(at::kBool);  // [N, T]
    const int64_t v = student.size(2);
    at::Tensor identity = at::eye(v, at::kDouble);
    TeacherTopK teacher =
        teacher_topk_from_hidden(teacher_logits, identity, /*k=*/v, temperature, /*chunk_rows=*/4);
    DistillLossConfig config;
    config.kind = "jsd";
    config.jsd_beta = beta;
    config.temperature = temperature;
    config.chunk_rows = 4;  // 6 positions, 4 counted: chunks of 4 and (none or) fewer
    at::Tensor hidden = student.clone().requires_grad_();
    at::Tensor loss = distillation_loss(hidden, identity, teacher, mask, config).loss;
    loss.backward();
    // float64 on both sides; only summation order and log-space forms differ.
    EXPECT_NEAR(loss.item<double>(), item.at("loss").get<double>(), 1e-12) << "beta " << beta;
    EXPECT_LT(testing::max_abs_diff(hidden.grad(), tensor_from(item.at("grad_student_logits"))),
              1e-12)
        << "beta " << beta;
    ++cases;
  }
  EXPECT_EQ(cases, 5);
}

}  // namespace
}  // namespace r1forge
