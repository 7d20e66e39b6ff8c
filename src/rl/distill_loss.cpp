// Chunked distillation losses with a recomputing backward; see rl/distill_loss.h.
//
// Two layers. (1) A custom autograd function maps student rows to their log-probs on the
// buckets, lq [M, B] (B = K + 1 with the rest bucket, K renormalised), chunk by chunk, saving
// only hidden, weight, ids and lq; its backward recomputes each chunk's logits. (2) The
// divergence of lq against the teacher's bucket log-probs lp [M, B] is a few ops on [M, B]
// tensors that plain autograd differentiates, handing (1) g_b = ∂L/∂lq_b.
//
// Per row, s = z = (h·Wᵀ)/τ, q = softmax(s), S = teacher ids, G = Σ_b g_b:
//   rest:  lq_k = s_k − lse(s),  lq_rest = lse(s_{∉S}) − lse(s)
//          ∂L/∂s_v = [v∈S]·g_v + [v∉S]·g_rest·q_v/q_rest − q_v·G
//   renormalize: lq_k = s_k − lse(s_S),   ∂L/∂s_v = [v∈S]·(g_v − q̂_v·G)
// and ∂L/∂(h·Wᵀ) = ∂L/∂s / τ, ∂L/∂h = (∂L/∂(h·Wᵀ))·W, ∂L/∂W = Σ_chunks (∂L/∂(h·Wᵀ))ᵀ·h.
// g_b per kind (what autograd of layer 2 yields; written out for checking):
//   forward KL  Σ p_b(lp_b − lq_b):        g_b = −p_b  (rest: G = −1, so ∂L/∂s = q − p̃, where
//               p̃ is p on S and p_rest spread over ∉S in proportion to q)
//   reverse KL  R = Σ q_b(lq_b − lp_b):    g_b = q_b(lq_b − lp_b + 1)  (rest: G = R + 1, so
//               ∂L/∂s_v = q_v(lq_v − lp_v − R) on S and q_v(lq_rest − lp_rest − R) off S)
//   JSD_β       β Σ p_b log(p_b/m_b) + (1−β) Σ q_b log(q_b/m_b):   ∂/∂q_b = (1−β) log(q_b/m_b)
//               (the β p_b/m_b and (1−β) q_b/m_b terms of ∂m cancel to −(1−β)), so
//               g_b = (1−β) q_b log(q_b/m_b)
#include "r1forge/rl/distill_loss.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "chunked_logits.h"
#include "r1forge/core/check.h"

