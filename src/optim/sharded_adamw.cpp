// ZeRO-1 AdamW over world(); see optim/sharded_adamw.h.
#include "r1forge/optim/sharded_adamw.h"

#include <algorithm>
#include <cmath>

#include "r1forge/core/check.h"
#include "r1forge/core/distributed.h"
#include "saved_moments.h"

namespace r1forge {
namespace {

// Elements per rank in one collective: distributed.bucket_megabytes in all, so the flat
// buffers in flight stay that small whatever the model's size.
int64_t piece_elements(const at::Tensor& like, int64_t world_size) {
  const double bucket_bytes = world().config().bucket_megabytes * 1024.0 * 1024.0;
  return std::max<int64_t>(
      1, static_cast<int64_t>(bucket_bytes / static_cast<double>(like.element_size()) /
                              static_cast<double>(world_size)));
}

}  // namespace

ShardedAdamW::ShardedAdamW(std::vector<at::Tensor> parameters,
                           std::vector<std::string> names,
                           std::vector<bool> decayed,
                           const ShardedAdamWOptions& options)
    : parameters_(std::move(parameters)),
      names_(std::move(names)),
      decayed_(std::move(decayed)),
      steps_(parameters_.size(), 0),
      has_gradient_(parameters_.size(), false),
      options_(options),
      rank_(world().rank()),
      world_size_(world().size()) {
  R1F_CHECK(names_.size() == parameters_.size() && decayed_.size() == parameters_.size(),
            "sharded AdamW: ", parameters_.size(), " parameters, ", names_.size(), " names, ",
            decayed_.size(), " decay flags");
  group_of_.resize(parameters_.size());
  std::vector<int64_t> totals;  // per group: elements
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const at::Tensor& parameter = parameters_[i];
    R1F_CHECK(parameter.is_contiguous(), "sharded AdamW: parameter '", names_[i],
              "' is not contiguous");
    auto same = [&](const FlatGroup& group) {
      const at::Tensor& first = parameters_[group.members.front()];
      return first.scalar_type() == parameter.scalar_type() && first.device() == parameter.device();
    };
    auto found = std::find_if(groups_.begin(), groups_.end(), same);
    if (found == groups_.end()) {
      found = groups_.insert(groups_.end(), FlatGroup{});
      totals.push_back(0);
    }
    const size_t g = static_cast<size_t>(found - groups_.begin());
    group_of_[i] = {g, found->members.size()};
    found->members.push_back(i);
    totals[g] += parameter.numel();
  }
  // Whole parameters per rank: a contiguous run each, a parameter going to the rank its middle
  // falls in when the group is cut into W equal parts. A rank then computes each of its
  // parameters' norm and update on the whole tensor, the same kernels as the replicated
  // optimizer (bit for bit; a split tensor's pieces would round differently at the seams).
  // The shard size is the largest rank's share; the others are padded to it.
  for (size_t g = 0; g < groups_.size(); ++g) {
    FlatGroup& group = groups_[g];
    std::vector<int64_t> rank_of, filled(world_size_, 0);
    int64_t start = 0;
    for (size_t i : group.members) {
      const int64_t numel = parameters_[i].numel();
      const int64_t middle2 = 2 * start + numel;  // twice the middle, to stay in integers
      const int64_t rank = std::min<int64_t>(
          world_size_ - 1, middle2 * world_size_ / std::max<int64_t>(1, 2 * totals[g]));
      rank_of.push_back(rank);
      filled[rank] += numel;
      start += numel;
    }
    group.shard_size = std::max<int64_t>(1, *std::max_element(filled.begin(), filled.end()));
    group.padded = group.shard_size * world_size_;
    std::vector<int64_t> next(world_size_);
    for (int64_t r = 0; r < world_size_; ++r) next[r] = r * group.shard_size;
    for (size_t k = 0; k < group.members.size(); ++k) {
      group.offsets.push_back(next[rank_of[k]]);
      next[rank_of[k]] += parameters_[group.members[k]].numel();
    }
  }
}

