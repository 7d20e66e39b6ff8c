// Chunked token log-probs and entropy with a recomputing backward; see rl/logprobs.h.
//
// Math, per row with scaled logits z = (h·Wᵀ)/τ, p = softmax(z), lse = logsumexp(z):
//   log p_t = z_t − lse,                 ∂/∂z = onehot(t) − p
//   H = lse − Σ p·z = −Σ p·log p,        ∂/∂z = −p ⊙ (z − E_p[z]) = −p ⊙ (log p + H)
// (E_p[z] = lse − H.) With upstream grads a = ∂L/∂log p_t and b = ∂L/∂H per row:
//   ∂L/∂z = a·onehot(t) − p ⊙ (a + b·(log p + H)),   ∂L/∂(h·Wᵀ) = ∂L/∂z / τ
//   ∂L/∂h = (∂L/∂(h·Wᵀ))·W,   ∂L/∂W = Σ_chunks (∂L/∂(h·Wᵀ))ᵀ·h.
#include "r1forge/rl/logprobs.h"

#include <torch/csrc/autograd/custom_function.h>

#include <algorithm>
#include <cmath>

#include "chunked_logits.h"
#include "r1forge/core/check.h"
#include "r1forge/kernels/kernels.h"
#include "r1forge/model/autocast_scope.h"

