// Golden tests: r1forge's transformer against PyTorch + transformers (scripts/make_golden.py
// writes tests/golden/<model>/: an HF folder saved by transformers plus golden.safetensors).
// Tolerances: logits 1e-5 absolute (fp32; the only differences are summation order inside the
// matmuls, ~1e-7 here); gradients 1e-4 relative to each tensor's largest entry.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "r1forge/model/hf_io.h"
#include "r1forge/model/layers.h"
#include "r1forge/model/safetensors.h"
#include "test_util.h"

namespace r1forge {
namespace {

class GoldenModel : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    folder_ = testing::source_dir() / "tests" / "golden" / GetParam();
    safetensors::SafetensorsFile file(folder_ / "golden.safetensors");
    for (const auto& name : file.names()) golden_[name] = file.tensor(name);
  }
  std::filesystem::path folder_;
  std::map<std::string, at::Tensor> golden_;
};

TEST_P(GoldenModel, LogitsMatchTransformers) {
  Transformer model = load_model(folder_);
  at::NoGradGuard no_grad;
  at::Tensor logits = model->forward({golden_.at("ids")});
  EXPECT_LT(testing::max_abs_diff(logits, golden_.at("logits")), 1e-5);
}

TEST_P(GoldenModel, LeftPaddedLogitsMatchTransformers) {
  Transformer model = load_model(folder_);
  at::NoGradGuard no_grad;
  at::Tensor mask = golden_.at("padded_mask").to(at::kBool);
  ForwardInputs inputs{golden_.at("padded_ids"), golden_.at("padded_positions"), mask};
  at::Tensor logits = model->forward(inputs);
  // Padding positions hold garbage by design; compare the real ones.
  at::Tensor real = mask.unsqueeze(-1).expand_as(logits);
  EXPECT_LT(testing::max_abs_diff(logits.masked_select(real),
                                  golden_.at("padded_logits").masked_select(real)),
            1e-5);
  // And the positions helper reproduces the oracle's position ids.
  EXPECT_TRUE(positions_from_mask(mask).equal(golden_.at("padded_positions")));
}

void expect_gradients_match(Transformer& model,
                            const std::map<std::string, at::Tensor>& golden,
                            bool checkpointing) {
  model->set_gradient_checkpointing(checkpointing);
  model->zero_grad();
  const at::Tensor& ids = golden.at("ids");
  at::Tensor logits = model->forward({ids});
  const int64_t vocab = logits.size(-1);
  at::Tensor loss =
      at::cross_entropy_loss(logits.narrow(1, 0, ids.size(1) - 1).reshape({-1, vocab}),
                             ids.narrow(1, 1, ids.size(1) - 1).reshape({-1}));
  EXPECT_NEAR(loss.item<double>(), golden.at("loss").item<double>(), 1e-5);
  loss.backward();
  int checked = 0;
  for (const auto& [name, gradient] : hf_named_tensors(model, /*gradients=*/true)) {
    const at::Tensor& reference = golden.at("grad." + name);
    double scale = reference.abs().max().item<double>();
    EXPECT_LE(testing::max_abs_diff(gradient, reference), 1e-4 * scale + 1e-9)
        << name << (checkpointing ? " (checkpointed)" : "");
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST_P(GoldenModel, GradientsMatchTransformers) {
  Transformer model = load_model(folder_);
  expect_gradients_match(model, golden_, /*checkpointing=*/false);
}

TEST_P(GoldenModel, CheckpointedGradientsMatchTransformers) {
  Transformer model = load_model(folder_);
  expect_gradients_match(model, golden_, /*checkpointing=*/true);
}

TEST_P(GoldenModel, CheckpointingIsBitwiseIdenticalToPlainBackward) {
  Transformer model = load_model(folder_);
  const at::Tensor& ids = golden_.at("ids");
  std::vector<at::Tensor> plain, checkpointed;
  for (bool checkpointing : {false, true}) {
    model->set_gradient_checkpointing(checkpointing);
    model->zero_grad();
    model->forward({ids}).pow(2).mean().backward();
    auto& out = checkpointing ? checkpointed : plain;
    for (auto& parameter : model->parameters()) out.push_back(parameter.grad().clone());
  }
  ASSERT_EQ(plain.size(), checkpointed.size());
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(plain[i].equal(checkpointed[i])) << i;
}

INSTANTIATE_TEST_SUITE_P(Models,
                         GoldenModel,
                         ::testing::Values("tiny_qwen2", "tiny_llama", "tiny_qwen3"));

}  // namespace
}  // namespace r1forge
