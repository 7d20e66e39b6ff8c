// Loads CUDA support at run time: LibTorch's CUDA libraries and r1forge's kernels arrive
// together as the r1forge_cuda module (build/lib/libr1forge_cuda.so), dlopened only where a
// GPU driver (libcuda.so.1) can be loaded; the module fills the kernel table of kernels.h.
// CPU-only machines never pay for them (~0.3 s and ~350 MB resident per process). It sits in
// kernels/, not core/, because it exists to load the kernels: core knows nothing of them.
// Environment: R1F_CUDA_MODULE=path overrides where the module is looked for;
// R1F_LOAD_CUDA=1 loads it even without a driver (tests the loading path on CPU machines);
// R1F_LOAD_CUDA=0 never loads it.
#pragma once

#include <string>

namespace r1forge::kernels {

struct CudaLoadResult {
  bool loaded = false;
  std::string detail;  // why not, or which file was loaded
};

// Idempotent; never throws (a failure to load leaves the process CPU-only, with the reason).
CudaLoadResult load_cuda_support();

}  // namespace r1forge::kernels
