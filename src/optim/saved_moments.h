// Reading one parameter's AdamW state out of a checkpoint's tensors (Optimizer::state_tensors'
// names): shared by the replicated optimizer (optimizer.cpp) and ZeRO-1 (sharded_adamw.cpp).
// Private to src/optim.
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <string>

#include "r1forge/core/check.h"

namespace r1forge {

struct SavedMoments {
  const at::Tensor* exp_avg = nullptr;     // shaped as the parameter
  const at::Tensor* exp_avg_sq = nullptr;  // shaped as the parameter
  int64_t step = 0;
};

// `name`'s state in `tensors`; nullopt when the parameter has not taken a step. DataError
// naming `source` when the state is incomplete or not shaped as `parameter`.
inline std::optional<SavedMoments> find_saved_moments(
    const std::map<std::string, at::Tensor>& tensors,
    const std::string& name,
    const at::Tensor& parameter,
    const std::string& source) {
  auto step = tensors.find("step/" + name);
  if (step == tensors.end()) return std::nullopt;
  auto exp_avg = tensors.find("exp_avg/" + name);
  auto exp_avg_sq = tensors.find("exp_avg_sq/" + name);
  R1F_CHECK_DATA(exp_avg != tensors.end() && exp_avg_sq != tensors.end(), source,
                 ": optimizer state of '", name, "' is incomplete");
  for (const auto* moment : {&exp_avg->second, &exp_avg_sq->second}) {
    R1F_CHECK_DATA(moment->sizes() == parameter.sizes(), source, ": optimizer state of '", name,
                   "' has shape ", moment->sizes(), ", the parameter ", parameter.sizes());
  }
  return SavedMoments{&exp_avg->second, &exp_avg_sq->second, step->second.item<int64_t>()};
}

}  // namespace r1forge
