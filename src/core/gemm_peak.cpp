// Measured matmul speed; see core/gemm_peak.h.
#include "r1forge/core/gemm_peak.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "r1forge/core/check.h"
#include "r1forge/core/timer.h"

namespace r1forge {

double measure_gemm_flops_per_second(torch::ScalarType dtype,
                                     torch::Device device,
                                     double seconds,
                                     int64_t n) {
  R1F_CHECK(n > 0 && seconds > 0, "gemm peak: n and seconds must be > 0");
  torch::NoGradGuard no_grad;
  const auto options = torch::TensorOptions().dtype(dtype).device(device);
  // A generator of its own: drawing from the global one would shift every later random draw
  // of the run, and a resumed run (which measures again) would no longer match.
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(/*seed=*/0);
  const torch::Tensor a = torch::randn({n, n}, generator).to(options);  // [n, n]
  const torch::Tensor b = torch::randn({n, n}, generator).to(options);  // [n, n]
  torch::Tensor c = torch::empty({n, n}, options);
  auto synchronize = [&] {
    if (device.is_cuda()) c.cpu();  // a copy waits for the stream: the only sync point here
  };
  torch::mm_out(c, a, b);  // warm-up: BLAS packing buffers and thread pool start here
  synchronize();
  double best = 0.0;
  Timer total;
  do {
    Timer repeat;
    torch::mm_out(c, a, b);
    synchronize();
    best = std::max(best, 2.0 * static_cast<double>(n) * n * n / std::max(repeat.seconds(), 1e-9));
  } while (total.seconds() < seconds);
  return best;
}

double gemm_peak_flops_per_second(torch::ScalarType dtype, torch::Device device) {
  static std::mutex mutex;
  static std::map<std::tuple<int, std::string, int>, double> measured;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::make_tuple(static_cast<int>(dtype), device.str(), at::get_num_threads());
  auto found = measured.find(key);
  if (found != measured.end()) return found->second;
  const double flops = measure_gemm_flops_per_second(dtype, device);
  measured.emplace(key, flops);
  return flops;
}

}  // namespace r1forge
