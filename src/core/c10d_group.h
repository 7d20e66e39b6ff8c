// The c10d implementation of WorkerGroup (core/distributed.h): private to core, so that only
// c10d_group.cpp sees c10d's and Gloo's headers.
#pragma once

#include <memory>

#include "r1forge/core/distributed.h"

namespace r1forge {

// Rendezvous through a TCPStore at placement's MASTER_ADDR:MASTER_PORT (rank 0 serves it),
// then a Gloo (CPU) or NCCL (CUDA) backend. IoError naming the address on a timeout.
std::unique_ptr<WorkerGroup> make_c10d_group(const DistributedConfig& config,
                                             const ProcessPlacement& placement,
                                             const at::Device& device);

}  // namespace r1forge
