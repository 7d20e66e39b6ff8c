// Bucketed gradient all-reduce; see optim/gradient_sync.h.
#include "r1forge/optim/gradient_sync.h"

#include <cstdio>
#include <string>

#include "r1forge/core/distributed.h"
#include "r1forge/core/log.h"

namespace r1forge {

void all_reduce_gradients(const std::vector<at::Tensor>& parameters, int64_t bucket_bytes) {
  WorkerGroup& group = world();
  if (group.size() == 1 || parameters.empty()) return;
  // Which gradients exist anywhere: one small collective, so every rank buckets the same list.
  std::vector<double> defined(parameters.size(), 0.0);
  for (size_t i = 0; i < parameters.size(); ++i) {
    defined[i] = parameters[i].grad().defined() ? 1.0 : 0.0;
  }
  defined = all_reduce_sum(std::move(defined), "all_reduce which gradients exist");
  std::vector<at::Tensor> gradients;
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (defined[i] == 0.0) continue;
    at::Tensor parameter = parameters[i];
    if (!parameter.grad().defined()) parameter.mutable_grad() = at::zeros_like(parameter);
    gradients.push_back(parameter.grad());
  }
  // Consecutive gradients of one dtype and device, up to bucket_bytes (at least one each).
  std::vector<std::vector<at::Tensor>> buckets;
  int64_t filled = 0;
  for (const at::Tensor& gradient : gradients) {
    const int64_t bytes = gradient.numel() * static_cast<int64_t>(gradient.element_size());
    const bool fits = !buckets.empty() && filled + bytes <= bucket_bytes &&
                      buckets.back().front().scalar_type() == gradient.scalar_type() &&
                      buckets.back().front().device() == gradient.device();
    if (!fits) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(gradient);
    filled += bytes;
  }
  // Said once per layout (a stage's model), so a run's log shows how its gradients travel.
  static size_t logged_buckets = 0;
  static size_t logged_gradients = 0;
  if (logged_buckets != buckets.size() || logged_gradients != gradients.size()) {
    logged_buckets = buckets.size();
    logged_gradients = gradients.size();
    char megabytes[32];
    std::snprintf(megabytes, sizeof megabytes, "%.3g",
                  static_cast<double>(bucket_bytes) / (1024.0 * 1024.0));
    R1F_LOG_INFO("data parallel: ", gradients.size(), " gradients summed over ", group.size(),
                 " ranks in ", buckets.size(), " bucket", buckets.size() == 1 ? "" : "s",
                 " of at most ", megabytes, " MB");
  }
  std::vector<at::Tensor> flat;
  flat.reserve(buckets.size());
  for (const auto& bucket : buckets) {
    std::vector<at::Tensor> pieces;
    for (const at::Tensor& gradient : bucket) pieces.push_back(gradient.reshape({-1}));
    flat.push_back(at::cat(pieces));
  }
  group.all_reduce_sum(flat, "all_reduce gradients (" + std::to_string(flat.size()) + " buckets)");
  for (size_t b = 0; b < buckets.size(); ++b) {
    int64_t offset = 0;
    for (const at::Tensor& gradient : buckets[b]) {
      const int64_t count = gradient.numel();
      gradient.copy_(flat[b].narrow(0, offset, count).view_as(gradient));
      offset += count;
    }
  }
}

}  // namespace r1forge
