// Run-time loading of the r1forge_cuda module; see kernels/cuda_loader.h.
#include "r1forge/kernels/cuda_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "r1forge/kernels/kernels.h"

namespace r1forge::kernels {
namespace {

std::filesystem::path executable_dir() {
  char buffer[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length <= 0) return {};
  buffer[length] = '\0';
  return std::filesystem::path(buffer).parent_path();
}

CudaLoadResult load_once() {
  const char* mode = std::getenv("R1F_LOAD_CUDA");
  const std::string setting = mode ? mode : "";
  if (setting == "0") return {false, "R1F_LOAD_CUDA=0"};
  if (setting != "1") {
    void* driver = ::dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!driver) return {false, "no GPU driver (libcuda.so.1 not loadable)"};
  }
  std::filesystem::path module;
  if (const char* override_path = std::getenv("R1F_CUDA_MODULE")) {
    module = override_path;
  } else {
    // Build tree and install layout alike: bin/r1forge beside lib/libr1forge_cuda.so.
    module = executable_dir() / ".." / "lib" / "libr1forge_cuda.so";
  }
  std::error_code error;
  if (!std::filesystem::exists(module, error)) {
    return {false, "no CUDA module at " + module.string() + " (built without R1F_CUDA?)"};
  }
  void* handle = ::dlopen(module.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle) return {false, std::string("cannot load ") + module.string() + ": " + ::dlerror()};
  using Register = void (*)(CudaKernelTable*);
  auto register_kernels =
      reinterpret_cast<Register>(::dlsym(handle, "r1forge_register_cuda_kernels"));
  if (!register_kernels) return {false, module.string() + " lacks its registration symbol"};
  register_kernels(&cuda_kernel_table());
  if (cuda_kernel_table().make_nccl_backend) {
    set_nccl_backend_factory(cuda_kernel_table().make_nccl_backend);
  }
  return {true, module.string()};
}

}  // namespace

CudaLoadResult load_cuda_support() {
  static std::once_flag once;
  static CudaLoadResult result;
  std::call_once(once, [] { result = load_once(); });
  return result;
}

}  // namespace r1forge::kernels
