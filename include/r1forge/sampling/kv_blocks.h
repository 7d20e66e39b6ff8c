// Reference-counted blocks of a paged KV pool (model/paged_kv_cache.h): the paged backend's
// allocator. A block is held by every slot whose block table lists it and by the prompt entry
// that wrote it; it returns to the free list when the last holder lets go. Host-side
// bookkeeping only: no tensor is touched here.
#pragma once

#include <cstdint>
#include <vector>

namespace r1forge {

class KvBlocks {
 public:
  explicit KvBlocks(int64_t blocks = 0);
  // A free block with one holder; -1 when none is free.
  int32_t take();
  void retain(int32_t block);
  // One holder fewer; the block is free again at zero.
  void release(int32_t block);
  void release_all(std::vector<int32_t>& blocks);  // and clears the list
  int32_t holders(int32_t block) const { return holders_.at(static_cast<size_t>(block)); }
  int64_t free_blocks() const { return static_cast<int64_t>(free_.size()); }
  int64_t blocks() const { return static_cast<int64_t>(holders_.size()); }

 private:
  std::vector<int32_t> holders_;  // per block
  std::vector<int32_t> free_;     // a stack: the most recently freed block is reused first
};

}  // namespace r1forge
