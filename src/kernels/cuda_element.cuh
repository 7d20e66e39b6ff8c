// ATen's element types as CUDA's (the same bits): c10::BFloat16 -> __nv_bfloat16, c10::Half ->
// __half, others as they are. Shared by the kernels that dispatch over ATen's dtypes and hand
// raw pointers to host+device code. Not here: conversions (each kernel's to_float overloads).
#pragma once

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace r1forge::kernels {

template <typename T>
struct CudaElement {
  using type = T;
};
template <>
struct CudaElement<c10::BFloat16> {
  using type = __nv_bfloat16;
};
template <>
struct CudaElement<c10::Half> {
  using type = __half;
};

}  // namespace r1forge::kernels
