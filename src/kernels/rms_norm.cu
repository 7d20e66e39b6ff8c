// Fused RMSNorm forward on CUDA; the ATen twin is kernels/reference.h (rms_norm_reference).
// One block per row: each thread sums squares of a strided slice in fp32, a warp-shuffle then
// shared-memory reduction gives the row's mean square, and a second pass writes
// weight * (x * rsqrt(mean + eps)).to(dtype). Rows stay in L2 between the passes for the
// widths r1forge uses (E <= 8192: 32 KB fp32), so the row is read from DRAM once.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include "r1forge/kernels/kernels.h"

namespace r1forge::kernels {
namespace {

constexpr int kThreads = 256;

__inline__ __device__ float warp_sum(float value) {
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_xor_sync(0xffffffff, value, offset);
  return value;
}

template <typename scalar_t>
__global__ void rms_norm_kernel(const scalar_t* __restrict__ x,
                                const scalar_t* __restrict__ weight,
                                scalar_t* __restrict__ out,
                                int64_t width,
                                float eps) {
  const int64_t row = blockIdx.x;
  const scalar_t* x_row = x + row * width;
  scalar_t* out_row = out + row * width;
  float sum = 0.f;
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
    float v = static_cast<float>(x_row[i]);
    sum += v * v;
  }
  __shared__ float partial[kThreads / 32];
  sum = warp_sum(sum);
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = sum;
  __syncthreads();
  if (threadIdx.x < 32) {
    float total = threadIdx.x < kThreads / 32 ? partial[threadIdx.x] : 0.f;
    total = warp_sum(total);
    if (threadIdx.x == 0) partial[0] = rsqrtf(total / static_cast<float>(width) + eps);
  }
  __syncthreads();
  const float scale = partial[0];
  for (int64_t i = threadIdx.x; i < width; i += blockDim.x) {
    scalar_t normalised = static_cast<scalar_t>(static_cast<float>(x_row[i]) * scale);
    out_row[i] = weight[i] * normalised;
  }
}

}  // namespace

namespace cuda {

// The module's entry for kernels::rms_norm_cuda (see kernels.h and cuda_module.cpp).
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  TORCH_CHECK(x.is_cuda() && weight.is_cuda(), "rms_norm_cuda: tensors must be on CUDA");
  TORCH_CHECK(x.is_contiguous() && weight.is_contiguous(), "rms_norm_cuda: need contiguous");
  TORCH_CHECK(x.scalar_type() == weight.scalar_type(), "rms_norm_cuda: dtype mismatch");
  const int64_t width = x.size(-1);
  TORCH_CHECK(weight.numel() == width, "rms_norm_cuda: weight has ", weight.numel(),
              " entries for width ", width);
  const c10::cuda::CUDAGuard guard(x.device());
  at::Tensor out = at::empty_like(x);
  const int64_t rows = x.numel() / std::max<int64_t>(width, 1);
  if (rows == 0) return out;
  auto stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, x.scalar_type(), "rms_norm_cuda", [&] {
    rms_norm_kernel<scalar_t>
        <<<rows, kThreads, 0, stream>>>(x.data_ptr<scalar_t>(), weight.data_ptr<scalar_t>(),
                                        out.data_ptr<scalar_t>(), width, static_cast<float>(eps));
  });
  C10_CUDA_KERNEL_LAUNCH_CHECK();
  return out;
}

}  // namespace cuda

}  // namespace r1forge::kernels
