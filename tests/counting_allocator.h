// Test helper: the counting CPU allocator (core/counting_allocator.h) and the
// measurement the memory tests share (bytes the autograd graph keeps between forward and
// backward, peak above the start). Used by the chunked log-prob and distillation-loss tests.
// Not here: what is measured or its bounds (each test's own).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>

#include "r1forge/core/counting_allocator.h"

namespace r1forge::testing {

using ::r1forge::CountingAllocator;
using ::r1forge::CountingScope;

struct MemoryUse {
  int64_t kept_after_forward;  // bytes the autograd graph holds between forward and backward
  int64_t peak;                // peak bytes above the start, forward + backward
};

// Counts `loss(hidden, weight)` and its backward on copies of hidden [.., E] and weight [V, E]
// that require grad.
inline MemoryUse measure_forward_backward(
    const at::Tensor& hidden,
    const at::Tensor& weight,
    const std::function<at::Tensor(const at::Tensor&, const at::Tensor&)>& loss) {
  CountingScope scope;
  CountingAllocator& counter = scope.counter();
  at::Tensor h = hidden.clone().set_requires_grad(true);
  at::Tensor w = weight.clone().set_requires_grad(true);
  const int64_t start = counter.live();
  counter.reset_peak();
  at::Tensor value = loss(h, w);
  const int64_t kept = counter.live() - start;
  value.backward();
  return {kept, counter.peak() - start};
}

}  // namespace r1forge::testing
