// Device-parameterised tests: one test body, run on the CPU and on CUDA. A suite takes an
// at::Device parameter (alone, or in a tuple with its own), instantiated over test_devices();
// the CUDA instances are named .../CUDA and skip without a GPU, like the *_CUDA tests, and
// scripts/device_check.sh counts both kinds on the GPU machine. Tolerances are per device and
// dtype: fp32 on CUDA differs from the CPU only by summation order (cuBLAS picks other GEMM
// tilings and split-K; TF32 is off by default in LibTorch), so its bounds are a few times the
// CPU's; bf16 bounds are a few units in bf16's last place (2^-8 relative).
#pragma once

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <string>
#include <vector>

#include "r1forge/model/transformer.h"

namespace r1forge::testing {

inline std::vector<at::Device> test_devices() {
  return {at::Device(at::kCPU), at::Device(at::kCUDA, 0)};
}

inline std::string device_label(const at::Device& device) {
  return device.is_cuda() ? "CUDA" : "CPU";
}

// For INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(test_devices()), device_test_name).
inline std::string device_test_name(const ::testing::TestParamInfo<at::Device>& info) {
  return device_label(info.param);
}

// Whether `device` can run here (the CPU always; CUDA where a GPU is visible).
inline bool device_available(const at::Device& device) {
  return !device.is_cuda() || torch::cuda::is_available();
}

// Absolute bound for comparing a result computed on `device` in `dtype` with an fp32 oracle
// whose CPU bound is `cpu_fp32`: x4 for fp32 on CUDA (summation order), and for bf16 the
// larger of that and `scale` * 2^-7 (two units in bf16's last place of the values' scale).
inline double device_tolerance(double cpu_fp32,
                               const at::Device& device,
                               at::ScalarType dtype = at::kFloat,
                               double scale = 1.0) {
  double bound = device.is_cuda() ? 4 * cpu_fp32 : cpu_fp32;
  if (dtype == at::kBFloat16) bound = std::max(bound, scale * 0x1.0p-7);
  if (dtype == at::kHalf) bound = std::max(bound, scale * 0x1.0p-10);
  return bound;
}

// The model moved to `device` with its cached handles re-read (Module::to replaces buffers).
inline Transformer& on_device(Transformer& model, const at::Device& device) {
  model->to(device);
  model->refresh_handles();
  return model;
}

}  // namespace r1forge::testing

// First line of a device-parameterised test body: skips where the device is absent.
#define R1F_SKIP_UNLESS_AVAILABLE(device)                                              \
  do {                                                                                 \
    if (!r1forge::testing::device_available(device)) GTEST_SKIP() << "no CUDA device"; \
  } while (0)