namespace r1forge {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

using chunked_logits::chunk_logits;
using chunked_logits::ChunkBuffers;

// Buffers for the fp32 softmax math: bf16's 8-bit mantissa is too coarse over a large
// vocabulary, so the GEMM runs in the model dtype and everything after it in fp32.
ChunkBuffers make_buffers(const at::Tensor& weight, int64_t rows, bool with_other) {
  return chunked_logits::make_chunk_buffers(weight, rows, at::kFloat, with_other);
}

struct RowResults {
  at::Tensor logprobs;  // [M] fp32
  at::Tensor lse;       // [M] fp32 logsumexp(z), undefined unless asked for
  at::Tensor entropy;   // [M] fp32, undefined unless with_entropy
};

// The forward over all M = N·T rows: hidden [M, E], weight [V, E], targets [M] int64.
// Extra memory: two [C, V] fp32 buffers (z, then p for entropy; log p), plus [C, V] in the
// model dtype when that is not fp32.
RowResults forward_rows(const at::Tensor& hidden,
                        const at::Tensor& weight,
                        const at::Tensor& targets,
                        const TokenLogprobOptions& options,
                        bool want_lse) {
  const int64_t total = hidden.size(0);
  const at::TensorOptions fp32 = hidden.options().dtype(at::kFloat);
  RowResults out;
  out.logprobs = at::empty({total}, fp32);
  if (want_lse) out.lse = at::empty({total}, fp32);
  if (options.with_entropy) out.entropy = at::empty({total}, fp32);
  // On a GPU with the log-prob kernel each chunk is read once and no [C, V] log-softmax buffer
  // is needed (z is fp32 on the weight's device either way).
  const bool fused = kernels::logprob_stats_uses_cuda(at::empty({0}, fp32.device(weight.device())));
  ChunkBuffers buffers =
      make_buffers(weight, std::min(options.chunk_rows, total), /*with_other=*/!fused);
  for (int64_t start = 0; start < total; start += options.chunk_rows) {
    const int64_t count = std::min(options.chunk_rows, total - start);
    at::Tensor z =
        chunk_logits(hidden.narrow(0, start, count), weight, options.temperature, buffers);
    if (fused) {
      // One pass over z for all three (kernels/logprob_row.h); sums in fp64.
      auto [logprobs, lse, entropy] = kernels::token_logprob_stats_cuda(
          z, targets.narrow(0, start, count).contiguous(), options.with_entropy);
      out.logprobs.narrow(0, start, count).copy_(logprobs);
      if (want_lse) out.lse.narrow(0, start, count).copy_(lse);
      if (options.with_entropy) out.entropy.narrow(0, start, count).copy_(entropy);
      continue;
    }
    // One fused fp32 log-softmax kernel; a composite logsumexp would make ~4 passes over [C, V].
    at::Tensor logp = buffers.other.narrow(0, 0, count);  // [C, V] fp32
    at::log_softmax_out(logp, z, /*dim=*/1);
    at::Tensor target = targets.narrow(0, start, count).unsqueeze(1);  // [C, 1]
    at::Tensor target_logp = logp.gather(1, target).squeeze(1);        // [C]
    out.logprobs.narrow(0, start, count).copy_(target_logp);
    if (want_lse) {
      // lse = z_max − log p at the argmax: z_max − max is exactly 0 there, so this is the very
      // max + log Σ exp(z − max) the kernel formed (to one rounding), where z_t − log p_t
      // would add the rounding of a possibly large |log p_t|. Costs one pass for the max.
      auto [z_max, argmax] = z.max(/*dim=*/1, /*keepdim=*/true);  // [C, 1] each
      out.lse.narrow(0, start, count).copy_((z_max - logp.gather(1, argmax)).squeeze(1));
    }
    if (options.with_entropy) {
      // H = −Σ p log p, p in z's buffer; a p that underflows to 0 adds 0·(finite log p) = 0.
      at::Tensor p = at::exp_out(z, logp);
      out.entropy.narrow(0, start, count).copy_(p.mul_(logp).sum(/*dim=*/1).neg_());
    }
  }
  return out;
}

// Autograd node that saves hidden, weight, targets, lse [M] and entropy [M] (never [M, V]) and
// recomputes each chunk's logits in backward. Inputs: hidden [M, E], weight [V, E],
// targets [M]; outputs: {logprobs [M]} or {logprobs [M], entropy [M]}.
class ChunkedLogprobFunction : public torch::autograd::Function<ChunkedLogprobFunction> {
 public:
  static variable_list forward(AutogradContext* ctx,
                               const at::Tensor& hidden,
                               const at::Tensor& weight,
                               const at::Tensor& targets,
                               int64_t chunk_rows,
                               double temperature,
                               bool with_entropy) {
    TokenLogprobOptions options{chunk_rows, temperature, with_entropy};
    RowResults rows = forward_rows(hidden, weight, targets, options, /*want_lse=*/true);
    ctx->set_materialize_grads(false);  // an unused output's grad stays undefined: skipped
    ctx->saved_data["chunk_rows"] = chunk_rows;
    ctx->saved_data["temperature"] = temperature;
    ctx->saved_data["with_entropy"] = with_entropy;
    if (!with_entropy) {
      ctx->save_for_backward({hidden, weight, targets, rows.lse});
      return {rows.logprobs};
    }
    ctx->save_for_backward({hidden, weight, targets, rows.lse, rows.entropy});
    return {rows.logprobs, rows.entropy};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    // Once-differentiable: the ops below are not recorded, so create_graph=True yields grads
    // that do not require grad (GRPO never needs a double backward).
    at::NoGradGuard no_grad;
    const variable_list saved = ctx->get_saved_variables();
    const at::Tensor& hidden = saved[0];   // [M, E]
    const at::Tensor& weight = saved[1];   // [V, E]
    const at::Tensor& targets = saved[2];  // [M]
    const at::Tensor& lse = saved[3];      // [M] fp32
    const int64_t chunk_rows = ctx->saved_data["chunk_rows"].toInt();
    const double temperature = ctx->saved_data["temperature"].toDouble();
    const bool with_entropy = ctx->saved_data["with_entropy"].toBool();
    // Upstream grads a (log-probs) and b (entropy), pre-scaled by 1/τ (∂z/∂(h·Wᵀ)) and negated
    // on [M] rather than on every [C, V]: ∂L/∂(h·Wᵀ) = a·onehot(t) + p ⊙ (−a − b·(log p + H)).
    at::Tensor a, minus_a, minus_b;  // [M] fp32 or undefined
    if (grad_outputs[0].defined()) {
      a = (grad_outputs[0].to(at::kFloat) / temperature).contiguous();
      minus_a = -a;
    }
    if (with_entropy && grad_outputs[1].defined()) {
      minus_b = (grad_outputs[1].to(at::kFloat) / -temperature).contiguous();
    }
    const bool need_hidden = ctx->needs_input_grad(0), need_weight = ctx->needs_input_grad(1);
    variable_list grads(6);
    if ((!a.defined() && !minus_b.defined()) || (!need_hidden && !need_weight)) {
      return grads;  // nothing flows back
    }
    const at::Tensor entropy = with_entropy ? saved[4] : at::Tensor();  // [M] fp32
    const int64_t total = hidden.size(0);
    at::Tensor grad_hidden = need_hidden ? at::empty(hidden.sizes(), hidden.options())  // [M, E]
                                         : at::Tensor();
    // grad_weight [V, E] accumulates over chunks; for bf16/fp16 in an fp32 buffer so the sum
    // of many chunks is not rounded to 8 bits each time.
    const bool accumulate_fp32 =
        weight.scalar_type() != at::kFloat && weight.scalar_type() != at::kDouble;
    at::Tensor grad_weight;
    if (need_weight) {
      grad_weight = at::zeros(
          weight.sizes(), accumulate_fp32 ? weight.options().dtype(at::kFloat) : weight.options());
    }
    ChunkBuffers buffers =
        make_buffers(weight, std::min(chunk_rows, total), /*with_other=*/minus_b.defined());
    at::Tensor chunk_grad_weight;  // [V, E] model dtype, reused (fp32 accumulation only)
    if (need_weight && accumulate_fp32) chunk_grad_weight = at::empty_like(weight);
    for (int64_t start = 0; start < total; start += chunk_rows) {
      const int64_t count = std::min(chunk_rows, total - start);
      const at::Tensor h = hidden.narrow(0, start, count);  // [C, E]
      // Recompute z exactly as the forward did, then log p = z − lse (fp32, in place).
      at::Tensor logp = chunk_logits(h, weight, temperature, buffers);
      logp.sub_(lse.narrow(0, start, count).unsqueeze(1));  // [C, V]
      at::Tensor grad_z;                                    // [C, V]: p, then ∂L/∂(h·Wᵀ)
      if (minus_b.defined()) {
        grad_z = buffers.other.narrow(0, 0, count);
        at::exp_out(grad_z, logp);
        // −a − b·(log p + H), built in log p's buffer.
        at::Tensor coefficient = logp.add_(entropy.narrow(0, start, count).unsqueeze(1))
                                     .mul_(minus_b.narrow(0, start, count).unsqueeze(1));
        if (a.defined()) coefficient.add_(minus_a.narrow(0, start, count).unsqueeze(1));
        grad_z.mul_(coefficient);
      } else {
        grad_z = logp.exp_().mul_(minus_a.narrow(0, start, count).unsqueeze(1));  // −a·p
      }
      if (a.defined()) {
        grad_z.scatter_add_(1, targets.narrow(0, start, count).unsqueeze(1),
                            a.narrow(0, start, count).unsqueeze(1));
      }
      // Back to the model dtype for the GEMMs (what autograd of the naive path does too), in
      // the logits buffer, free again since z was formed.
      const at::Tensor grad_logits =
          buffers.logits.defined() ? buffers.logits.narrow(0, 0, count).copy_(grad_z) : grad_z;
      if (need_hidden) {
        at::Tensor rows = grad_hidden.narrow(0, start, count);  // [C, E] view, written in place
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
    if (need_weight) {
      grads[1] = accumulate_fp32 ? grad_weight.to(weight.scalar_type()) : grad_weight;
    }
    return grads;
  }
};

}  // namespace

TokenLogprobs compute_token_logprobs(const at::Tensor& hidden,
                                     const at::Tensor& output_embedding,
                                     const at::Tensor& targets,
                                     const TokenLogprobOptions& options) {
  // The LM head stays fp32 under mixed precision, as TransformerImpl::logits keeps it.
  AutocastOff fp32_head(hidden.device().type());
  TORCH_CHECK(hidden.dim() == 3 && targets.dim() == 2 && hidden.size(0) == targets.size(0) &&
                  hidden.size(1) == targets.size(1),
              "token log-probs: hidden [N, T, E] and targets [N, T] disagree: ", hidden.sizes(),
              " vs ", targets.sizes());
  TORCH_CHECK(output_embedding.dim() == 2 && output_embedding.size(1) == hidden.size(2),
              "token log-probs: output_embedding must be [V, E] with E = ", hidden.size(2),
              ", got ", output_embedding.sizes());
  TORCH_CHECK(targets.scalar_type() == at::kLong, "token log-probs: targets must be int64, got ",
              targets.scalar_type());
  TORCH_CHECK(hidden.scalar_type() == output_embedding.scalar_type() &&
                  at::isFloatingType(hidden.scalar_type()),
              "token log-probs: hidden and output_embedding must share a floating dtype, got ",
              hidden.scalar_type(), " and ", output_embedding.scalar_type());
  TORCH_CHECK(hidden.device() == output_embedding.device() && hidden.device() == targets.device(),
              "token log-probs: hidden, output_embedding and targets must share a device");
  R1F_CHECK_USAGE(options.chunk_rows > 0, "token log-probs: chunk_rows must be positive, got ",
                  options.chunk_rows);
  R1F_CHECK_USAGE(options.temperature > 0 && std::isfinite(options.temperature),
                  "token log-probs: temperature must be positive and finite, got ",
                  options.temperature);
  const int64_t rows = hidden.size(0), length = hidden.size(1), vocab = output_embedding.size(0);
  if (targets.numel() > 0) {
    // One host sync for both bounds; an out-of-range id would otherwise be a device assert.
    auto [low, high] = at::aminmax(targets);
    const at::Tensor bounds = at::stack({low, high}).cpu();
    const int64_t min_id = bounds[0].item<int64_t>(), max_id = bounds[1].item<int64_t>();
    R1F_CHECK_DATA(min_id >= 0 && max_id < vocab, "token log-probs: target ids must lie in [0, ",
                   vocab, "), got ids from ", min_id, " to ", max_id);
  }
  at::Tensor flat_hidden = hidden.reshape({rows * length, hidden.size(2)});  // [M, E]
  at::Tensor flat_targets = targets.reshape({rows * length});                // [M]
  TokenLogprobs result;
  const bool track =
      at::GradMode::is_enabled() && (hidden.requires_grad() || output_embedding.requires_grad());
  if (!track) {
    RowResults out =
        forward_rows(flat_hidden, output_embedding, flat_targets, options, /*want_lse=*/false);
    result.logprobs = out.logprobs.view({rows, length});
    if (options.with_entropy) result.entropy = out.entropy.view({rows, length});
    return result;
  }
  variable_list outs =
      ChunkedLogprobFunction::apply(flat_hidden, output_embedding, flat_targets, options.chunk_rows,
                                    options.temperature, options.with_entropy);
  result.logprobs = outs[0].view({rows, length});
  if (options.with_entropy) result.entropy = outs[1].view({rows, length});
  return result;
}

at::Tensor token_logprobs(const at::Tensor& hidden,
                          const at::Tensor& output_embedding,
                          const at::Tensor& targets,
                          int64_t chunk_rows) {
  TokenLogprobOptions options;
  options.chunk_rows = chunk_rows;
  return compute_token_logprobs(hidden, output_embedding, targets, options).logprobs;
}

}  // namespace r1forge
