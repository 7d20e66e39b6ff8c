// One row's token log-prob statistics from fp32 scaled logits z [V] and a target id t, in one
// read of z: log p_t = z_t - m - log S, lse = m + log S and the entropy H = log S - W / S, from
// an online softmax triple (m = max z, S = sum exp(z - m), W = sum exp(z - m) (z - m)). Written
// once for the CUDA kernel (src/kernels/logprob_stats.cu: one block per row) and the host
// (token_logprob_stats_on_host, for tests), over sampling_block.h's Block policy. The oracle is
// the ATen path of rl/logprobs.cpp (log_softmax, gather, -sum(p log p)).
// Not here: the logits GEMM, temperature scaling, the backward, the launcher; no torch.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "r1forge/kernels/sampling_block.h"

namespace r1forge::kernels::logprob {

using sampling::HostBlock;

// Four consecutive logits; 16-byte aligned so that a CUDA thread loads them in one 128-bit read.
struct alignas(16) FloatQuad {
  float values[4];
};

// On the GPU one 128-bit read through the read-only path (z is not written while the kernel
// runs); nvcc splits a plain struct copy into four 32-bit reads.
R1F_HOST_DEVICE inline FloatQuad load_quad(const FloatQuad* address) {
#if defined(__CUDA_ARCH__)
  const float4 loaded = __ldg(reinterpret_cast<const float4*>(address));
  return {{loaded.x, loaded.y, loaded.z, loaded.w}};
#else
  return *address;
#endif
}

// The online triple. Values are fp32 and each exp is expf of an fp32 difference (as ATen's
// log_softmax); the sums are fp64, so 152k terms add no drift, and a quad's four terms are first
// summed in fp32 (<= 3 roundings of ~6e-8) to convert once per quad rather than per value.
// Invariants: max is -inf (nothing added yet, sum = weighted = 0) or a logit; weighted <= 0.
// A -inf logit adds nothing (its 0 * (-inf) would be NaN); a NaN logit makes sum NaN, so the
// row's results are NaN as ATen's are.
struct SoftmaxEntropyStats {
  float max = -INFINITY;
  double sum = 0.0;       // S = sum exp(z - max)
  double weighted = 0.0;  // W = sum exp(z - max) (z - max)

  // Moves the reference point to new_max >= max: every term exp(z - max) scales by
  // exp(max - new_max), and every (z - max) gains shift = max - new_max (exact in fp64).
  R1F_HOST_DEVICE void rebase(float new_max) {
    if (max > -INFINITY) {
      const double shift = static_cast<double>(max) - static_cast<double>(new_max);
      const double scale = static_cast<double>(expf(max - new_max));
      weighted = scale * (weighted + shift * sum);
      sum *= scale;
    }
    max = new_max;
  }

  // exp(value - max) and exp(value - max) (value - max) for value <= max (or NaN).
  R1F_HOST_DEVICE void term(float value, float& exp_term, float& weighted_term) const {
    const float offset = value - max;
    exp_term = value == -INFINITY ? 0.f : expf(offset);
    weighted_term = value == -INFINITY ? 0.f : exp_term * offset;
  }

  R1F_HOST_DEVICE void add(float value) {
    if (value > max) rebase(value);
    float exp_term, weighted_term;
    term(value, exp_term, weighted_term);
    sum += static_cast<double>(exp_term);
    weighted += static_cast<double>(weighted_term);
  }

