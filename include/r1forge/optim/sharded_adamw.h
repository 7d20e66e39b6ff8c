// ZeRO-1 (distributed.zero_stage: 1): AdamW whose moments are split over the ranks of world().
// The gradients are laid out in flat buffers (one per dtype and device) of W equal shards, each
// a run of whole parameters (about 1/W of them, padded to the largest run), and
// reduce-scattered, so each rank holds the summed gradient of its shard only; it keeps exp_avg
// and exp_avg_sq for that shard, updates its parameters with torch::optim::AdamW's arithmetic,
// and the updated shards are all-gathered back into every rank's parameters. Whole parameters
// per rank make the gradient norm and the update bit for bit the replicated optimizer's.
// The per-parameter step counts are kept whole (the same on every rank).
// Not here: clipping and non-finite decisions (optimizer.h), the replicated path
// (gradient_sync.h).
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace r1forge {

struct ShardedAdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // on the parameters marked decayed only
};

class ShardedAdamW {
 public:
  // `parameters` and `names` parallel; `decayed[i]`: parameter i gets weight decay (HF groups).
  ShardedAdamW(std::vector<at::Tensor> parameters,
               std::vector<std::string> names,
               std::vector<bool> decayed,
               const ShardedAdamWOptions& options);

  // Collective. Sums the gradients over the ranks into this rank's shards (a gradient defined
  // on no rank stays out of the step, as torch's AdamW skips it) and returns the global L2
  // norm of the summed gradient (NaN/inf when not finite), the same on every rank.
  double reduce_gradients();
  // Multiplies this rank's gradient shards by `scale` (clipping).
  void scale_gradients(double scale);
  // Collective. One AdamW update with learning rate `lr` of this rank's elements of every
  // parameter that had a gradient, then every rank's parameters become the updated whole.
  void step(double lr);
  // Forgets the gradient shards (a skipped step).
  void discard_gradients();

  // Collective (every rank must call it): on rank 0, the whole state as `exp_avg/<name>`,
  // `exp_avg_sq/<name>` and `step/<name>` ([1] int64) for the parameters that have taken a
  // step, what the replicated optimizer gives; empty on the other ranks, which hold one
  // piece of about distributed.bucket_megabytes at a time while it is gathered.
  std::vector<std::pair<std::string, at::Tensor>> state_tensors() const;
  // Keeps this rank's slice of a whole state (from state_tensors(), of any world size).
  // DataError naming `source` when a tensor is missing or has the wrong shape.
  void load_state(const std::map<std::string, at::Tensor>& tensors, const std::string& source);
  // Bytes of optimizer state this rank holds (its moment shards).
  int64_t state_bytes() const;
  int64_t shard_index() const { return rank_; }
  int64_t shard_count() const { return world_size_; }

 private:
  // Parameters of one dtype and device, flattened: [padded] = W shards of [shard_size], rank
  // r's parameters in order from r * shard_size, then zeros.
  struct FlatGroup {
    std::vector<size_t> members;     // indices into parameters_
    std::vector<int64_t> offsets;    // parallel: where each starts in the flat buffer
    int64_t padded = 0;              // sum of numels rounded up to a multiple of W
    int64_t shard_size = 0;          // padded / W
    at::Tensor exp_avg, exp_avg_sq;  // [shard_size], this rank's slice; undefined until used
    at::Tensor gradient;             // [shard_size], the summed gradient of this step
  };
  // The part of parameter `member` of `group` inside this rank's shard, as [begin, end) of the
  // parameter's flattened elements; begin == end when none.
  std::pair<int64_t, int64_t> owned_range(const FlatGroup& group, size_t member) const;
  void allocate_moments(FlatGroup& group);
  // Calls fn(member, at, to, n) for each parameter of `group` in rank r's shard whose
  // flattened elements [at, at + n) sit at [to, to + n) of that shard's [begin, begin + count).
  template <class Fn>
  void for_each_overlap(
      const FlatGroup& group, int64_t r, int64_t begin, int64_t count, Fn fn) const {
    for (size_t k = 0; k < group.members.size(); ++k) {
      const int64_t position = group.offsets[k] - r * group.shard_size;  // in rank r's shard
      const int64_t numel = parameters_[group.members[k]].numel();
      if (position < 0 || position >= group.shard_size) continue;  // another rank's
      const int64_t low = std::max(position, begin);
      const int64_t high = std::min(position + numel, begin + count);
      if (low < high) fn(k, low - position, low - begin, high - low);
    }
  }

  std::vector<at::Tensor> parameters_;
  std::vector<std::string> names_;
  std::vector<bool> decayed_;
  std::vector<int64_t> steps_;      // per parameter, as torch's AdamWParamState::step
  std::vector<bool> has_gradient_;  // this step, on some rank
  ShardedAdamWOptions options_;
  int64_t rank_ = 0;
  int64_t world_size_ = 1;
  std::vector<FlatGroup> groups_;
  std::vector<std::pair<size_t, size_t>> group_of_;  // per parameter: (group, member)
};

}  // namespace r1forge
