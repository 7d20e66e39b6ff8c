// The NCCL backend's way into core/distributed.h. LibTorch's ProcessGroupNCCL lives in its CUDA
// library, which only the r1forge_cuda module links (kernels/cuda_loader.h: loaded where a GPU
// driver exists), so the module hands core a function that builds one; the CPU library never
// names NCCL. Until the module registers it, distributed.backend: nccl is a ConfigError.
// Not here: the group itself (src/core/c10d_group.cpp), the module (src/kernels/nccl_backend.cpp).
#pragma once

#include <c10/util/intrusive_ptr.h>

#include <cstdint>

namespace c10d {  // declared only: whoever builds or calls one includes c10d's headers
class Backend;
class Store;
}  // namespace c10d

namespace r1forge {

// Builds ProcessGroupNCCL for `rank` of `size` over `store` on CUDA device `device_index`,
// its collectives bounded by `timeout_ms`.
using NcclBackendFactory =
    c10::intrusive_ptr<c10d::Backend> (*)(const c10::intrusive_ptr<c10d::Store>& store,
                                          int64_t rank,
                                          int64_t size,
                                          int64_t device_index,
                                          int64_t timeout_ms);

void set_nccl_backend_factory(NcclBackendFactory factory);
NcclBackendFactory nccl_backend_factory();  // null until the CUDA module registered one

}  // namespace r1forge