std::pair<int64_t, int64_t> ShardedAdamW::owned_range(const FlatGroup& group, size_t member) const {
  const int64_t start = group.offsets[member];
  const int64_t numel = parameters_[group.members[member]].numel();
  const int64_t shard_begin = rank_ * group.shard_size;
  const int64_t begin = std::max(start, shard_begin);
  const int64_t end = std::min(start + numel, shard_begin + group.shard_size);
  if (begin >= end) return {0, 0};
  return {begin - start, end - start};
}

void ShardedAdamW::allocate_moments(FlatGroup& group) {
  if (group.exp_avg.defined()) return;
  const at::Tensor& first = parameters_[group.members.front()];
  group.exp_avg = at::zeros({group.shard_size}, first.options());
  group.exp_avg_sq = at::zeros({group.shard_size}, first.options());
}

double ShardedAdamW::reduce_gradients() {
  // Which gradients exist anywhere (a rank whose share of the step was empty has none).
  std::vector<double> defined(parameters_.size(), 0.0);
  for (size_t i = 0; i < parameters_.size(); ++i) {
    defined[i] = parameters_[i].grad().defined() ? 1.0 : 0.0;
  }
  if (world_size_ > 1)
    defined = all_reduce_sum(std::move(defined), "all_reduce which gradients exist");
  for (size_t i = 0; i < parameters_.size(); ++i) has_gradient_[i] = defined[i] > 0.0;

  // Each parameter's norm on the rank that holds it, as gradient_norm() computes it on the
  // whole gradient (float), then the norm of those norms: the replicated path's value exactly.
  at::Tensor norms = at::zeros({static_cast<int64_t>(parameters_.size())}, at::kFloat);
  for (size_t g = 0; g < groups_.size(); ++g) {
    FlatGroup& group = groups_[g];
    const at::Tensor& first = parameters_[group.members.front()];
    // In pieces: [W * count] holding every rank's shard elements [begin, begin + count), each
    // gradient at its place, zeros where a rank has none and in the padding.
    group.gradient = at::empty({group.shard_size}, first.options());
    const int64_t piece = piece_elements(first, world_size_);
    for (int64_t begin = 0; begin < group.shard_size; begin += piece) {
      const int64_t count = std::min(piece, group.shard_size - begin);
      at::Tensor input = at::zeros({world_size_ * count}, first.options());
      for (int64_t r = 0; r < world_size_; ++r) {
        for_each_overlap(group, r, begin, count, [&](size_t k, int64_t at, int64_t to, int64_t n) {
          const at::Tensor& gradient = parameters_[group.members[k]].grad();
          if (!gradient.defined()) return;
          input.narrow(0, r * count + to, n).copy_(gradient.reshape({-1}).narrow(0, at, n));
        });
      }
      at::Tensor output = group.gradient.narrow(0, begin, count);
      world().reduce_scatter_sum(input, output,
                                 "reduce_scatter gradients (group " + std::to_string(g) + ")");
    }
    for (size_t i : group.members) parameters_[i].mutable_grad().reset();  // not needed now
    for (size_t k = 0; k < group.members.size(); ++k) {
      const size_t i = group.members[k];
      const auto [begin, end] = owned_range(group, k);
      if (!has_gradient_[i] || begin == end) continue;
      const int64_t at_shard = group.offsets[k] - rank_ * group.shard_size;
      norms[static_cast<int64_t>(i)] = group.gradient.narrow(0, at_shard, end)
                                           .view(parameters_[i].sizes())
                                           .to(at::kFloat)
                                           .norm();
    }
  }
  if (world_size_ > 1) {
    std::vector<at::Tensor> all = {norms};
    world().all_reduce_sum(all, "all_reduce gradient norms");  // x + 0 + ... = x exactly
  }
  std::vector<at::Tensor> present;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (has_gradient_[i]) present.push_back(norms[static_cast<int64_t>(i)]);
  }
  if (present.empty()) return 0.0;
  return at::stack(present).norm().item<double>();
}

