// Host-to-device copies through pinned memory; see core/device_copy.h.
#include "r1forge/core/device_copy.h"

namespace r1forge {

at::Tensor to_device(const at::Tensor& tensor, const at::Device& device) {
  if (!tensor.defined() || tensor.device() == device) return tensor;
  if (!device.is_cuda() || !tensor.device().is_cpu()) return tensor.to(device);
  // pin_memory copies into a cached page-locked block (a host memcpy, no sync); the copy from
  // there is queued on the current stream.
  const at::Tensor pinned = tensor.is_pinned() ? tensor : tensor.contiguous().pin_memory();
  return pinned.to(device, /*non_blocking=*/true);
}

}  // namespace r1forge
