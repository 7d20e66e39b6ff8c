// Data-parallel gradient averaging: sums every parameter's gradient over the ranks of world()
// (core/distributed.h) in buckets of about distributed.bucket_megabytes. The trainers divide
// each loss by the whole step's count (tokens or rows over all ranks), so the sum is the
// single-process gradient; the summation order alone differs.
// With distributed.overlap_backward, a bucket leaves as soon as the step's last backward has
// accumulated all its gradients (a post-accumulate hook on each parameter), so communication
// runs beside the rest of the backward pass, as PyTorch DDP's reducer does.
// Not here: which rank computes which micro-batch (the trainers), the optimizer step, ZeRO-1's
// reduce-scatter (sharded_adamw.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "r1forge/core/distributed.h"

namespace r1forge {

class GradientSync {
 public:
  // Buckets: the parameters in reverse order (backward produces the last layers' gradients
  // first), consecutive ones of one dtype and device up to `bucket_bytes` (at least one each).
  // `overlap`: install the hooks that launch buckets during backward.
  GradientSync(std::vector<at::Tensor> parameters, int64_t bucket_bytes, bool overlap);
  ~GradientSync();  // removes the hooks
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;

  // The next backward is this rank's last before synchronize(): each bucket is sent once its
  // gradients are all accumulated and every earlier bucket has left (so every rank starts the
  // same collectives in the same order). No-op without overlap.
  void arm();
  // Sends the buckets not yet sent (and which gradients exist). A rank must call it (or
  // synchronize()) after its last backward before any other collective: its peers may have
  // sent their buckets during backward, and collectives are matched by order.
  void send_rest();
  // send_rest() if not done, waits for all, and writes the sums back into the gradients.
  // A gradient defined on some ranks only (a rank whose share of the step was empty, or a
  // parameter this rank's micro-batches did not reach) is taken as zeros on the others; one
  // defined nowhere stays undefined, as on one process. Every rank calls it once per step.
  void synchronize();

  size_t bucket_count() const { return buckets_.size(); }
  // Buckets sent during the last synchronized step's backward (the rest left in synchronize()).
  size_t buckets_sent_in_backward() const { return sent_in_backward_; }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indexes into parameters_
    int64_t elements = 0;
    at::TensorOptions options;  // its gradients' dtype and device
    at::Tensor flat;            // [elements]; reused every step
    std::unique_ptr<PendingCollective> pending;
    size_t ready = 0;  // members accumulated in the armed backward
  };
  std::vector<at::Tensor> parameters_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;    // per parameter
  std::vector<int64_t> offset_of_;   // per parameter, in its bucket's flat
  std::vector<bool> ready_;          // per parameter, in the armed backward
  std::vector<float> defined_here_;  // per parameter: 1 when its gradient existed when sent
  size_t next_bucket_ = 0;           // buckets [0, next_bucket_) are sent
  size_t sent_in_backward_ = 0;
  bool armed_ = false;
  bool hooks_ = false;
  bool overlap_reported_ = false;
  at::Tensor defined_;  // [parameters] float: defined_here_ summed over the ranks
  std::unique_ptr<PendingCollective> defined_pending_;  // set from send_rest() to synchronize()
  std::mutex mutex_;  // hooks may run on autograd's device threads

  friend struct GradientReadyHook;
  void on_gradient_ready(size_t parameter);
  void send(size_t bucket);
  void send_rest_locked();
};

}  // namespace r1forge
