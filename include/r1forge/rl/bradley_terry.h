// The Bradley–Terry pairwise loss of reward-model training, as TRL's RewardTrainer computes it
// (trl 1.16 RewardTrainer.compute_loss), and the pair statistics it logs.
//
// Over P pairs with scores r_c (chosen), r_r (rejected) and optional margins m:
//   loss = mean_p −log σ(r_c − r_r − m)  +  c · mean_p (r_c + r_r)²
// The mean is over pairs (TRL's); m = 0 without margins; the second term is TRL's
// center_rewards_coefficient c (off at 0, TRL's None), which pulls scores towards zero mean.
// ∂loss/∂r_c = −σ(−(r_c − r_r − m))/P + 2c(r_c + r_r)/P, ∂loss/∂r_r = +σ(−(r_c − r_r − m))/P
// + 2c(r_c + r_r)/P.
// Accuracy counts a pair correct only when r_c > r_r strictly (TRL's): a tie is wrong.
// Shapes: P pairs. Not here: the scores (model/reward_model.h), preference data (data/).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "r1forge/core/yaml_fields.h"

namespace r1forge {

struct BradleyTerryConfig {
  double center_rewards_coefficient = 0.0;  // TRL's; 0 = off (TRL's default None)

  bool operator==(const BradleyTerryConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("center_rewards_coefficient", center_rewards_coefficient,
            "weight of mean((r_chosen + r_rejected)^2), centring scores on 0; 0 = off",
            RealRange{0.0, 1e6});
  }
};

struct BradleyTerryResult {
  at::Tensor loss;               // [] in the scores' dtype, differentiable
  int64_t pairs = 0;             // P
  int64_t correct_pairs = 0;     // pairs with r_chosen > r_rejected (ties are not correct)
  double accuracy = 0.0;         // correct_pairs / P
  double margin = 0.0;           // mean r_chosen − r_rejected (TRL's "margin" metric)
  double chosen_reward = 0.0;    // mean r_chosen
  double rejected_reward = 0.0;  // mean r_rejected
};

// chosen_scores, rejected_scores [P] floating; margins [P] or undefined (= 0). The statistics
// are read with one host sync. P = 0 or mismatched shapes: R1F_CHECK error.
BradleyTerryResult bradley_terry_loss(const at::Tensor& chosen_scores,
                                      const at::Tensor& rejected_scores,
                                      const at::Tensor& margins = {},
                                      const BradleyTerryConfig& config = {});

}  // namespace r1forge
