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

bool paged_attention_uses_cuda(const at::Tensor& q, const at::Tensor& key_pool) {
  if (cuda_kernel_table().paged_decode_attention == nullptr || !cuda_kernels_enabled()) {
    return false;
  }
  if (kernel_config().paged_attention != "auto" || !q.is_cuda() || !key_pool.is_cuda()) {
    return false;
  }
  // The kernel's limits (kernels/paged_attention_layout.h): D <= 256, H / Hkv <= 8.
  if (q.dim() != 3 || key_pool.dim() != 4 || q.size(2) > 256 || q.size(1) > 8 * key_pool.size(1)) {
    return false;
  }
  const at::ScalarType dtype = q.scalar_type();
  if (dtype != key_pool.scalar_type() ||
      (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kHalf)) {
    return false;
  }
  return !(at::GradMode::is_enabled() && q.requires_grad());  // the kernel has no backward
}

at::Tensor paged_decode_attention(const at::Tensor& q,
                                  const at::Tensor& key_pool,
                                  const at::Tensor& value_pool,
                                  const at::Tensor& block_table,
                                  const at::Tensor& lengths,
                                  double scale) {
  if (paged_attention_uses_cuda(q, key_pool)) {
    return cuda_kernel_table().paged_decode_attention(
        q.contiguous(), key_pool.contiguous(), value_pool.contiguous(),
        block_table.to(at::kInt).contiguous(), lengths.to(at::kInt).contiguous(), scale);
  }
  return paged_decode_attention_reference(q, key_pool, value_pool, block_table, lengths, scale);
}

at::Tensor rope_append_cuda(const at::Tensor& qkv,
                            const at::Tensor& cos,
                            const at::Tensor& sin,
                            int64_t heads,
                            const at::Tensor& key_pool,
                            const at::Tensor& value_pool,
                            const at::Tensor& write_blocks,
                            const at::Tensor& write_offsets) {
  R1F_CHECK(cuda_kernel_table().rope_append != nullptr,
            "the fused RoPE/append kernel is not loaded (no GPU driver, or no R1F_CUDA build)");
  return cuda_kernel_table().rope_append(qkv, cos, sin, heads, key_pool, value_pool, write_blocks,
                                         write_offsets);
}

bool rope_append_uses_cuda(const at::Tensor& qkv, const at::Tensor& cos, const at::Tensor& pool) {
  if (cuda_kernel_table().rope_append == nullptr || !cuda_kernels_enabled() ||
      kernel_config().rope_append != "auto") {
    return false;
  }
  if (!qkv.is_cuda() || !cos.is_cuda() || !pool.is_cuda()) return false;
  const at::ScalarType dtype = qkv.scalar_type();
  if (cos.scalar_type() != dtype || pool.scalar_type() != dtype ||
      (dtype != at::kFloat && dtype != at::kBFloat16 && dtype != at::kHalf)) {
    return false;
  }
  return !(at::GradMode::is_enabled() && qkv.requires_grad());
}

std::tuple<at::Tensor, at::Tensor, at::Tensor> token_logprob_stats_cuda(const at::Tensor& z,
                                                                        const at::Tensor& targets,
                                                                        bool with_entropy) {
  R1F_CHECK(cuda_kernel_table().token_logprob_stats != nullptr,
            "the log-prob kernel is not loaded (no GPU driver, or no R1F_CUDA build)");
  return cuda_kernel_table().token_logprob_stats(z, targets, with_entropy);
}

bool logprob_stats_uses_cuda(const at::Tensor& z) {
  return cuda_kernel_table().token_logprob_stats != nullptr && cuda_kernels_enabled() &&
         kernel_config().logprob_stats == "auto" && z.is_cuda() && z.scalar_type() == at::kFloat;
}

}  // namespace r1forge::kernels