namespace r1forge {
namespace {

using chunked_logits::chunk_logits;
using chunked_logits::ChunkBuffers;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

constexpr double kInf = std::numeric_limits<double>::infinity();

struct BucketRows {
  at::Tensor logq;      // [M, B] compute dtype: student log-probs on the buckets
  at::Tensor log_mass;  // [M] log Σ_{k∈S} q_k under the full softmax (for stats)
  at::Tensor argmax;    // [M] int64 student top-1 id (for stats)
};

// hidden [M, E], weight [V, E], ids [M, K] -> BucketRows. Extra memory: ChunkBuffers.
BucketRows student_bucket_rows(const at::Tensor& hidden,
                               const at::Tensor& weight,
                               const at::Tensor& ids,
                               int64_t chunk_rows,
                               double temperature,
                               bool rest) {
  const int64_t total = hidden.size(0), k = ids.size(1);
  const at::TensorOptions options =
      hidden.options().dtype(chunked_logits::compute_dtype(hidden.scalar_type()));
  BucketRows out;
  out.logq = at::empty({total, rest ? k + 1 : k}, options);
  out.log_mass = at::empty({total}, options);
  out.argmax = at::empty({total}, hidden.options().dtype(at::kLong));
  if (total == 0) return out;
  ChunkBuffers buffers = chunked_logits::make_chunk_buffers(
      weight, std::min(chunk_rows, total), chunked_logits::compute_dtype(weight.scalar_type()));
  for (int64_t start = 0; start < total; start += chunk_rows) {
    const int64_t count = std::min(chunk_rows, total - start);
    at::Tensor z = chunk_logits(hidden.narrow(0, start, count), weight, temperature, buffers);
    out.argmax.narrow(0, start, count).copy_(z.argmax(/*dim=*/1));
    at::Tensor logq = buffers.other.narrow(0, 0, count);  // [C, V]
    at::log_softmax_out(logq, z, /*dim=*/1);
    const at::Tensor id = ids.narrow(0, start, count);   // [C, K]
    const at::Tensor in_set = logq.gather(1, id);        // [C, K]
    const at::Tensor mass = at::logsumexp(in_set, {1});  // [C]
    out.log_mass.narrow(0, start, count).copy_(mass);
    at::Tensor bucket = out.logq.narrow(0, start, count);  // [C, B]
    if (rest) {
      bucket.narrow(1, 0, k).copy_(in_set);
      // log q_rest straight from the complement: log(1 − Σ_S q) would cancel when S holds
      // nearly everything. All of V in S leaves only −inf: logsumexp gives −inf (q_rest = 0).
      logq.scatter_(1, id, -kInf);
      bucket.select(1, k).copy_(chunked_logits::logsumexp_rows_(logq));
    } else {
      bucket.copy_(in_set - mass.unsqueeze(1));
    }
  }
  return out;
}

// Autograd node over student_bucket_rows. Inputs hidden [M, E], weight [V, E], ids [M, K];
// outputs {logq [M, B], log_mass [M], argmax [M]}, only the first differentiable.
class StudentBucketFunction : public torch::autograd::Function<StudentBucketFunction> {
 public:
  static variable_list forward(AutogradContext* ctx,
                               const at::Tensor& hidden,
                               const at::Tensor& weight,
                               const at::Tensor& ids,
                               int64_t chunk_rows,
                               double temperature,
                               bool rest) {
    BucketRows rows = student_bucket_rows(hidden, weight, ids, chunk_rows, temperature, rest);
    ctx->set_materialize_grads(false);
    ctx->mark_non_differentiable({rows.log_mass, rows.argmax});
    ctx->saved_data["chunk_rows"] = chunk_rows;
    ctx->saved_data["temperature"] = temperature;
    ctx->saved_data["rest"] = rest;
    ctx->save_for_backward({hidden, weight, ids, rows.logq});
    return {rows.logq, rows.log_mass, rows.argmax};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    at::NoGradGuard no_grad;  // once-differentiable: nothing below is recorded
    variable_list grads(6);
    const bool need_hidden = ctx->needs_input_grad(0), need_weight = ctx->needs_input_grad(1);
    if (!grad_outputs[0].defined() || (!need_hidden && !need_weight)) return grads;
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& hidden = saved[0];  // [M, E]
    const at::Tensor& weight = saved[1];  // [V, E]
    const at::Tensor& ids = saved[2];     // [M, K]
    const at::Tensor& logq = saved[3];    // [M, B]
    const int64_t chunk_rows = ctx->saved_data["chunk_rows"].toInt();
    const double temperature = ctx->saved_data["temperature"].toDouble();
    const bool rest = ctx->saved_data["rest"].toBool();
    const int64_t total = hidden.size(0), k = ids.size(1);
    // Everything is linear in g, so 1/τ (∂s/∂(h·Wᵀ)) is folded in here, on [M, B].
    const at::Tensor g = grad_outputs[0].to(logq.scalar_type()) / temperature;  // [M, B]
    const at::Tensor minus_total = -g.sum(1);                                   // [M] −G
    const at::Tensor q = logq.exp();                                            // [M, B]
    // On S both tails give g_v − q_v·G (q the full softmax for rest, q̂ for renormalize).
    const at::Tensor on_set =
        (g.narrow(1, 0, k) + q.narrow(1, 0, k) * minus_total.unsqueeze(1)).contiguous();
    // Off S, q_v·(g_rest/q_rest − G) = (q_v/q_rest)·(g_rest − G·q_rest): one exp of
    // log q_v − log q_rest per element and a per-row coefficient, with no division by a
    // q_rest that may underflow. (On S the exp may overflow; those entries are overwritten.)
    at::Tensor rest_coefficient, rest_logq;  // [M]
    if (rest) {
      // q_rest = 0 only when S = V: no v ∉ S exists; 0s keep the dense term finite.
      const at::Tensor lq_rest = logq.select(1, k);
      const at::Tensor empty = at::isneginf(lq_rest);
      rest_coefficient =
          at::where(empty, 0.0, g.select(1, k) + minus_total * q.select(1, k)).contiguous();
      rest_logq = at::where(empty, 0.0, lq_rest).contiguous();
    }
    at::Tensor grad_hidden =
        need_hidden ? at::empty(hidden.sizes(), hidden.options()) : at::Tensor();
    const bool accumulate_fp32 =
        weight.scalar_type() != at::kFloat && weight.scalar_type() != at::kDouble;
    at::Tensor grad_weight, chunk_grad_weight;  // [V, E]; fp32 sum of bf16 chunk products
    if (need_weight) {
      grad_weight = at::zeros(
          weight.sizes(), accumulate_fp32 ? weight.options().dtype(at::kFloat) : weight.options());
      if (accumulate_fp32) chunk_grad_weight = at::empty_like(weight);
    }
    ChunkBuffers buffers = chunked_logits::make_chunk_buffers(
        weight, std::min(chunk_rows, total), chunked_logits::compute_dtype(weight.scalar_type()));
    for (int64_t start = 0; start < total; start += chunk_rows) {
      const int64_t count = std::min(chunk_rows, total - start);
      const at::Tensor h = hidden.narrow(0, start, count);  // [C, E]
      at::Tensor grad_z;                                    // [C, V] ∂L/∂(h·Wᵀ)
      if (rest) {
        at::Tensor z = chunk_logits(h, weight, temperature, buffers);
        grad_z = buffers.other.narrow(0, 0, count);
        at::log_softmax_out(grad_z, z, /*dim=*/1);  // log q
        grad_z.sub_(rest_logq.narrow(0, start, count).unsqueeze(1))
            .exp_()
            .mul_(rest_coefficient.narrow(0, start, count).unsqueeze(1));
      } else {
        grad_z = buffers.z.narrow(0, 0, count).zero_();  // renormalised: nothing off S
      }
      grad_z.scatter_(1, ids.narrow(0, start, count), on_set.narrow(0, start, count));
      const at::Tensor grad_logits =
          buffers.logits.defined() ? buffers.logits.narrow(0, 0, count).copy_(grad_z) : grad_z;
      if (need_hidden) {
        at::Tensor rows = grad_hidden.narrow(0, start, count);  // [C, E], written in place
        at::mm_out(rows, grad_logits, weight);
      }
      if (need_weight) {
        if (accumulate_fp32) {
          grad_weight.add_(at::mm_out(chunk_grad_weight, grad_logits.t(), h));
        } else {
          grad_weight.addmm_(grad_logits.t(), h);
        }
      }
    }
    grads[0] = grad_hidden;
    if (need_weight)
      grads[1] = accumulate_fp32 ? grad_weight.to(weight.scalar_type()) : grad_weight;
    return grads;
  }
};

// Σ_b w_b (log w_b − log o_b) over the last dim, w = exp(log_w). Buckets with w_b = 0 add
// 0 (0·log 0 = 0) and pass no gradient, so an empty rest bucket (−inf on both sides) stays
// finite; where() masks the inputs too, since a masked-out inf would still poison the
// backward as 0·inf. A NaN in log_w is not masked: it shows.
at::Tensor weighted_log_ratio(const at::Tensor& log_w, const at::Tensor& log_o) {
  const at::Tensor live = at::isneginf(log_w).logical_not();
  const at::Tensor lw = at::where(live, log_w, 0.0), lo = at::where(live, log_o, 0.0);
  return at::where(live, lw.exp() * (lw - lo), 0.0).sum(-1);
}

// lq, lp [M, B] log-probs over the same buckets -> [M] divergence (formulas in the header).
at::Tensor bucket_divergence(const at::Tensor& lq,
                             const at::Tensor& lp,
                             DistillKind kind,
                             double beta) {
  if (kind == DistillKind::FORWARD_KL || (kind == DistillKind::JSD && beta == 0.0)) {
    return weighted_log_ratio(lp, lq);
  }
  if (kind == DistillKind::REVERSE_KL || beta == 1.0) return weighted_log_ratio(lq, lp);
  // log m = logaddexp(log β + lp, log(1−β) + lq). A bucket empty on both sides is set to 0
  // first (logaddexp(−inf, −inf) has a NaN gradient); both KL terms drop it anyway.
  const at::Tensor dead = at::isneginf(lp).logical_and(at::isneginf(lq));
  const at::Tensor log_m = at::logaddexp(at::where(dead, 0.0, lp) + std::log(beta),
                                         at::where(dead, 0.0, lq) + std::log1p(-beta));
  return beta * weighted_log_ratio(lp, log_m) + (1.0 - beta) * weighted_log_ratio(lq, log_m);
}

}  // namespace

DistillKind parse_distill_kind(std::string_view name) {
  if (name == "forward_kl") return DistillKind::FORWARD_KL;
  if (name == "reverse_kl") return DistillKind::REVERSE_KL;
  if (name == "jsd") return DistillKind::JSD;
  R1F_THROW(ConfigError, "unknown distillation kind '", name,
            "' (valid: forward_kl, reverse_kl, jsd)");
}

std::string_view distill_kind_name(DistillKind kind) {
  switch (kind) {
    case DistillKind::FORWARD_KL: return "forward_kl";
    case DistillKind::REVERSE_KL: return "reverse_kl";
    case DistillKind::JSD: return "jsd";
  }
  return "forward_kl";
}

DistillTail parse_distill_tail(std::string_view name) {
  if (name == "rest") return DistillTail::REST;
  if (name == "renormalize") return DistillTail::RENORMALIZE;
  R1F_THROW(ConfigError, "unknown distillation tail '", name, "' (valid: rest, renormalize)");
}

std::string_view distill_tail_name(DistillTail tail) {
  return tail == DistillTail::REST ? "rest" : "renormalize";
}

DistillLossResult distillation_loss(const at::Tensor& student_hidden,
                                    const at::Tensor& student_output_embedding,
                                    const TeacherTopK& teacher,
                                    const at::Tensor& mask,
                                    const DistillLossConfig& config) {
  const DistillKind kind = parse_distill_kind(config.kind);
  const DistillTail tail = parse_distill_tail(config.tail);
  R1F_CHECK_CONFIG(config.jsd_beta >= 0.0 && config.jsd_beta <= 1.0,
                   "distillation: jsd_beta must lie in [0, 1], got ", config.jsd_beta);
  R1F_CHECK_CONFIG(config.temperature > 0 && std::isfinite(config.temperature),
                   "distillation: temperature must be positive and finite, got ",
                   config.temperature);
  R1F_CHECK_CONFIG(config.chunk_rows > 0, "distillation: chunk_rows must be positive, got ",
                   config.chunk_rows);
  const at::Tensor& hidden = student_hidden;
  const at::Tensor& weight = student_output_embedding;
  TORCH_CHECK(hidden.dim() == 3, "distillation: student_hidden must be [N, T, E], got ",
              hidden.sizes());
  const int64_t rows = hidden.size(0), length = hidden.size(1), vocab = weight.size(0);
  TORCH_CHECK(weight.dim() == 2 && weight.size(1) == hidden.size(2),
              "distillation: student_output_embedding must be [V, E] with E = ", hidden.size(2),
              ", got ", weight.sizes());
  TORCH_CHECK(
      hidden.scalar_type() == weight.scalar_type() && at::isFloatingType(hidden.scalar_type()),
      "distillation: student hidden and embedding must share a floating dtype");
  TORCH_CHECK(teacher.ids.defined() && teacher.ids.dim() == 3 && teacher.ids.size(0) == rows &&
                  teacher.ids.size(1) == length && teacher.ids.scalar_type() == at::kLong,
              "distillation: teacher ids must be [N, T, K] int64 with N, T = ", rows, ", ", length);
  const int64_t k = teacher.ids.size(2);
  TORCH_CHECK(
      k >= 1 && teacher.logprobs.defined() && teacher.logprobs.sizes() == teacher.ids.sizes(),
      "distillation: teacher logprobs must be [N, T, K] like the ids, K >= 1");
  const bool rest = tail == DistillTail::REST;
  TORCH_CHECK(!rest || (teacher.rest_logprobs.defined() &&
                        teacher.rest_logprobs.sizes() == (at::IntArrayRef{rows, length})),
              "distillation: tail 'rest' needs teacher rest_logprobs [N, T]");
  TORCH_CHECK(mask.defined() && mask.scalar_type() == at::kBool &&
                  mask.sizes() == (at::IntArrayRef{rows, length}),
              "distillation: mask must be [N, T] bool, got ", mask.sizes());
  TORCH_CHECK(weight.device() == hidden.device() && teacher.ids.device() == hidden.device() &&
                  teacher.logprobs.device() == hidden.device() &&
                  mask.device() == hidden.device() &&
                  (!rest || teacher.rest_logprobs.device() == hidden.device()),
              "distillation: student, teacher and mask tensors must share a device");

  const at::ScalarType dtype = chunked_logits::compute_dtype(hidden.scalar_type());
  const int64_t total = rows * length;
  at::Tensor flat_hidden = hidden.reshape({total, hidden.size(2)});          // [M, E]
  at::Tensor ids = teacher.ids.reshape({total, k});                          // [M, K]
  at::Tensor teacher_logp = teacher.logprobs.reshape({total, k}).to(dtype);  // [M, K]
  at::Tensor teacher_rest = rest ? teacher.rest_logprobs.reshape({total}).to(dtype) : at::Tensor();
  // Only counted positions are computed (prompt and padding often outnumber them).
  const at::Tensor flat_mask = mask.reshape({total});
  const at::Tensor index = at::nonzero(flat_mask).squeeze(1);  // [M'] sync point
  const int64_t counted = index.size(0);
  if (counted < total) {
    flat_hidden = flat_hidden.index_select(0, index);
    ids = ids.index_select(0, index);
    teacher_logp = teacher_logp.index_select(0, index);
    if (rest) teacher_rest = teacher_rest.index_select(0, index);
  }
  if (counted > 0) {
    // One sync for range and distinctness: a bad id would be a device assert in gather, and
    // a repeated one would count its mass twice.
    auto [low, high] = at::aminmax(ids);
    at::Tensor repeated = at::zeros({}, ids.options());
    if (k > 1) {
      const at::Tensor sorted = std::get<0>(ids.sort(/*dim=*/1));
      repeated = sorted.narrow(1, 1, k - 1).eq(sorted.narrow(1, 0, k - 1)).any().to(at::kLong);
    }
    const at::Tensor checks = at::stack({low, high, repeated}).cpu();  // sync point
    const int64_t min_id = checks[0].item<int64_t>(), max_id = checks[1].item<int64_t>();
    R1F_CHECK_DATA(min_id >= 0 && max_id < vocab, "distillation: teacher ids must lie in [0, ",
                   vocab, ") (the student's vocabulary), got ids from ", min_id, " to ", max_id);
    R1F_CHECK_DATA(checks[2].item<int64_t>() == 0,
                   "distillation: teacher ids repeat within a position (top-k ids are distinct)");
  }

  const bool track =
      at::GradMode::is_enabled() && (hidden.requires_grad() || weight.requires_grad());
  at::Tensor student_logq, log_mass, argmax;  // [M', B], [M'], [M']
  if (track) {
    variable_list outs = StudentBucketFunction::apply(flat_hidden, weight, ids, config.chunk_rows,
                                                      config.temperature, rest);
    student_logq = outs[0], log_mass = outs[1], argmax = outs[2];
  } else {
    BucketRows out =
        student_bucket_rows(flat_hidden, weight, ids, config.chunk_rows, config.temperature, rest);
    student_logq = out.logq, log_mass = out.log_mass, argmax = out.argmax;
  }
  const at::Tensor teacher_buckets =
      rest ? at::cat({teacher_logp, teacher_rest.unsqueeze(1)}, 1)
           : teacher_logp - at::logsumexp(teacher_logp, {1}, /*keepdim=*/true);  // [M', B]
  const at::Tensor divergence =
      bucket_divergence(student_logq, teacher_buckets, kind, config.jsd_beta);  // [M']

  DistillLossResult result;
  at::Tensor per_position = at::zeros({total}, hidden.options().dtype(dtype));
  if (counted == 0) {
    // 0 with a graph (gradient 0) so callers can backward unconditionally.
    result.loss = (flat_hidden.sum() + weight.narrow(0, 0, 0).sum()).to(dtype);
    result.per_position = per_position.view({rows, length});
    return result;
  }
  result.loss = divergence.sum() / static_cast<double>(counted);
  per_position.index_copy_(0, index, divergence.detach());
  result.per_position = per_position.view({rows, length});
  at::NoGradGuard no_grad;
  const at::Tensor summary =
      at::stack({result.loss.detach(), at::logsumexp(teacher_logp, {1}).exp().mean(),
                 log_mass.exp().mean(), argmax.eq(ids.select(1, 0)).to(dtype).mean()})
          .to(at::kDouble)
          .cpu();  // sync point
  const double* values = summary.data_ptr<double>();
  result.stats.loss = values[0];
  result.stats.positions = counted;
  result.stats.teacher_topk_mass = values[1];
  result.stats.student_topk_mass = values[2];
  result.stats.top1_agreement = values[3];
  return result;
}

}  // namespace r1forge
