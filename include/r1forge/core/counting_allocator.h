// A CPU allocator that counts live and peak tensor bytes, installed for a scope: the CPU twin of
// the CUDA caching allocator's allocated-bytes statistics. `r1forge plan --measure` reads a
// stage step's peak with it; the memory tests measure the autograd graph with it.
// Not here: resident-set readings and forked runs (core/child_run.h), what is measured.
#pragma once

#include <ATen/ATen.h>
#include <c10/core/CPUAllocator.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace r1forge {

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

}  // namespace r1forge
