// The execution policy and building blocks of the fused sampling kernel's row algorithm
// (sampling_row.h): one row's parameters and result, its shared-memory scratch, the one-thread
// host Block (the CUDA block policy is in src/kernels/fused_sampling.cu), the reductions the
// steps combine with, and order-preserving float keys for the radix searches. Host and device
// code alike (R1F_HOST_DEVICE); no torch.
// Not here: the steps (sampling_search.h, sampling_row.h) or the launcher.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>

#if !defined(R1F_HOST_DEVICE)
#if defined(__CUDACC__)
#define R1F_HOST_DEVICE __host__ __device__
#else
#define R1F_HOST_DEVICE
#endif
#endif

namespace r1forge::kernels::sampling {

// One row's knobs, with the ATen path's "off" values.
struct RowSamplingParams {
  float temperature = 1.f;  // 0 = greedy (argmax); otherwise logits / T in fp32
  int32_t top_k = 0;        // 0 (or >= V) = off
  double top_p = 1.0;       // 1 = off
  float min_p = 0.f;        // 0 = off
  double uniform = 0.0;     // u in [0, 1): the draw's uniform
};

struct RowSample {
  int64_t token = -1;   // -1: no token had a finite, positive probability (the caller reports it)
  float logprob = 0.f;  // log_softmax(report / T')[token]: T' = T, or 1 for greedy rows
};

constexpr int kRadixBits = 8;
constexpr int kRadixBuckets = 1 << kRadixBits;
constexpr int64_t kNoId = INT64_MAX;

// Shared-memory scratch of one row (about 3 KB): radix histograms and the slots through which
// one thread hands a result to the others (written before a sync, read after it).
struct SamplingScratch {
  uint32_t bucket_counts[kRadixBuckets];
  // top-p probability mass per bucket, fp64. Filled by atomics, so on the GPU its last bit
  // depends on timing: a kept set can differ between runs only where |mass before - p| ~ 1e-16.
  double bucket_mass[kRadixBuckets];
  int32_t chosen_bucket;
  double chosen_before;  // cumulative count or mass of the buckets above chosen_bucket
  int64_t found_id;
  double found_start;  // cumulative value before the crossing chunk
  int64_t kept_ties;
};

template <typename T>
struct PrefixSum {
  T exclusive;
  T inclusive;
  T total;
};

// ---------------------------------------------------------------------------------------------
// The host Block: one thread runs the whole row, so reductions and scans are the identity and
// the draw's running sum is added in id order, as ATen's cumsum.
// A Block provides: thread_index(), thread_count(); lane(), group_size(), group_index() (a
// group runs in lockstep: a warp); sync(); reduce(value, combine) and scan(value) over all
// threads (results on every thread); group_reduce, group_scan, group_broadcast(value, lane),
// group_first(predicate) / group_last(predicate) (lowest / highest lane where it holds, or -1);
// atomic_add(address, value) into the scratch.
struct HostBlock {
  R1F_HOST_DEVICE int thread_index() const { return 0; }
  R1F_HOST_DEVICE int thread_count() const { return 1; }
  R1F_HOST_DEVICE int lane() const { return 0; }
  R1F_HOST_DEVICE int group_size() const { return 1; }
  R1F_HOST_DEVICE int group_index() const { return 0; }
  R1F_HOST_DEVICE void sync() const {}
  template <typename T, typename Combine>
  R1F_HOST_DEVICE T reduce(T value, Combine) const {
    return value;
  }
  template <typename T>
  R1F_HOST_DEVICE PrefixSum<T> scan(T value) const {
    return {T(0), value, value};
  }
  template <typename T, typename Combine>
  R1F_HOST_DEVICE T group_reduce(T value, Combine) const {
    return value;
  }
  template <typename T>
  R1F_HOST_DEVICE PrefixSum<T> group_scan(T value) const {
    return {T(0), value, value};
  }
  template <typename T>
  R1F_HOST_DEVICE T group_broadcast(T value, int) const {
    return value;
  }
  R1F_HOST_DEVICE int group_first(bool predicate) const { return predicate ? 0 : -1; }
  R1F_HOST_DEVICE int group_last(bool predicate) const { return predicate ? 0 : -1; }
  template <typename T>
  R1F_HOST_DEVICE void atomic_add(T* address, T value) const {
    *address += value;
  }
};

// ---------------------------------------------------------------------------------------------
// Small pieces.

struct Sum {
  template <typename T>
  R1F_HOST_DEVICE T operator()(T a, T b) const {
    return a + b;
  }
};
struct Min {
  template <typename T>
  R1F_HOST_DEVICE T operator()(T a, T b) const {
    return b < a ? b : a;
  }
};
struct Max {
  template <typename T>
  R1F_HOST_DEVICE T operator()(T a, T b) const {
    return a < b ? b : a;
  }
};

// The largest value and the lowest id holding it (torch.argmax's tie rule).
struct ArgMax {
  float value = -INFINITY;
  int64_t id = kNoId;
  R1F_HOST_DEVICE void add(float candidate, int64_t candidate_id) {
    if (candidate > value || (candidate == value && candidate_id < id)) {
      value = candidate;
      id = candidate_id;
    }
  }
};
struct ArgMaxOf {
  R1F_HOST_DEVICE ArgMax operator()(const ArgMax& a, const ArgMax& b) const {
    return (a.value > b.value || (a.value == b.value && a.id < b.id)) ? a : b;
  }
};

// Online softmax statistics: the running max (fp32) and sum(exp(v - max)) of fp32 terms summed
// in fp64, rescaled whenever the max grows, so log_softmax needs one pass. The fp64 sum keeps
// the one-thread host twin as accurate as ATen's cascade / tree sums over 152k terms (an fp32
// running sum drifts by ~1e-5 there). -inf values add nothing.
struct SoftmaxStats {
  float max = -INFINITY;
  double sum = 0.0;
  R1F_HOST_DEVICE void add(float value) {
    if (value > max) {
      sum = sum * static_cast<double>(expf(max - value)) + 1.0;
      max = value;
    } else if (value > -INFINITY) {
      sum += static_cast<double>(expf(value - max));
    }
  }
};
struct SoftmaxStatsOf {
  R1F_HOST_DEVICE SoftmaxStats operator()(SoftmaxStats a, SoftmaxStats b) const {
    if (a.max < b.max) {
      const SoftmaxStats larger = b;
      b = a;
      a = larger;
    }
    if (b.max == -INFINITY) return a;
    a.sum += b.sum * static_cast<double>(expf(b.max - a.max));
    return a;
  }
};

R1F_HOST_DEVICE inline bool is_finite(double value) {
  return fabs(value) <= DBL_MAX;
}

// The uint32 whose unsigned order is the float order (no NaN): flip all bits of negatives, the
// sign bit of the rest. -0 takes +0's key, since the ATen sort ranks them as equal.
R1F_HOST_DEVICE inline uint32_t ordered_key(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  if ((bits << 1) == 0u) bits = 0u;
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}
R1F_HOST_DEVICE inline float value_of_key(uint32_t key) {
  const uint32_t bits = (key & 0x80000000u) ? (key & 0x7fffffffu) : ~key;
  float value;
  memcpy(&value, &bits, sizeof(value));
  return value;
}

}  // namespace r1forge::kernels::sampling
