// Seed derivation; see include/r1forge/core/rng.h.
#include "r1forge/core/rng.h"

#include <ATen/CPUGeneratorImpl.h>

namespace r1forge {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t derive_seed(uint64_t run_seed,
                     std::string_view purpose,
                     std::initializer_list<uint64_t> indices) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a 64-bit offset basis
  for (unsigned char c : purpose) {
    hash ^= c;
    hash *= 0x100000001b3ULL;  // FNV prime
  }
  uint64_t state = splitmix64(run_seed ^ splitmix64(hash));
  for (uint64_t index : indices) state = splitmix64(state ^ splitmix64(index + 1));
  return state;
}

at::Generator make_cpu_generator(uint64_t run_seed,
                                 std::string_view purpose,
                                 std::initializer_list<uint64_t> indices) {
  return at::make_generator<at::CPUGeneratorImpl>(derive_seed(run_seed, purpose, indices));
}

}  // namespace r1forge
