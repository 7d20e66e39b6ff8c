// One row of token sampling (temperature, top-k, top-p, min-p, then inverting the CDF at a given
// uniform), written once for the CUDA kernel (src/kernels/fused_sampling.cu: one block per row)
// and for the host, where tests run it on one thread. The steps take a Block policy (thread
// index, barrier, reductions, scans, shared-memory atomics; sampling_block.h has the one-thread
// HostBlock), so the kernel and its CPU twin are the same code. Numerics follow the ATen path
// (sampling/logits_processor.cpp, sampler.cpp), but thresholds come from radix searches over
// order-preserving float keys instead of sorts, and the logits are only read, never written.
// Not here: penalties (applied before), drawing the uniforms, the launcher; no torch.
#pragma once

#include "r1forge/kernels/sampling_search.h"

namespace r1forge::kernels::sampling {

// ---------------------------------------------------------------------------------------------
// Pass 1: the row's argmax (greedy token, and m for sampling) and the reported distribution's
// online softmax statistics, in one read of the logits (and of the report row, if separate).
struct RowStats {
  ArgMax top;
  SoftmaxStats report;
};

template <typename Block>
R1F_HOST_DEVICE RowStats row_stats(const Block& block,
                                   const RowValues& values,
                                   const RowValues& report,
                                   bool report_is_values,
                                   int64_t vocab) {
  RowStats stats;
  for (int64_t id = block.thread_index(); id < vocab; id += block.thread_count()) {
    const float value = values.at(id);
    stats.top.add(value, id);
    stats.report.add(report_is_values ? value : report.at(id));
  }
  stats.top = block.reduce(stats.top, ArgMaxOf());
  stats.report = block.reduce(stats.report, SoftmaxStatsOf());
  return stats;
}

// ---------------------------------------------------------------------------------------------
// top-k: the k-th largest value counting multiplicity (position k - 1 of a descending sort),
// by radix select: 4 passes over V. Tokens below it go; all its ties stay.
template <typename Block>
R1F_HOST_DEVICE float top_k_threshold(const Block& block,
                                      SamplingScratch& scratch,
                                      const RowValues& values,
                                      int64_t vocab,
                                      int64_t k) {
  uint32_t prefix = 0u;
  double remaining = static_cast<double>(k);  // exact: counts stay far below 2^53
  for (int shift = 32 - kRadixBits; shift >= 0; shift -= kRadixBits) {
    radix_histogram<false>(
        block, scratch, values, vocab, shift, prefix, [](float) { return true; },
        [](float) { return 0.0; });
    const BucketChoice choice =
        select_bucket(block, scratch, scratch.bucket_counts, 0.0, remaining);
    if (choice.bucket < 0) return -INFINITY;  // unreachable for 0 < k < V; keep everything
    prefix |= static_cast<uint32_t>(choice.bucket) << shift;
    remaining -= choice.before;
  }
  return value_of_key(prefix);
}

// How many of `ties` equal values, each of fp64 mass q and ranked by id after mass `above`,
// top-p keeps: tie r stays iff above + q + ... + q (r terms, added one at a time as the ATen
// cumsum does) < p. The one-at-a-time sum matters at exact boundaries: ten ties of 0.1 sum to
// 0.8999999999999999 after nine, while 9 * 0.1 = 0.9. So the closed form above + r * q decides
// only when p is further from it than the serial sum's rounding can reach (r + 2 ulps of 2);
// otherwise the sum is replayed serially. The top group always keeps its first token.
R1F_HOST_DEVICE inline int64_t kept_tie_count(
    double above, double q, double p, int64_t ties, bool top_group) {
  const int64_t least = top_group ? 1 : 0;
  if (!(q > 0.0)) return ties;  // zero-mass ties never add up to p
  const double estimate = ceil((p - above) / q);
  int64_t kept = estimate >= static_cast<double>(ties) ? ties
                 : estimate > 0.0                      ? static_cast<int64_t>(estimate)
                                                       : 0;
  while (kept > 0 && above + static_cast<double>(kept - 1) * q >= p) --kept;
  while (kept < ties && above + static_cast<double>(kept) * q < p) ++kept;
  const double slack = static_cast<double>(kept + 2) * (2.0 * DBL_EPSILON);
  const bool clear_below = kept == 0 || p - (above + static_cast<double>(kept - 1) * q) > slack;
  const bool clear_above = kept == ties || (above + static_cast<double>(kept) * q) - p > slack;
  if (!clear_below || !clear_above) {
    double sum = above;
    kept = 0;
    while (kept < ties && sum < p) {
      sum += q;
      ++kept;
    }
  }
  return kept > least ? kept : least;
}

// top-p over the tokens top-k kept (y >= top_k_value), with the ATen numerics: Z = sum of
// expf(y - m) as an fp32 value, q_i = exp(double(y_i) - double(m)) / double(Z), tokens ranked by
// value then id, and a token removed iff the mass ranked before it is >= p. A radix search with
// fp64 mass per bucket finds the boundary value v_b where the cumulative mass reaches p (4 passes;
// Z is summed in the first, whose bucket masses are divided by Z afterwards). Above v_b all
// stay, below all go; among the ties at v_b the kept_tie_count lowest ids stay, found by one
// more counting pass when some of them go.
struct TopPBoundary {
  float value = -INFINITY;
  int64_t last_tie = kNoId;
};

template <typename Block>
R1F_HOST_DEVICE TopPBoundary top_p_boundary(const Block& block,
                                            SamplingScratch& scratch,
                                            const RowValues& values,
                                            int64_t vocab,
                                            float top_k_value,
                                            float max_value,
                                            double p) {
  TopPBoundary boundary;  // keeps everything
  const double max_double = max_value;
  auto admit = [top_k_value](float y) { return y >= top_k_value; };
  double exp_sum = 0.0;
  radix_histogram<true>(block, scratch, values, vocab, 32 - kRadixBits, 0u, admit, [&](float y) {
    exp_sum += static_cast<double>(expf(y - max_value));
    return exp(static_cast<double>(y) - max_double);
  });
  // Z: fp32 terms, an fp64 sum rounded to fp32 (what ATen's cascade sum gives, to the last bit
  // in most rows), then widened as ATen's .to(kDouble).
  const double total = static_cast<float>(block.reduce(exp_sum, Sum()));
  for (int bucket = block.thread_index(); bucket < kRadixBuckets; bucket += block.thread_count()) {
    scratch.bucket_mass[bucket] /= total;
  }
  block.sync();

  uint32_t prefix = 0u;
  double above = 0.0;
  int bucket = -1;
  for (int shift = 32 - kRadixBits; shift >= 0; shift -= kRadixBits) {
    if (shift != 32 - kRadixBits) {
      radix_histogram<true>(block, scratch, values, vocab, shift, prefix, admit, [&](float y) {
        return exp(static_cast<double>(y) - max_double) / total;
      });
    }
    const BucketChoice choice = select_bucket(block, scratch, scratch.bucket_mass, above, p);
    if (choice.bucket < 0) {
      // First digit: the total mass never reaches p, so everything stays. Later digits: rounding
      // left this prefix's mass short of what the digit before counted; keep the whole prefix.
      if (shift != 32 - kRadixBits) boundary.value = value_of_key(prefix);
      return boundary;
    }
    bucket = choice.bucket;
    prefix |= static_cast<uint32_t>(bucket) << shift;
    above = choice.before;
  }

  boundary.value = value_of_key(prefix);
  const int64_t ties = scratch.bucket_counts[bucket];
  if (block.thread_index() == 0) {
    const double tie_mass = exp(static_cast<double>(boundary.value) - max_double) / total;
    scratch.kept_ties =
        kept_tie_count(above, tie_mass, p, ties, /*top_group=*/boundary.value == max_value);
  }
  block.sync();
  const int64_t kept = scratch.kept_ties;
  if (kept < ties) {
    const float value = boundary.value;
    boundary.last_tie =
        first_crossing(
            block, scratch, vocab, [&](int64_t id) { return values.at(id) == value ? 1.0 : 0.0; },
            [&](double) { return static_cast<double>(kept - 1); })
            .id;
  }
  return boundary;
}

// The thresholds of every filter the row asks for; passes that a row does not need are skipped.
template <typename Block>
R1F_HOST_DEVICE RowFilter row_filter(const Block& block,
                                     SamplingScratch& scratch,
                                     const RowValues& values,
                                     int64_t vocab,
                                     float max_value,
                                     const RowSamplingParams& params) {
  RowFilter filter;
  filter.max_value = max_value;
  if (params.top_k > 0 && params.top_k < vocab) {
    filter.top_k_value = top_k_threshold(block, scratch, values, vocab, params.top_k);
  }
  if (params.top_p < 1.0) {
    const TopPBoundary boundary =
        top_p_boundary(block, scratch, values, vocab, filter.top_k_value, max_value, params.top_p);
    filter.top_p_value = boundary.value;
    filter.top_p_last_tie = boundary.last_tie;
  }
  filter.min_p = params.min_p;
  return filter;
}

// The draw: the first id whose cumulative probability over the kept tokens, in id order, is
// > u. The ATen path normalises fp32 probabilities and sums them in fp64; here the fp32
// weights expf(y - m) are summed in fp64 and compared with u * total, equal up to rounding.
// Returns -1 when the kept mass is not finite and positive.
template <typename Block>
R1F_HOST_DEVICE int64_t invert_cdf(const Block& block,
                                   SamplingScratch& scratch,
                                   const RowValues& values,
                                   int64_t vocab,
                                   const RowFilter& filter,
                                   double uniform) {
  const Crossing crossing = first_crossing(
      block, scratch, vocab,
      [&](int64_t id) {
        const float y = values.at(id);
        return filter.kept(y, id) ? static_cast<double>(expf(y - filter.max_value)) : 0.0;
      },
      [&](double total) { return uniform * total; });
  if (!(crossing.total > 0.0) || !is_finite(crossing.total)) return -1;
  return crossing.id;
}

// ---------------------------------------------------------------------------------------------
// The whole row. report_logits may equal logits (then read once). Passes over V: 1 for greedy,
// 2 to sample, +4 for top-k, +4 for top-p (+1 when top-p splits a run of equal values); the
// draw's crossing chunk (V / threads ids) is read once more. min-p costs no pass.
template <typename Block>
R1F_HOST_DEVICE RowSample sample_row(const Block& block,
                                     SamplingScratch& scratch,
                                     const float* logits,
                                     const float* report_logits,
                                     int64_t vocab,
                                     const RowSamplingParams& params) {
  const bool greedy = !(params.temperature > 0.f);
  const bool divide = !greedy && params.temperature != 1.f;
  const RowValues values{logits, params.temperature, divide};
  const RowValues report{report_logits, params.temperature, divide};
  const RowStats stats = row_stats(block, values, report, report_logits == logits, vocab);
  RowSample sample;
  if (greedy) {
    sample.token = stats.top.id;
  } else if (is_finite(stats.top.value)) {  // all -inf or +inf: no finite distribution
    const RowFilter filter = row_filter(block, scratch, values, vocab, stats.top.value, params);
    sample.token = invert_cdf(block, scratch, values, vocab, filter, params.uniform);
  }
  sample.logprob = sample.token >= 0 ? (report.at(sample.token) - stats.report.max) -
                                           static_cast<float>(log(stats.report.sum))
                                     : NAN;
  return sample;
}

// The host twin: one thread, scratch on the stack. report_logits null means "same as logits".
inline RowSample sample_row_on_host(const float* logits,
                                    const float* report_logits,
                                    int64_t vocab,
                                    const RowSamplingParams& params) {
  SamplingScratch scratch;
  return sample_row(HostBlock(), scratch, logits, report_logits != nullptr ? report_logits : logits,
                    vocab, params);
}

}  // namespace r1forge::kernels::sampling
