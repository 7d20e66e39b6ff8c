// The teacher's side of logit distillation: for every position, its K most likely next tokens
// and their log-probabilities under the full-vocabulary softmax at a temperature, plus the
// log of the probability left outside those K (the "rest" bucket rl/distill_loss.h uses).
// Rows (positions) go in chunks of C under no-grad, so only [C, V] logits ever exist, never
// [N, T, V]. Right-padded batches need no mask (see model/transformer.h); padding positions
// get top-k entries like any other and the loss's mask drops them.
// Not here: the loss (rl/distill_loss.h), storing top-k to disk, the student side.
// Shapes: N rows, T positions, E width, V vocab, K kept ids, C chunk rows, M = N·T.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "r1forge/model/transformer.h"

namespace r1forge {

// Constants for the loss (no autograd history). Log-probs are fp32, fp64 for fp64 models.
struct TeacherTopK {
  at::Tensor ids;            // [N, T, K] int64, by descending teacher probability; distinct
  at::Tensor logprobs;       // [N, T, K] log p(id) of softmax(logits / temperature) over all V
  at::Tensor rest_logprobs;  // [N, T] log Σ_{v ∉ top-k} p(v), formed as a logsumexp over the
                             // other V − K log-probs (no 1 − Σ cancellation); −inf when K = V
};

// Runs the teacher on right-padded `input_ids` [N, T] int64 (moved to the teacher's device) and
// returns its top-k at `temperature` for every position: the distribution over the token that
// follows position t. k in [1, V]; temperature > 0; chunk_rows > 0 bounds the [C, V] buffers.
// The full-model forward holds [N, T, E] hidden states, as any forward does.
TeacherTopK teacher_topk(Transformer& teacher,
                         const at::Tensor& input_ids,
                         int64_t k,
                         double temperature,
                         int64_t chunk_rows = 1024);

// The same from final-normed hidden states [N, T, E] and the output embedding [V, E] (the
// teacher's LM head): what teacher_topk does after its forward; also for hidden states
// computed elsewhere. Runs under no-grad whatever the inputs' requires_grad.
TeacherTopK teacher_topk_from_hidden(const at::Tensor& hidden,
                                     const at::Tensor& output_embedding,
                                     int64_t k,
                                     double temperature,
                                     int64_t chunk_rows = 1024);

}  // namespace r1forge
