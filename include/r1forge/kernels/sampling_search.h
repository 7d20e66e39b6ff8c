// The radix searches of the fused sampling kernel's row algorithm (sampling_row.h): histograms
// of one 8-bit key digit at a time (counts, or fp64 probability mass) over the ids a step
// admits, the bucket where a running count or mass crosses its target, and the first id whose
// running sum in id order passes a target (the draw). Host and device code alike; no torch.
// Not here: what the thresholds mean (sampling_row.h) or the Block policies (sampling_block.h).
#pragma once

#include "r1forge/kernels/sampling_block.h"

namespace r1forge::kernels::sampling {

// A row of logits as the filters see it: x / T in fp32 (x itself, bit for bit, when not
// dividing). Recomputed on every pass; nothing is written back.
struct RowValues {
  const float* logits;  // [V]
  float temperature;
  bool divide;
  R1F_HOST_DEVICE float at(int64_t id) const {
    const float logit = logits[id];
    return divide ? logit / temperature : logit;
  }
};

// What the filters keep, as thresholds: the row's max m (every filter keeps it), top-k's
// k-th largest value, top-p's boundary value with the last id kept among its ties, min-p.
struct RowFilter {
  float max_value = -INFINITY;
  float top_k_value = -INFINITY;  // keep y >= this
  float top_p_value = -INFINITY;  // keep y > this, and y == this for ids <= top_p_last_tie
  int64_t top_p_last_tie = kNoId;
  float min_p = 0.f;  // keep expf(y - m) >= min_p (fp32, as the ATen ratio test)
  R1F_HOST_DEVICE bool kept(float y, int64_t id) const {
    if (!(y >= top_k_value)) return false;
    if (y < top_p_value || (y == top_p_value && id > top_p_last_tie)) return false;
    return !(min_p > 0.f && expf(y - max_value) < min_p);
  }
};

// ---------------------------------------------------------------------------------------------
// Radix passes. Each pass histograms one 8-bit digit of the key (most significant first) over
// the elements whose higher digits equal the prefix chosen so far; after four passes the prefix
// is a whole key. A thread adds runs of same-bucket elements locally and flushes a run with one
// atomic: the first digit (sign and exponent) is the same for most logits, and per-element
// atomics on one bucket would serialise the block.

struct BucketRun {
  int bucket = -1;
  uint32_t count = 0;
  double mass = 0.0;
  template <bool kWithMass, typename Block>
  R1F_HOST_DEVICE void flush(const Block& block, SamplingScratch& scratch) {
    if (bucket < 0) return;
    block.atomic_add(&scratch.bucket_counts[bucket], count);
    if (kWithMass) block.atomic_add(&scratch.bucket_mass[bucket], mass);
    count = 0;
    mass = 0.0;
  }
  template <bool kWithMass, typename Block>
  R1F_HOST_DEVICE void add(const Block& block,
                           SamplingScratch& scratch,
                           int element_bucket,
                           double element_mass) {
    if (element_bucket != bucket) {
      flush<kWithMass>(block, scratch);
      bucket = element_bucket;
    }
    count += 1;
    mass += element_mass;
  }
};

// Fills the scratch histogram for the digit at `shift` over the admitted elements whose key
// bits above the digit equal `prefix` (prefix holds only those bits). kWithMass: also sums
// mass_of(y) per bucket in fp64.
template <bool kWithMass, typename Block, typename Admit, typename MassOf>
R1F_HOST_DEVICE void radix_histogram(const Block& block,
                                     SamplingScratch& scratch,
                                     const RowValues& values,
                                     int64_t vocab,
                                     int shift,
                                     uint32_t prefix,
                                     Admit admit,
                                     MassOf mass_of) {
  for (int bucket = block.thread_index(); bucket < kRadixBuckets; bucket += block.thread_count()) {
    scratch.bucket_counts[bucket] = 0u;
    scratch.bucket_mass[bucket] = 0.0;
  }
  block.sync();
  const uint32_t prefix_mask = shift + kRadixBits >= 32 ? 0u : ~0u << (shift + kRadixBits);
  BucketRun run;
  for (int64_t id = block.thread_index(); id < vocab; id += block.thread_count()) {
    const float y = values.at(id);
    if (!admit(y)) continue;
    const uint32_t key = ordered_key(y);
    if ((key & prefix_mask) != prefix) continue;
    const int bucket = static_cast<int>((key >> shift) & (kRadixBuckets - 1));
    run.add<kWithMass>(block, scratch, bucket, kWithMass ? mass_of(y) : 0.0);
  }
  run.flush<kWithMass>(block, scratch);
  block.sync();
}

struct BucketChoice {
  int bucket;     // -1: the cumulative never reached the target
  double before;  // start + the amounts of the nonempty buckets above `bucket`
};

// Walks the buckets from the largest key down, accumulating `amounts` (counts or masses) from
// `start`, and picks the first nonempty bucket at which the cumulative reaches `target`.
// Group 0 does it: each lane takes 256 / group_size consecutive buckets, a group scan gives the
// lane's starting point, and the lowest lane that crosses wins. Every thread gets the result.
template <typename Block, typename Amount>
R1F_HOST_DEVICE BucketChoice select_bucket(const Block& block,
                                           SamplingScratch& scratch,
                                           const Amount* amounts,
                                           double start,
                                           double target) {
  if (block.group_index() == 0) {
    const int per_lane = kRadixBuckets / block.group_size();
    const int highest = kRadixBuckets - 1 - block.lane() * per_lane;
    double lane_total = 0.0;
    for (int j = 0; j < per_lane; ++j) lane_total += static_cast<double>(amounts[highest - j]);
    double running = start + block.group_scan(lane_total).exclusive;
    int bucket = -1;
    double before = 0.0;
    for (int j = 0; j < per_lane; ++j) {
      const int candidate = highest - j;
      if (scratch.bucket_counts[candidate] == 0u) continue;
      const double next = running + static_cast<double>(amounts[candidate]);
      if (next >= target) {
        bucket = candidate;
        before = running;
        break;
      }
      running = next;
    }
    const int winner = block.group_first(bucket >= 0);
    if (block.lane() == (winner < 0 ? 0 : winner)) {
      scratch.chosen_bucket = bucket;
      scratch.chosen_before = before;
    }
  }
  block.sync();
  return {scratch.chosen_bucket, scratch.chosen_before};
}

// ---------------------------------------------------------------------------------------------
// The first id at which a running sum in id order exceeds a target, without a sort: each
// thread owns one contiguous chunk of ids (a group sums its threads' chunks with coalesced
// reads), a block scan of the chunk sums finds the crossing chunk, and that chunk's group scans
// it. value_at(id) >= 0; target_of(total) gives the target once the total is known. Returns the
// id (if rounding leaves no crossing: the last id with a positive value; -1 if none) and total.
struct Crossing {
  int64_t id;
  double total;
};

template <typename Block, typename ValueAt>
R1F_HOST_DEVICE int64_t last_positive_id(const Block& block, int64_t vocab, ValueAt value_at) {
  int64_t last = -1;
  for (int64_t id = block.thread_index(); id < vocab; id += block.thread_count()) {
    if (value_at(id) > 0.0) last = id;
  }
  return block.reduce(last, Max());
}

template <typename Block, typename ValueAt, typename TargetOf>
R1F_HOST_DEVICE Crossing first_crossing(const Block& block,
                                        SamplingScratch& scratch,
                                        int64_t vocab,
                                        ValueAt value_at,
                                        TargetOf target_of) {
  const int lanes = block.group_size();
  const int64_t chunk_length = (vocab + block.thread_count() - 1) / block.thread_count();
  double own_sum = 0.0;  // the sum over chunk thread_index
  for (int offset = 0; offset < lanes; ++offset) {
    const int64_t begin =
        (static_cast<int64_t>(block.group_index()) * lanes + offset) * chunk_length;
    const int64_t end = begin + chunk_length < vocab ? begin + chunk_length : vocab;
    double partial = 0.0;
    for (int64_t id = begin + block.lane(); id < end; id += lanes) partial += value_at(id);
    partial = block.group_reduce(partial, Sum());
    if (block.lane() == offset) own_sum = partial;
  }
  const PrefixSum<double> chunks = block.scan(own_sum);
  const double target = target_of(chunks.total);
  const int64_t crossing_chunk =
      block.reduce(chunks.inclusive > target ? block.thread_index() : kNoId, Min());
  if (crossing_chunk == kNoId) {
    return {last_positive_id(block, vocab, value_at), chunks.total};
  }
  if (block.thread_index() == crossing_chunk) scratch.found_start = chunks.exclusive;
  block.sync();
  if (block.group_index() == crossing_chunk / lanes) {
    const int64_t begin = crossing_chunk * chunk_length;
    const int64_t end = begin + chunk_length < vocab ? begin + chunk_length : vocab;
    double carry = scratch.found_start;
    int64_t found = -1;
    for (int64_t tile = begin; tile < end; tile += lanes) {
      const int64_t id = tile + block.lane();
      const double value = id < end ? value_at(id) : 0.0;
      const PrefixSum<double> sums = block.group_scan(value);
      const int crossing_lane = block.group_first(carry + sums.inclusive > target);
      if (crossing_lane >= 0) {
        found = tile + crossing_lane;
        break;
      }
      const int last_lane = block.group_last(value > 0.0);
      if (last_lane >= 0) found = tile + last_lane;  // rounding fallback within the chunk
      carry += sums.total;
    }
    if (block.lane() == 0) scratch.found_id = found;
  }
  block.sync();
  const int64_t found = scratch.found_id;
  if (found >= 0) return {found, chunks.total};
  return {last_positive_id(block, vocab, value_at), chunks.total};
}

}  // namespace r1forge::kernels::sampling
