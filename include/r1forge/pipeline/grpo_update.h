// The optimisation half of a GRPO step: num_iterations passes over the rollout batch, each
// split into mini-batches (one optimizer step each) of micro-batches (one forward/backward
// each, gradients accumulated), with the policy loss of rl/policy_loss.h. Also the no-grad
// log-prob pass used for reference (and, on request, old-policy) log-probs.
// Shapes: N rows, L longest completion.
// Not here: rollouts and rewards (grpo_rollouts.h), advantages, the stage loop.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "r1forge/model/transformer.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/rl/policy_loss.h"
#include "r1forge/rl/rollout.h"

namespace r1forge {

struct PolicyUpdateConfig {
  PolicyLossConfig loss;
  int64_t num_iterations = 1;     // mu
  int64_t mini_batch_size = 0;    // rows per optimizer step; 0 = all N
  int64_t micro_batch_size = 16;  // rows per forward/backward
  double temperature = 1.0;       // log-probs under logits / temperature, as sampled
  int64_t chunk_rows = 1024;      // log-softmax chunk
  bool shared_prompts = true;     // each prompt's positions computed once per micro-batch
};

struct PolicyUpdateInputs {
  at::Tensor advantages;    // [N] fp32
  at::Tensor old_logprobs;  // [N, L] fp32; undefined = exactly on-policy (logp.detach())
  at::Tensor ref_logprobs;  // [N, L] fp32; undefined unless beta > 0
};

// What one update_policy call did, for the step's metrics line.
struct PolicyUpdateStats {
  int64_t optimizer_steps = 0;
  int64_t skipped_steps = 0;   // non-finite gradient: update skipped
  double grad_norm = 0.0;      // mean over applied steps (pre-clip)
  double learning_rate = 0.0;  // of the last step
  // The loss of each optimizer step (applied or skipped), averaged over them: per step, the
  // sum over its micro-batches of the loss each backpropagates (policy + KL in the loss −
  // entropy bonus), i.e. the objective whose gradient the step takes (TRL's logged `loss`).
  // The same for any micro_batch_size wherever the objective is (grpo, dr_grpo, dapo).
  double step_loss = 0.0;
  // Clip ratios, kl, entropy and ratios: token-weighted means over the micro-batches of all
  // passes (ratio_max = max). policy_loss: step_loss without the entropy bonus, averaged over
  // the optimizer steps in the same way (TRL's `policy_loss`).
  PolicyLossStats loss;
};

PolicyUpdateStats update_policy(Transformer& policy,
                                Optimizer& optimizer,
                                const RolloutBatch& batch,
                                const PolicyUpdateInputs& inputs,
                                const PolicyUpdateConfig& config);

// Positions one forward over `batch` in micro-batches of `micro_batch_size` rows computes
// (within mini-batches of `mini_batch_size`, 0 = all rows): every completion token, and each
// prompt token once per micro-batch holding its prompt when `shared_prompts`, else once per
// row. For MFU: the update's and the scoring passes' model FLOPs.
int64_t positions_per_pass(const RolloutBatch& batch,
                           int64_t micro_batch_size,
                           int64_t mini_batch_size,
                           bool shared_prompts);

// Log-probs [N, L] fp32 (CPU) of the completion tokens under `model`, no gradient, in
// micro-batches of `micro_batch_size` rows (each prompt once per micro-batch when
// `shared_prompts`).
at::Tensor score_completions(Transformer& model,
                             const RolloutBatch& batch,
                             int64_t micro_batch_size,
                             double temperature,
                             int64_t chunk_rows,
                             bool shared_prompts);

}  // namespace r1forge
