// Seeded random number helpers: every consumer of randomness derives its own generator from
// the one run seed and a purpose name, so adding a new consumer never shifts another's stream.
//
// derive_seed(run_seed, "init") -> weights;  derive_seed(run_seed, "sampling", prompt, sample)
// -> one sampler stream per (prompt, sample). Mixing is SplitMix64 over an FNV-1a hash of the
// purpose, so seeds are stable across platforms and releases (tests pin values).
// Not here: saving/restoring generator state in checkpoints ([order 5]).
#pragma once

#include <ATen/core/Generator.h>

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace r1forge {

// SplitMix64 finaliser: a bijective 64-bit mix.
uint64_t splitmix64(uint64_t x);

// A 64-bit seed for `purpose` (and optional indices) under `run_seed`.
uint64_t derive_seed(uint64_t run_seed,
                     std::string_view purpose,
                     std::initializer_list<uint64_t> indices = {});

// A CPU ATen generator seeded with derive_seed(...).
at::Generator make_cpu_generator(uint64_t run_seed,
                                 std::string_view purpose,
                                 std::initializer_list<uint64_t> indices = {});

}  // namespace r1forge
