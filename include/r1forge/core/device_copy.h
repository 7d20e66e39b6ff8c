// Host-to-device copies that are not sync points. A plain tensor.to(cuda) from pageable host
// memory waits for the whole stream (LibTorch copies, then synchronises, so the host buffer may
// be reused at once); staged through pinned memory with non_blocking, the copy is queued behind
// the GPU's work and the host goes on. LibTorch's caching host allocator keeps the pinned
// buffer until the copy has run. On the CPU, or for a tensor already on `device`, no copy.
// Not here: device-to-host reads (each is a sync point; the hot loops name theirs).
#pragma once

#include <ATen/ATen.h>

namespace r1forge {

// tensor (any device) -> the same values on `device`; a CPU tensor to CUDA through pinned
// memory, asynchronously. Callers must not write the returned tensor's host source afterwards
// expecting the copy to see it (it was taken when this returned).
at::Tensor to_device(const at::Tensor& tensor, const at::Device& device);

}  // namespace r1forge