void ShardedAdamW::scale_gradients(double scale) {
  for (FlatGroup& group : groups_) {
    if (group.gradient.defined()) group.gradient.mul_(scale);
  }
}

void ShardedAdamW::discard_gradients() {
  for (FlatGroup& group : groups_) group.gradient.reset();
  for (auto& parameter : parameters_) parameter.mutable_grad().reset();
}

void ShardedAdamW::step(double lr) {
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    if (has_gradient_[i]) ++steps_[i];
  }
  for (size_t g = 0; g < groups_.size(); ++g) {
    FlatGroup& group = groups_[g];
    R1F_CHECK(group.gradient.defined(), "sharded AdamW: step() without reduce_gradients()");
    allocate_moments(group);
    const int64_t shard_begin = rank_ * group.shard_size;
    // This rank's parameters (whole), as torch::optim::AdamW::step updates each (see
    // torch/csrc/api/src/optim/adamw.cpp): the same operations in the same order, so the
    // values are bit for bit those of the replicated optimizer (tests/optim).
    for (size_t k = 0; k < group.members.size(); ++k) {
      const size_t i = group.members[k];
      const auto [begin, end] = owned_range(group, k);
      if (!has_gradient_[i] || begin == end) continue;
      at::Tensor p = parameters_[i].detach().view({-1}).narrow(0, begin, end - begin);
      const int64_t at_shard = group.offsets[k] + begin - shard_begin;
      at::Tensor gradient = group.gradient.narrow(0, at_shard, end - begin);
      at::Tensor exp_avg = group.exp_avg.narrow(0, at_shard, end - begin);
      at::Tensor exp_avg_sq = group.exp_avg_sq.narrow(0, at_shard, end - begin);
      if (decayed_[i] && options_.weight_decay != 0) p.mul_(1 - lr * options_.weight_decay);
      const double bias_correction1 = 1 - std::pow(options_.beta1, steps_[i]);
      const double bias_correction2 = 1 - std::pow(options_.beta2, steps_[i]);
      exp_avg.mul_(options_.beta1).add_(gradient, 1 - options_.beta1);
      exp_avg_sq.mul_(options_.beta2).addcmul_(gradient, gradient, 1 - options_.beta2);
      at::Tensor denom = (exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(options_.eps);
      p.addcdiv_(exp_avg, denom, -lr / bias_correction1);
    }
    group.gradient.reset();
    // Every rank's updated shard back into every rank's parameters, in pieces.
    if (world_size_ == 1) continue;
    const at::Tensor& first = parameters_[group.members.front()];
    const int64_t piece = piece_elements(first, world_size_);
    for (int64_t begin = 0; begin < group.shard_size; begin += piece) {
      const int64_t count = std::min(piece, group.shard_size - begin);
      at::Tensor mine = at::zeros({count}, first.options());
      for_each_overlap(group, rank_, begin, count,
                       [&](size_t k, int64_t at, int64_t to, int64_t n) {
                         mine.narrow(0, to, n).copy_(
                             parameters_[group.members[k]].detach().view({-1}).narrow(0, at, n));
                       });
      at::Tensor gathered = at::empty({world_size_ * count}, first.options());
      world().all_gather(mine, gathered, "all_gather parameters (group " + std::to_string(g) + ")");
      for (int64_t r = 0; r < world_size_; ++r) {
        if (r == rank_) continue;
        for_each_overlap(group, r, begin, count, [&](size_t k, int64_t at, int64_t to, int64_t n) {
          parameters_[group.members[k]].detach().view({-1}).narrow(0, at, n).copy_(
              gathered.narrow(0, r * count + to, n));
        });
      }
    }
  }
}

