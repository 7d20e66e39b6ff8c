// The CUDA kernel table, its dispatchers and the twin-backed launchers; see kernels/kernels.h.
#include "r1forge/kernels/kernels.h"

#include <ATen/core/grad_mode.h>

#include <cstdlib>
#include <cstring>

#include "r1forge/core/check.h"
#include "r1forge/kernels/kernel_config.h"
#include "r1forge/kernels/reference.h"

namespace r1forge::kernels {

CudaKernelTable& cuda_kernel_table() {
  static CudaKernelTable table;
  return table;
}

bool cuda_kernels_loaded() {
  return cuda_kernel_table().rms_norm != nullptr;
}

bool cuda_kernels_enabled() {
  static const bool enabled = [] {
    const char* setting = std::getenv("R1F_CUDA_KERNELS");
    return !(setting && std::strcmp(setting, "0") == 0);
  }();
  return enabled;
}

at::Tensor rms_norm_cuda(const at::Tensor& x, const at::Tensor& weight, double eps) {
  R1F_CHECK(cuda_kernels_loaded(),
            "CUDA kernels are not loaded (no GPU driver, or a build without R1F_CUDA)");
  return cuda_kernel_table().rms_norm(x, weight, eps);
}

namespace {
KernelConfig& selection() {
  static KernelConfig config;
  return config;
}
}  // namespace

void set_kernel_config(const KernelConfig& config) {
  selection() = config;
}

const KernelConfig& kernel_config() {
  return selection();
}

bool rms_norm_uses_cuda(const at::Tensor& x, const at::Tensor& weight) {
  if (!cuda_kernels_loaded() || !cuda_kernels_enabled()) return false;
  if (kernel_config().rms_norm != "auto") return false;
  if (!x.is_cuda() || !weight.is_cuda() || x.scalar_type() != weight.scalar_type()) return false;
  const at::ScalarType dtype = x.scalar_type();
  if (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kHalf) return false;
  if (weight.dim() != 1 || x.dim() < 1 || x.size(-1) != weight.size(0)) return false;
  // The kernel writes a fresh tensor with no autograd history.
  return !(at::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad()));
}

at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  if (rms_norm_uses_cuda(x, weight)) return rms_norm_cuda(x.contiguous(), weight.contiguous(), eps);
  return rms_norm_reference(x, weight, eps);
}

std::tuple<at::Tensor, at::Tensor> sample_rows_cuda(const at::Tensor& logits,
                                                    const at::Tensor& report_logits,
                                                    const at::Tensor& temperature,
                                                    const at::Tensor& top_k,
                                                    const at::Tensor& top_p,
                                                    const at::Tensor& min_p,
                                                    const at::Tensor& uniform) {
  R1F_CHECK(cuda_kernel_table().sample_rows != nullptr,
            "the fused sampling kernel is not loaded (no GPU driver, or a build without R1F_CUDA)");
  return cuda_kernel_table().sample_rows(logits, report_logits, temperature, top_k, top_p, min_p,
                                         uniform);
}

bool sample_rows_uses_cuda(const at::Tensor& logits) {
  return cuda_kernel_table().sample_rows != nullptr && cuda_kernels_enabled() &&
         kernel_config().sampling == "auto" && logits.is_cuda() &&
         logits.scalar_type() == at::kFloat;
}

}  // namespace r1forge::kernels
