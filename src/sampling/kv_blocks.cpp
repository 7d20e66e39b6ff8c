// Reference-counted KV blocks; see sampling/kv_blocks.h.
#include "r1forge/sampling/kv_blocks.h"

#include "r1forge/core/check.h"

namespace r1forge {

KvBlocks::KvBlocks(int64_t blocks) : holders_(static_cast<size_t>(blocks), 0) {
  // Lowest ids on top of the stack: a fresh pool hands out 0, 1, 2, ...
  for (int64_t block = blocks - 1; block >= 0; --block)
    free_.push_back(static_cast<int32_t>(block));
}

int32_t KvBlocks::take() {
  if (free_.empty()) return -1;
  const int32_t block = free_.back();
  free_.pop_back();
  holders_[static_cast<size_t>(block)] = 1;
  return block;
}

void KvBlocks::retain(int32_t block) {
  R1F_CHECK(holders_.at(static_cast<size_t>(block)) > 0, "KV block ", block,
            " is free and cannot be shared");
  ++holders_[static_cast<size_t>(block)];
}

void KvBlocks::release(int32_t block) {
  int32_t& holders = holders_.at(static_cast<size_t>(block));
  R1F_CHECK(holders > 0, "KV block ", block, " released more often than held");
  if (--holders == 0) free_.push_back(block);
}

void KvBlocks::release_all(std::vector<int32_t>& blocks) {
  for (int32_t block : blocks) release(block);
  blocks.clear();
}

}  // namespace r1forge