std::vector<std::pair<std::string, at::Tensor>> ShardedAdamW::state_tensors() const {
  // Every group's whole moments on rank 0, gathered in pieces of about
  // distributed.bucket_megabytes so that the other ranks never hold more than one piece.
  std::vector<at::Tensor> whole_exp_avg(groups_.size()), whole_exp_avg_sq(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) {
    const FlatGroup& group = groups_[g];
    if (!group.exp_avg.defined()) continue;  // never stepped nor loaded: no state yet
    const auto options = group.exp_avg.options();
    const int64_t piece = piece_elements(group.exp_avg, world_size_);
    if (rank_ == 0) {
      whole_exp_avg[g] = at::empty({group.padded}, options);
      whole_exp_avg_sq[g] = at::empty({group.padded}, options);
    }
    for (int64_t begin = 0; begin < group.shard_size; begin += piece) {
      const int64_t count = std::min(piece, group.shard_size - begin);
      for (int moment = 0; moment < 2; ++moment) {
        const at::Tensor& shard = moment == 0 ? group.exp_avg : group.exp_avg_sq;
        at::Tensor gathered = at::empty({world_size_ * count}, options);
        world().all_gather(shard.narrow(0, begin, count).contiguous(), gathered,
                           "all_gather optimizer state for a checkpoint");
        if (rank_ != 0) continue;
        at::Tensor& whole = moment == 0 ? whole_exp_avg[g] : whole_exp_avg_sq[g];
        for (int64_t r = 0; r < world_size_; ++r) {
          whole.narrow(0, r * group.shard_size + begin, count)
              .copy_(gathered.narrow(0, r * count, count));
        }
      }
    }
  }
  if (rank_ != 0) return {};
  // In parameter order, as the replicated optimizer lists them.
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const auto [g, k] = group_of_[i];
    if (steps_[i] == 0 || !whole_exp_avg[g].defined()) continue;
    const int64_t offset = groups_[g].offsets[k];
    const at::Tensor& parameter = parameters_[i];
    tensors.emplace_back(
        "exp_avg/" + names_[i],
        whole_exp_avg[g].narrow(0, offset, parameter.numel()).view(parameter.sizes()));
    tensors.emplace_back(
        "exp_avg_sq/" + names_[i],
        whole_exp_avg_sq[g].narrow(0, offset, parameter.numel()).view(parameter.sizes()));
    tensors.emplace_back("step/" + names_[i], at::full({1}, steps_[i], at::kLong));
  }
  return tensors;
}

void ShardedAdamW::load_state(const std::map<std::string, at::Tensor>& tensors,
                              const std::string& source) {
  for (FlatGroup& group : groups_) {
    group.exp_avg.reset();
    allocate_moments(group);
  }
  for (size_t i = 0; i < parameters_.size(); ++i) {
    steps_[i] = 0;
    std::optional<SavedMoments> saved =
        find_saved_moments(tensors, names_[i], parameters_[i], source);
    if (!saved) continue;
    steps_[i] = saved->step;
    const auto [g, k] = group_of_[i];
    FlatGroup& group = groups_[g];
    const auto [begin, end] = owned_range(group, k);
    if (begin == end) continue;
    const int64_t at_shard = group.offsets[k] + begin - rank_ * group.shard_size;
    group.exp_avg.narrow(0, at_shard, end - begin)
        .copy_(saved->exp_avg->reshape({-1}).narrow(0, begin, end - begin));
    group.exp_avg_sq.narrow(0, at_shard, end - begin)
        .copy_(saved->exp_avg_sq->reshape({-1}).narrow(0, begin, end - begin));
  }
}

int64_t ShardedAdamW::state_bytes() const {
  int64_t bytes = 0;
  for (const FlatGroup& group : groups_) {
    if (group.exp_avg.defined()) bytes += 2 * group.exp_avg.nbytes();
  }
  return bytes;
}

}  // namespace r1forge
