// The r1forge_cuda module's entry point: hands the loader the addresses of the CUDA kernels
// (src/kernels/*.cu) and the NCCL backend factory (nccl_backend.cpp). Built only into the
// module, never into r1forge_lib.
#include "r1forge/kernels/kernels.h"

namespace r1forge::kernels::cuda {
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);
std::tuple<at::Tensor, at::Tensor> sample_rows(const at::Tensor& logits,
                                               const at::Tensor& report_logits,
                                               const at::Tensor& temperature,
                                               const at::Tensor& top_k,
                                               const at::Tensor& top_p,
                                               const at::Tensor& min_p,
                                               const at::Tensor& uniform);
c10::intrusive_ptr<c10d::Backend> make_nccl_backend(const c10::intrusive_ptr<c10d::Store>& store,
                                                    int64_t rank,
                                                    int64_t size,
                                                    int64_t device_index,
                                                    int64_t timeout_ms);
}  // namespace r1forge::kernels::cuda

extern "C" __attribute__((visibility("default"))) void r1forge_register_cuda_kernels(
    r1forge::kernels::CudaKernelTable* table) {
  table->rms_norm = &r1forge::kernels::cuda::rms_norm;
  table->sample_rows = &r1forge::kernels::cuda::sample_rows;
  table->make_nccl_backend = &r1forge::kernels::cuda::make_nccl_backend;
}
