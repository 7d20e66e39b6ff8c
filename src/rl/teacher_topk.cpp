// The teacher's top-k log-probs, chunked over rows under no-grad; see rl/teacher_topk.h.
//
// Per row with z = (h·Wᵀ)/τ: log p = log_softmax(z) over all V, (ℓ, ids) = topk(log p, K),
// rest = log Σ_{v ∉ ids} p_v = logsumexp of log p with the K kept entries set to −inf. The rest
// comes from the full row while it is at hand: 1 − Σ_k exp(ℓ_k) would cancel catastrophically
// when the top-k hold nearly all the mass (fp32 then gives 0 or a negative number, and a
// reverse KL against log 0 is infinite).
#include "r1forge/rl/teacher_topk.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "chunked_logits.h"
#include "r1forge/core/check.h"

namespace r1forge {

using chunked_logits::chunk_logits;
using chunked_logits::ChunkBuffers;

TeacherTopK teacher_topk_from_hidden(const at::Tensor& hidden,
                                     const at::Tensor& output_embedding,
                                     int64_t k,
                                     double temperature,
                                     int64_t chunk_rows) {
  TORCH_CHECK(hidden.dim() == 3, "teacher top-k: hidden must be [N, T, E], got ", hidden.sizes());
  TORCH_CHECK(output_embedding.dim() == 2 && output_embedding.size(1) == hidden.size(2),
              "teacher top-k: output_embedding must be [V, E] with E = ", hidden.size(2), ", got ",
              output_embedding.sizes());
  TORCH_CHECK(hidden.scalar_type() == output_embedding.scalar_type() &&
                  at::isFloatingType(hidden.scalar_type()),
              "teacher top-k: hidden and output_embedding must share a floating dtype, got ",
              hidden.scalar_type(), " and ", output_embedding.scalar_type());
  TORCH_CHECK(hidden.device() == output_embedding.device(),
              "teacher top-k: hidden and output_embedding must share a device");
  const int64_t rows = hidden.size(0), length = hidden.size(1), vocab = output_embedding.size(0);
  R1F_CHECK_USAGE(k >= 1 && k <= vocab, "teacher top-k: k must lie in [1, V = ", vocab, "], got ",
                  k);
  R1F_CHECK_USAGE(temperature > 0 && std::isfinite(temperature),
                  "teacher top-k: temperature must be positive and finite, got ", temperature);
  R1F_CHECK_USAGE(chunk_rows > 0, "teacher top-k: chunk_rows must be positive, got ", chunk_rows);
  at::NoGradGuard no_grad;
  const int64_t total = rows * length;
  const at::Tensor flat = hidden.reshape({total, hidden.size(2)});  // [M, E]
  const at::TensorOptions options =
      hidden.options().dtype(chunked_logits::compute_dtype(hidden.scalar_type()));
  TeacherTopK out;
  out.ids = at::empty({total, k}, hidden.options().dtype(at::kLong));  // [M, K]
  out.logprobs = at::empty({total, k}, options);                       // [M, K]
  out.rest_logprobs = at::empty({total}, options);                     // [M]
  if (total > 0) {
    ChunkBuffers buffers = chunked_logits::make_chunk_buffers(
        output_embedding, std::min(chunk_rows, total),
        chunked_logits::compute_dtype(output_embedding.scalar_type()));
    for (int64_t start = 0; start < total; start += chunk_rows) {
      const int64_t count = std::min(chunk_rows, total - start);
      at::Tensor z = chunk_logits(flat.narrow(0, start, count), output_embedding, temperature,
                                  buffers);                 // [C, V]
      at::Tensor logp = buffers.other.narrow(0, 0, count);  // [C, V]
      at::log_softmax_out(logp, z, /*dim=*/1);
      auto [values, indices] = at::topk(logp, k, /*dim=*/1, /*largest=*/true, /*sorted=*/true);
      out.ids.narrow(0, start, count).copy_(indices);
      out.logprobs.narrow(0, start, count).copy_(values);
      if (k < vocab) {
        logp.scatter_(1, indices, -std::numeric_limits<double>::infinity());
        out.rest_logprobs.narrow(0, start, count).copy_(chunked_logits::logsumexp_rows_(logp));
      } else {
        out.rest_logprobs.narrow(0, start, count).fill_(-std::numeric_limits<double>::infinity());
      }
    }
  }
  out.ids = out.ids.view({rows, length, k});
  out.logprobs = out.logprobs.view({rows, length, k});
  out.rest_logprobs = out.rest_logprobs.view({rows, length});
  return out;
}

TeacherTopK teacher_topk(Transformer& teacher,
                         const at::Tensor& input_ids,
                         int64_t k,
                         double temperature,
                         int64_t chunk_rows) {
  TORCH_CHECK(input_ids.dim() == 2 && input_ids.scalar_type() == at::kLong,
              "teacher top-k: input_ids must be [N, T] int64, got ", input_ids.sizes(), " ",
              input_ids.scalar_type());
  at::NoGradGuard no_grad;
  ForwardInputs inputs;
  inputs.input_ids = input_ids.to(teacher->device());
  const at::Tensor hidden = teacher->hidden_states(inputs);  // [N, T, E]
  return teacher_topk_from_hidden(hidden, teacher->output_embedding(), k, temperature, chunk_rows);
}

}  // namespace r1forge
