// Data-parallel gradient averaging's one collective: sums every parameter's gradient over the
// ranks of world() (core/distributed.h), in buckets of about distributed.bucket_megabytes. The
// trainers divide each loss by the whole step's count (tokens or rows over all ranks), so the
// sum is the single-process gradient; the summation order alone differs.
// Not here: which rank computes which micro-batch (the trainers), the optimizer step.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace r1forge {

// Sums the gradients of `parameters` over world() in place (no-op for one process). Buckets
// are flat copies of consecutive gradients of one dtype and device, all in flight at once.
// A gradient defined on some ranks only (a rank whose share of the step was empty) is taken
// as zeros on the others; one defined nowhere stays undefined, as on one process.
void all_reduce_gradients(const std::vector<at::Tensor>& parameters, int64_t bucket_bytes);

}  // namespace r1forge
