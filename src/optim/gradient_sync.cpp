// Bucketed gradient all-reduce, overlapped with backward; see optim/gradient_sync.h.
#include "r1forge/optim/gradient_sync.h"

#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <cstdio>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/log.h"

namespace r1forge {

// Runs after AccumulateGrad has added this backward's gradient into parameter.grad(): the
// gradient is final for the step when the backward is the armed one.
struct GradientReadyHook final : torch::autograd::PostAccumulateGradHook {
  GradientReadyHook(GradientSync* sync, size_t parameter) : sync(sync), parameter(parameter) {}
  void operator()(const torch::autograd::Variable&) override { sync->on_gradient_ready(parameter); }
  GradientSync* sync;
  size_t parameter;
};

GradientSync::GradientSync(std::vector<at::Tensor> parameters, int64_t bucket_bytes, bool overlap)
    : parameters_(std::move(parameters)),
      bucket_of_(parameters_.size()),
      offset_of_(parameters_.size()),
      ready_(parameters_.size(), false),
      defined_here_(parameters_.size(), 0.0f) {
  int64_t filled = 0;
  for (size_t i = parameters_.size(); i-- > 0;) {
    const at::Tensor& parameter = parameters_[i];
    const int64_t bytes = parameter.numel() * static_cast<int64_t>(parameter.element_size());
    const bool fits = !buckets_.empty() && filled + bytes <= bucket_bytes &&
                      buckets_.back().options.dtype() == parameter.dtype() &&
                      buckets_.back().options.device() == parameter.device();
    if (!fits) {
      buckets_.emplace_back();
      buckets_.back().options = parameter.options().requires_grad(false);
      filled = 0;
    }
    Bucket& bucket = buckets_.back();
    bucket_of_[i] = buckets_.size() - 1;
    offset_of_[i] = bucket.elements;
    bucket.members.push_back(i);
    bucket.elements += parameter.numel();
    filled += bytes;
  }
  for (Bucket& bucket : buckets_) bucket.flat = at::empty({bucket.elements}, bucket.options);
  if (overlap) {
    for (size_t i = 0; i < parameters_.size(); ++i) {
      R1F_CHECK(!torch::autograd::impl::post_acc_grad_hooks(parameters_[i]),
                "gradient sync: parameter ", i,
                " already has a post-accumulate hook (two optimizers over one model at once?)");
      torch::autograd::impl::set_post_acc_grad_hooks(parameters_[i],
                                                     std::make_unique<GradientReadyHook>(this, i));
    }
    hooks_ = true;
  }
  char megabytes[32];
  std::snprintf(megabytes, sizeof megabytes, "%.3g",
                static_cast<double>(bucket_bytes) / (1024.0 * 1024.0));
  R1F_LOG_INFO("data parallel: ", parameters_.size(), " gradients summed over ", world().size(),
               " ranks in ", buckets_.size(), " bucket", buckets_.size() == 1 ? "" : "s",
               " of at most ", megabytes, " MB",
               overlap ? ", sent during the last backward as they fill" : ", after backward");
}

GradientSync::~GradientSync() {
  if (!hooks_) return;
  for (const at::Tensor& parameter : parameters_) {
    torch::autograd::impl::set_post_acc_grad_hooks(parameter, nullptr);
  }
}

void GradientSync::arm() {
  if (!hooks_) return;
  std::lock_guard lock(mutex_);
  R1F_CHECK(next_bucket_ == 0, "gradient sync: armed twice in one step");
  armed_ = true;
  sent_in_backward_ = 0;
}

void GradientSync::on_gradient_ready(size_t parameter) {
  std::lock_guard lock(mutex_);
  if (!armed_ || ready_[parameter]) return;
  ready_[parameter] = true;
  ++buckets_[bucket_of_[parameter]].ready;
  // In bucket order only: a rank whose backward skipped a parameter would otherwise start its
  // buckets in another order than its peers, and Gloo/NCCL match collectives by order.
  while (next_bucket_ < buckets_.size() &&
         buckets_[next_bucket_].ready == buckets_[next_bucket_].members.size()) {
    send(next_bucket_++);
    ++sent_in_backward_;
  }
}

void GradientSync::send(size_t index) {
  at::NoGradGuard no_grad;  // hooks run inside backward; the copies are not part of any graph
  Bucket& bucket = buckets_[index];
  for (size_t member : bucket.members) {
    const at::Tensor& gradient = parameters_[member].grad();
    at::Tensor slot = bucket.flat.narrow(0, offset_of_[member], parameters_[member].numel());
    defined_here_[member] = gradient.defined() ? 1.0f : 0.0f;
    if (gradient.defined()) {
      slot.copy_(gradient.reshape({-1}));
    } else {
      slot.zero_();
    }
  }
  bucket.pending = world().start_all_reduce_sum(
      bucket.flat, "all_reduce gradients bucket " + std::to_string(index + 1) + " of " +
                       std::to_string(buckets_.size()));
}

void GradientSync::send_rest() {
  std::lock_guard lock(mutex_);
  send_rest_locked();
}

void GradientSync::send_rest_locked() {
  if (defined_pending_) return;  // sent already this step
  at::NoGradGuard no_grad;
  if (!armed_) sent_in_backward_ = 0;
  while (next_bucket_ < buckets_.size()) send(next_bucket_++);
  // Which gradients exist anywhere, after the buckets (the same order on every rank).
  defined_ = at::tensor(defined_here_, at::kFloat);  // [parameters] 0/1
  defined_pending_ = world().start_all_reduce_sum(defined_, "all_reduce which gradients exist");
}

void GradientSync::synchronize() {
  std::lock_guard lock(mutex_);
  send_rest_locked();
  at::NoGradGuard no_grad;
  for (Bucket& bucket : buckets_) {
    bucket.pending->wait();
    bucket.pending.reset();
  }
  defined_pending_->wait();
  defined_pending_.reset();
  const float* defined_anywhere = defined_.data_ptr<float>();
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (defined_anywhere[i] == 0.0f) continue;
    at::Tensor parameter = parameters_[i];
    const at::Tensor sum =
        buckets_[bucket_of_[i]].flat.narrow(0, offset_of_[i], parameter.numel()).view_as(parameter);
    if (parameter.grad().defined()) {
      parameter.mutable_grad().copy_(sum);
    } else {
      parameter.mutable_grad() = sum.clone();
    }
  }
  if (armed_ && !overlap_reported_) {  // once, so a run's log shows the overlap at work
    overlap_reported_ = true;
    R1F_LOG_INFO("data parallel: ", sent_in_backward_, " of ", buckets_.size(),
                 " gradient buckets left during the first step's last backward");
  }
  // Ready for the next step.
  for (Bucket& bucket : buckets_) bucket.ready = 0;
  std::fill(ready_.begin(), ready_.end(), false);
  next_bucket_ = 0;
  armed_ = false;
}

}  // namespace r1forge
