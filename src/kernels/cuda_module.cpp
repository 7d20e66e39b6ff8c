// The r1forge_cuda module's entry point: hands the loader the addresses of the CUDA kernels
// (src/kernels/*.cu) and the NCCL backend factory (nccl_backend.cpp). Built only into the
// module, never into r1forge_lib.
#include "r1forge/kernels/kernels.h"

namespace r1forge::kernels::cuda {
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);
SampleRowsFunction sample_rows;                 // src/kernels/fused_sampling.cu
PagedAttentionFunction paged_decode_attention;  // src/kernels/paged_attention.cu
RopeAppendFunction rope_append;                 // src/kernels/rope_append.cu
LogprobStatsFunction token_logprob_stats;       // src/kernels/logprob_stats.cu
void* capture_graph(const std::function<void()>& body, int64_t device_index);  // cuda_graph.cu
void replay_graph(void* graph);
void release_graph(void* graph);
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
  table->paged_decode_attention = &r1forge::kernels::cuda::paged_decode_attention;
  table->rope_append = &r1forge::kernels::cuda::rope_append;
  table->token_logprob_stats = &r1forge::kernels::cuda::token_logprob_stats;
  table->capture_graph = &r1forge::kernels::cuda::capture_graph;
  table->replay_graph = &r1forge::kernels::cuda::replay_graph;
  table->release_graph = &r1forge::kernels::cuda::release_graph;
  table->make_nccl_backend = &r1forge::kernels::cuda::make_nccl_backend;
}
