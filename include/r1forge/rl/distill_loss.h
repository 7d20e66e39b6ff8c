// Logit-distillation losses between a student and a teacher's top-k (rl/teacher_topk.h):
// forward KL, reverse KL and generalised JSD, over the teacher's K ids plus a tail rule.
//
// Per counted position, with student q = softmax(h·Wᵀ/τ) over all V and teacher log-probs ℓ
// on its top-k set S, both sides are reduced to the same few buckets b, then
//   forward_kl  KL(p‖q) = Σ_b p_b log(p_b/q_b)                   (mode covering: standard KD)
//   reverse_kl  KL(q‖p) = Σ_b q_b log(q_b/p_b)                   (mode seeking: MiniLLM, GKD)
//   jsd         β KL(p‖m) + (1−β) KL(q‖m),  m = β p + (1−β) q    (GKD eq. 1; TRL's
//               generalized_jsd_loss: β = 0 is forward KL, β = 1 reverse KL, 0.5 symmetric)
// Tails (docs/distill.md says when to pick which):
//   rest         buckets S ∪ {rest}: p_rest = teacher.rest_logprobs, q_rest = Σ_{v∉S} q_v. A
//                coarsening of both full distributions: 0 ≤ loss ≤ the full-vocabulary
//                divergence, equal to it at K = V, and the student is charged for mass
//                it puts outside S. The default.
//   renormalize  buckets S: p̂ = p_S/Σ_S p, q̂ = q_S/Σ_S q. Only the shape inside S counts;
//                the student's mass outside S is free (a student with 90% elsewhere can
//                score 0).
// The loss is the mean over counted positions; no τ² factor (multiply yourself for Hinton's
// gradient scale). Not here: teacher inference (rl/teacher_topk.h), the training stage.
// Shapes: N rows, T positions, E width, V vocab, K teacher ids, C chunk rows.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/rl/teacher_topk.h"

namespace r1forge {

enum class DistillKind { FORWARD_KL, REVERSE_KL, JSD };
enum class DistillTail { REST, RENORMALIZE };

// "forward_kl" | "reverse_kl" | "jsd"; ConfigError naming the valid values otherwise.
DistillKind parse_distill_kind(std::string_view name);
std::string_view distill_kind_name(DistillKind kind);
// "rest" | "renormalize".
DistillTail parse_distill_tail(std::string_view name);
std::string_view distill_tail_name(DistillTail tail);

struct DistillLossConfig {
  std::string kind = "forward_kl";  // forward_kl | reverse_kl | jsd
  double jsd_beta = 0.5;            // β of jsd: weight of the teacher in the mixture m
  double temperature = 1.0;         // student logits / τ; use the τ teacher_topk ran at
  int64_t chunk_rows = 1024;        // positions per chunk; bounds the [C, V] buffers
  std::string tail = "rest";        // rest | renormalize: the mass outside the teacher's top-k

  bool operator==(const DistillLossConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("kind", kind, "divergence: forward_kl (KD), reverse_kl (MiniLLM), jsd (GKD)",
            OneOf{"forward_kl", "reverse_kl", "jsd"});
    v.field("jsd_beta", jsd_beta, "jsd mixture weight of the teacher (0 = forward KL, 1 = reverse)",
            RealRange{0.0, 1.0});
    v.field("temperature", temperature, "student softmax temperature (match the teacher's)",
            RealRange{0.0, 100.0, true});
    v.field("chunk_rows", chunk_rows, "positions per chunk (bounds [C, V] memory)",
            IntRange{1, INT64_MAX});
    v.field("tail", tail, "mass outside the teacher's top-k: rest bucket or renormalize",
            OneOf{"rest", "renormalize"});
  }
};

// Host-side summaries over counted positions (one sync forms them all).
struct DistillLossStats {
  double loss = 0.0;               // = result.loss
  int64_t positions = 0;           // counted positions
  double teacher_topk_mass = 0.0;  // mean Σ_{k∈S} p_k: how much of the teacher the top-k hold
  double student_topk_mass = 0.0;  // mean Σ_{k∈S} q_k under the student's full softmax
  double top1_agreement = 0.0;     // fraction where argmax q is the teacher's top-1 id
};

struct DistillLossResult {
  at::Tensor loss;          // [] mean divergence over counted positions; 0 when none count
  at::Tensor per_position;  // [N, T] detached divergence (fp32; fp64 for fp64), 0 if masked
  DistillLossStats stats;
};

// student_hidden [N, T, E] (final-normed), student_output_embedding [V, E], teacher from
// teacher_topk over the same N × T positions (ids < V, distinct per position; rest_logprobs
// needed for tail = rest), mask [N, T] bool (true = counts; completion tokens, say) ->
// the loss, differentiable w.r.t. student_hidden and student_output_embedding (which may be
// the tied input embedding). Chunked: only counted positions are computed, C at a time, and
// the backward recomputes each chunk's logits, so extra memory is O(C·V) with or without
// grad, never [N, T, V]; once-differentiable. Teacher tensors must be on the student's device.
// Host syncs: the mask selection, one check of the ids (range, distinctness), the stats.
DistillLossResult distillation_loss(const at::Tensor& student_hidden,
                                    const at::Tensor& student_output_embedding,
                                    const TeacherTopK& teacher,
                                    const at::Tensor& mask,
                                    const DistillLossConfig& config);

}  // namespace r1forge
