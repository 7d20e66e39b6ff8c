// Test-only driver for tests/python/check_real_models.py: one real training step on an HF
// model folder, then the folder r1forge saves, checked against transformers by the script.
//
//   train_step_tool IN OUT PROBE [MAX_SHARD_BYTES]
// loads IN (fp32), takes one AdamW step (r1forge's Optimizer, lr 1e-2) on the mean next-token
// cross-entropy of fixed random ids, saves the stepped model to OUT (save_model, sharded when
// MAX_SHARD_BYTES is small) and writes PROBE (safetensors): `ids` [2, 12] int64 and `logits`
// [2, 12, V] fp32, the stepped in-memory model's logits on those ids.
// Not part of the r1forge binary; exits 1 with the error message on any failure.
#include <ATen/ATen.h>

#include <iostream>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/safetensors.h"
#include "r1forge/optim/optimizer.h"

namespace {

using namespace r1forge;

int run(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: train_step_tool IN OUT PROBE [MAX_SHARD_BYTES]\n";
    return 2;
  }
  Transformer model = load_model(argv[1]);
  const int64_t vocab = model->config().vocab_size;
  at::manual_seed(11);
  at::Tensor train_ids = at::randint(vocab, {3, 16}, at::kLong);  // [N, T]
  at::Tensor probe_ids = at::randint(vocab, {2, 12}, at::kLong);

  OptimizerConfig config;
  config.learning_rate = 1e-2;  // large, so the step moves every weight visibly
  config.max_grad_norm = 0.0;
  Optimizer optimizer(*model, config, /*total_steps=*/1);
  at::Tensor logits = model->forward({.input_ids = train_ids});  // [N, T, V]
  at::Tensor loss = at::cross_entropy_loss(logits.narrow(1, 0, 15).reshape({-1, vocab}),
                                           train_ids.narrow(1, 1, 15).reshape({-1}));
  loss.backward();
  StepResult step = optimizer.step();
  R1F_CHECK(step.applied, "the training step was skipped (non-finite gradient)");

  ModelSaveOptions save_options;
  if (argc == 5) save_options.max_shard_bytes = std::stoll(argv[4]);
  save_model(model, argv[2], save_options);
  at::Tensor probe_logits;
  {
    at::NoGradGuard no_grad;
    probe_logits = model->forward({.input_ids = probe_ids});
  }
  safetensors::save_file(argv[3], {{"ids", probe_ids}, {"logits", probe_logits.contiguous()}});
  std::cout << "loss " << loss.item<double>() << " grad_norm " << step.grad_norm << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const r1forge::Error& error) {
    std::cerr << "train_step_tool: " << error.what() << "\n";
    return 1;
  }
}
