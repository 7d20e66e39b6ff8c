// A training checkpoint's contents (pipeline/training_state.h) round-trip bit for bit: the
// weights, the AdamW state and counters, the reference policy, the progress JSON, and the CPU
// generator (the next random numbers after a restore are the ones the saver would have drawn);
// the CUDA generator too on a GPU machine.
#include <ATen/Context.h>
#include <gtest/gtest.h>

#include "pipeline/tiny_model.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/training_state.h"
#include "test_util.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

// One AdamW step on a squared-output loss, so the optimizer has state to save.
void train_one_step(StageModel& model, Optimizer& optimizer) {
  ForwardInputs inputs;
  inputs.input_ids = at::arange(1, 9, at::kLong).view({1, 8});
  inputs.positions = at::arange(0, 8, at::kLong).view({1, 8});
  model.model->hidden_states(inputs).pow(2).mean().backward();
  ASSERT_TRUE(optimizer.step().applied);
}

class TrainingStateTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_tiny_model_folder(dir_ / "init"); }
  StageModel load() {
    Config config =
        load_config_text("model: {init: " + (dir_ / "init").string() +
                             "}\nstages:\n  - {name: s, type: sft, sft: {data: {path: x.jsonl}}}\n",
                         "x.yaml");
    return load_stage_model(config, config.stages[0]);
  }
  testing::TempDir dir_;
};

TEST_F(TrainingStateTest, EverythingComesBackBitForBit) {
  StageModel saver = load();
  Optimizer saver_optimizer(*saver.model, OptimizerConfig{}, 10);
  train_one_step(saver, saver_optimizer);
  train_one_step(saver, saver_optimizer);
  Transformer reference = clone_model(saver.model);
  {
    at::NoGradGuard no_grad;
    for (auto& parameter : reference->parameters()) parameter.add_(0.5);  // a reset reference
  }
  at::manual_seed(1234);
  at::randn({3});  // move the generator off its seed
  TrainingState state;
  state.step = 2;
  state.progress = {{"epoch", 1}, {"position", 3}};
  state.stage_config = "sft: {}\n";
  fs::create_directories(dir_ / "ckpt");
  write_training_state(dir_ / "ckpt", saver, saver_optimizer, &reference, state);
  const at::Tensor expected_draw = at::randn({5});  // what the saver draws next

  at::manual_seed(99);  // the restorer's generator is elsewhere
  StageModel restorer = load();
  Optimizer restorer_optimizer(*restorer.model, OptimizerConfig{}, 10);
  Transformer restored_reference = clone_model(restorer.model);
  TrainingState loaded =
      read_training_state(dir_ / "ckpt", restorer, restorer_optimizer, &restored_reference);
  EXPECT_TRUE(at::equal(at::randn({5}), expected_draw));
  EXPECT_EQ(loaded.step, 2);
  EXPECT_EQ(loaded.progress, state.progress);
  EXPECT_EQ(loaded.stage_config, state.stage_config);
  EXPECT_EQ(restorer_optimizer.steps_taken(), 2);
  auto a = hf_named_tensors(saver.model), b = hf_named_tensors(restorer.model);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(at::equal(a[i].second, b[i].second)) << a[i].first;
  auto r = hf_named_tensors(reference), q = hf_named_tensors(restored_reference);
  for (size_t i = 0; i < r.size(); ++i)
    EXPECT_TRUE(at::equal(r[i].second, q[i].second)) << r[i].first;
  // The next step is the same step: moments and step counts came back too.
  train_one_step(saver, saver_optimizer);
  train_one_step(restorer, restorer_optimizer);
  a = hf_named_tensors(saver.model);
  b = hf_named_tensors(restorer.model);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_TRUE(at::equal(a[i].second, b[i].second)) << a[i].first;
  // The checkpoint folder is itself a model folder.
  Transformer as_init = load_model(dir_ / "ckpt");
  EXPECT_EQ(as_init->config().hidden_size, saver.model->config().hidden_size);
  EXPECT_GT(estimated_checkpoint_bytes(saver.model, true),
            estimated_checkpoint_bytes(saver.model, false));
}

TEST_F(TrainingStateTest, CudaGeneratorComesBack_CUDA) {
  R1F_REQUIRE_CUDA();
  StageModel model = load();
  Optimizer optimizer(*model.model, OptimizerConfig{}, 10);
  torch::cuda::manual_seed_all(7);
  at::randn({3}, at::kCUDA);
  fs::create_directories(dir_ / "ckpt");
  write_training_state(dir_ / "ckpt", model, optimizer, nullptr, TrainingState{});
  const at::Tensor expected = at::randn({4}, at::kCUDA).cpu();
  torch::cuda::manual_seed_all(8);
  read_training_state(dir_ / "ckpt", model, optimizer, nullptr);
  EXPECT_TRUE(at::equal(at::randn({4}, at::kCUDA).cpu(), expected));
}

}  // namespace
}  // namespace r1forge