  R1F_HOST_DEVICE void add(const FloatQuad& quad) {
    const float* v = quad.values;
    const float quad_max = fmaxf(fmaxf(v[0], v[1]), fmaxf(v[2], v[3]));
    if (quad_max > max) rebase(quad_max);
    float quad_sum = 0.f, quad_weighted = 0.f;
    for (int i = 0; i < 4; ++i) {
      float exp_term, weighted_term;
      term(v[i], exp_term, weighted_term);
      quad_sum += exp_term;
      quad_weighted += weighted_term;
    }
    sum += static_cast<double>(quad_sum);
    weighted += static_cast<double>(quad_weighted);
  }
};

// Combines two partial triples at the larger max. Bitwise commutative (the larger max leads;
// at equal maxima the rebase is exact and fp addition commutes), so both lanes of a shuffle
// exchange hold the same bits. An empty partial (max -inf) is not rescaled and adds its sum:
// 0, or NaN after a NaN logit.
struct SoftmaxEntropyStatsOf {
  R1F_HOST_DEVICE SoftmaxEntropyStats operator()(SoftmaxEntropyStats a,
                                                 SoftmaxEntropyStats b) const {
    if (a.max < b.max) {
      const SoftmaxEntropyStats larger = b;
      b = a;
      a = larger;
    }
    b.rebase(a.max);
    a.sum += b.sum;
    a.weighted += b.weighted;
    return a;
  }
};

// The triple of one row z [vocab], on every thread of the block. Threads take quads (strided
// by the thread count, so a warp reads 512 consecutive bytes) when the row is 16-byte aligned
// and vocab % 4 == 0 (then so is every row of a contiguous [C, V]); else single values. Two
// quads are read before either is added, so each thread has 32 bytes in flight; the order of
// the adds (quad after quad) is unchanged.
template <typename Block>
R1F_HOST_DEVICE SoftmaxEntropyStats row_softmax_entropy_stats(const Block& block,
                                                              const float* z,
                                                              int64_t vocab) {
  SoftmaxEntropyStats stats;
  const int64_t first = block.thread_index(), stride = block.thread_count();
  if (vocab % 4 == 0 && reinterpret_cast<uintptr_t>(z) % alignof(FloatQuad) == 0) {
    const FloatQuad* quads = reinterpret_cast<const FloatQuad*>(z);
    const int64_t quad_count = vocab / 4;
    int64_t quad = first;
    for (; quad + stride < quad_count; quad += 2 * stride) {
      const FloatQuad near = load_quad(quads + quad);
      const FloatQuad far = load_quad(quads + quad + stride);
      stats.add(near);
      stats.add(far);
    }
    if (quad < quad_count) stats.add(load_quad(quads + quad));
  } else {
    for (int64_t id = first; id < vocab; id += stride) stats.add(z[id]);
  }
  return block.reduce(stats, SoftmaxEntropyStatsOf());
}

struct TokenStats {
  float logprob;  // log_softmax(z)[t]; -inf when z_t = -inf
  float lse;      // logsumexp(z)
  float entropy;  // -sum p log p, >= 0
};

// The results from the row's triple, formed in fp64 and rounded once: log p_t = (z_t - m) -
// log S (z_t - m exact), lse = m + log S, H = log S - W / S (-W / S = E_p[m - z] >= 0).
R1F_HOST_DEVICE inline TokenStats token_stats(const SoftmaxEntropyStats& stats,
                                              float target_value) {
  const double max = static_cast<double>(stats.max);
  const double log_sum = log(stats.sum);
  TokenStats out;
  out.logprob = static_cast<float>((static_cast<double>(target_value) - max) - log_sum);
  out.lse = static_cast<float>(max + log_sum);
  out.entropy = static_cast<float>(log_sum - stats.weighted / stats.sum);
  return out;
}

// One row; target in [0, vocab) (the caller checks). Every thread returns the same results.
template <typename Block>
R1F_HOST_DEVICE TokenStats
token_logprob_row(const Block& block, const float* z, int64_t vocab, int64_t target) {
  const float target_value = z[target];  // one broadcast read, issued before the pass
  return token_stats(row_softmax_entropy_stats(block, z, vocab), target_value);
}

// The host twin: z [rows, vocab] contiguous fp32, targets [rows] -> logprobs, lse, entropy
// [rows] each; entropy may be null (not written). A target outside [0, vocab) throws.
inline void token_logprob_stats_on_host(const float* z,
                                        const int64_t* targets,
                                        int64_t rows,
                                        int64_t vocab,
                                        float* logprobs,
                                        float* lse,
                                        float* entropy) {
  const HostBlock block;
  for (int64_t row = 0; row < rows; ++row) {
    if (targets[row] < 0 || targets[row] >= vocab) {
      throw std::out_of_range("token_logprob_stats_on_host: a target id is outside [0, vocab)");
    }
    const TokenStats stats = token_logprob_row(block, z + row * vocab, vocab, targets[row]);
    logprobs[row] = stats.logprob;
    lse[row] = stats.lse;
    if (entropy != nullptr) entropy[row] = stats.entropy;
  }
}

}  // namespace r1forge::kernels::logprob
