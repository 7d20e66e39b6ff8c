// Test helper: a CPU allocator that counts live and peak bytes, installed for a scope, and the
// measurement the memory tests share (bytes the autograd graph keeps between forward and
// backward, peak above the start). Used by the chunked log-prob and distillation-loss tests.
// Not here: what is measured or its bounds (each test's own).
#pragma once

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace r1forge::testing {

// Each block's DataPtr has its data pointer as context, as LibTorch's own CPU allocator does:
// raw_allocate (used by some kernels, e.g. oneDNN's reduced-precision paths) asserts it, and
// raw_deallocate frees through raw_deleter(). The base allocator's DataPtrs are kept in a map
// keyed by that pointer. One instance exists (CountingScope's), which the deleter reaches.
class CountingAllocator final : public c10::Allocator {
 public:
  explicit CountingAllocator(c10::Allocator* base) : base_(base) { instance() = this; }
  c10::DataPtr allocate(size_t bytes) override {
    c10::DataPtr inner = base_->allocate(bytes);
    void* data = inner.get();
    if (data == nullptr) return inner;  // zero bytes: nothing to count or to key
    const c10::Device device = inner.device();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      blocks_.emplace(data, Block{std::move(inner), bytes});
    }
    const int64_t live = live_.fetch_add(bytes) + static_cast<int64_t>(bytes);
    int64_t peak = peak_.load();
    while (live > peak && !peak_.compare_exchange_weak(peak, live)) {
    }
    return {data, data, &CountingAllocator::release, device};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &CountingAllocator::release; }
  void copy_data(void* dest, const void* src, std::size_t count) const override {
    default_copy_data(dest, src, count);
  }
  int64_t live() const { return live_.load(); }
  int64_t peak() const { return peak_.load(); }
  void reset_peak() { peak_.store(live_.load()); }

 private:
  struct Block {
    c10::DataPtr inner;
    size_t bytes;
  };
  static CountingAllocator*& instance() {
    static CountingAllocator* self = nullptr;
    return self;
  }
  static void release(void* data) {
    CountingAllocator* self = instance();
    c10::DataPtr inner;  // freed through the base allocator when this scope ends
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      auto it = self->blocks_.find(data);
      if (it == self->blocks_.end()) return;
      self->live_.fetch_sub(static_cast<int64_t>(it->second.bytes));
      inner = std::move(it->second.inner);
      self->blocks_.erase(it);
    }
  }
  c10::Allocator* base_;
  std::mutex mutex_;
  std::unordered_map<void*, Block> blocks_;
  std::atomic<int64_t> live_{0}, peak_{0};
};

// Installs the counting allocator for its lifetime. The allocator itself is never destroyed:
// tensors it handed out may outlive the scope.
class CountingScope {
 public:
  CountingScope() : base_(c10::GetCPUAllocator()) {
    static CountingAllocator* counting = new CountingAllocator(c10::GetCPUAllocator());
    counting_ = counting;
    c10::SetCPUAllocator(counting_, /*priority=*/255);
  }
  ~CountingScope() { c10::SetCPUAllocator(base_, /*priority=*/255); }
  CountingAllocator& counter() { return *counting_; }

 private:
  c10::Allocator* base_;
  CountingAllocator* counting_;
};

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
