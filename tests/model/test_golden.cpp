// Golden tests: r1forge's transformer against PyTorch + transformers (scripts/make_golden.py
// writes tests/golden/<model>/: an HF folder saved by transformers plus golden.safetensors).
// Tolerances: logits 1e-5 absolute (fp32; the only differences are summation order inside the
// matmuls, ~1e-7 here); gradients 1e-4 relative to each tensor's largest entry. Each test runs
// on the CPU and on CUDA (device_test_util.h: x4 there for cuBLAS's summation order).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "device_test_util.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/layers.h"
#include "r1forge/model/safetensors.h"
#include "test_util.h"

namespace r1forge {
namespace {

// (model folder under tests/golden, device)
class GoldenModel : public ::testing::TestWithParam<std::tuple<std::string, at::Device>> {
 protected:
  void SetUp() override {
    R1F_SKIP_UNLESS_AVAILABLE(device());
    folder_ = testing::source_dir() / "tests" / "golden" / std::get<0>(GetParam());
    safetensors::SafetensorsFile file(folder_ / "golden.safetensors");
    for (const auto& name : file.names()) golden_[name] = file.tensor(name).to(device());
  }
  at::Device device() const { return std::get<1>(GetParam()); }
  Transformer load() const { return load_model(folder_, {.device = device()}); }
  double tolerance(double cpu_bound) const {
    return testing::device_tolerance(cpu_bound, device());
  }
  std::filesystem::path folder_;
  std::map<std::string, at::Tensor> golden_;
};

TEST_P(GoldenModel, LogitsMatchTransformers) {
  Transformer model = load();
  at::NoGradGuard no_grad;
  at::Tensor logits = model->forward({golden_.at("ids")});
  EXPECT_EQ(logits.device(), device());
  EXPECT_LT(testing::max_abs_diff(logits, golden_.at("logits")), tolerance(1e-5));
}

TEST_P(GoldenModel, LeftPaddedLogitsMatchTransformers) {
  Transformer model = load();
  at::NoGradGuard no_grad;
  at::Tensor mask = golden_.at("padded_mask").to(at::kBool);
  ForwardInputs inputs{golden_.at("padded_ids"), golden_.at("padded_positions"), mask};
  at::Tensor logits = model->forward(inputs);
  // Padding positions hold garbage by design; compare the real ones.
  at::Tensor real = mask.unsqueeze(-1).expand_as(logits);
  EXPECT_LT(testing::max_abs_diff(logits.masked_select(real),
                                  golden_.at("padded_logits").masked_select(real)),
            tolerance(1e-5));
  // And the positions helper reproduces the oracle's position ids.
  EXPECT_TRUE(positions_from_mask(mask).equal(golden_.at("padded_positions")));
}

void expect_gradients_match(Transformer& model,
                            const std::map<std::string, at::Tensor>& golden,
                            bool checkpointing,
                            const at::Device& device) {
  model->set_gradient_checkpointing(checkpointing);
  model->zero_grad();
  const at::Tensor& ids = golden.at("ids");
  at::Tensor logits = model->forward({ids});
  const int64_t vocab = logits.size(-1);
  at::Tensor loss =
      at::cross_entropy_loss(logits.narrow(1, 0, ids.size(1) - 1).reshape({-1, vocab}),
                             ids.narrow(1, 1, ids.size(1) - 1).reshape({-1}));
  EXPECT_NEAR(loss.item<double>(), golden.at("loss").item<double>(),
              testing::device_tolerance(1e-5, device));
  loss.backward();
  int checked = 0;
  for (const auto& [name, gradient] : hf_named_tensors(model, /*gradients=*/true)) {
    const at::Tensor& reference = golden.at("grad." + name);
    double scale = reference.abs().max().item<double>();
    EXPECT_LE(testing::max_abs_diff(gradient, reference),
              testing::device_tolerance(1e-4, device) * scale + 1e-9)
        << name << (checkpointing ? " (checkpointed)" : "");
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST_P(GoldenModel, GradientsMatchTransformers) {
  Transformer model = load();
  expect_gradients_match(model, golden_, /*checkpointing=*/false, device());
}

TEST_P(GoldenModel, CheckpointedGradientsMatchTransformers) {
  Transformer model = load();
  expect_gradients_match(model, golden_, /*checkpointing=*/true, device());
}

// Bitwise on the CPU; on CUDA to fp32 rounding, since the embedding's backward there
// accumulates with atomics whose order varies between runs.
TEST_P(GoldenModel, CheckpointingIsBitwiseIdenticalToPlainBackward) {
  Transformer model = load();
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
  for (size_t i = 0; i < plain.size(); ++i) {
    if (device().is_cpu()) {
      EXPECT_TRUE(plain[i].equal(checkpointed[i])) << i;
    } else {
      const double scale = plain[i].abs().max().item<double>();
      EXPECT_LE(testing::max_abs_diff(plain[i], checkpointed[i]), 1e-6 * scale + 1e-12) << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models,
    GoldenModel,
    ::testing::Combine(::testing::Values("tiny_qwen2", "tiny_llama", "tiny_qwen3"),
                       ::testing::ValuesIn(testing::test_devices())),
    [](const auto& info) {
      return std::get<0>(info.param) + "_" + testing::device_label(std::get<1>(info.param));
    });

}  // namespace
}  // namespace r1forge
