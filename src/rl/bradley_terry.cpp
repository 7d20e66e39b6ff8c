// The Bradley–Terry pairwise loss and pair statistics; see rl/bradley_terry.h.
#include "r1forge/rl/bradley_terry.h"

#include "r1forge/core/check.h"

namespace r1forge {

BradleyTerryResult bradley_terry_loss(const at::Tensor& chosen_scores,
                                      const at::Tensor& rejected_scores,
                                      const at::Tensor& margins,
                                      const BradleyTerryConfig& config) {
  R1F_CHECK(chosen_scores.dim() == 1 && chosen_scores.size(0) > 0,
            "chosen scores must be [P] with P > 0, got ", chosen_scores.sizes());
  R1F_CHECK(rejected_scores.sizes() == chosen_scores.sizes(), "rejected scores ",
            rejected_scores.sizes(), " must match chosen scores ", chosen_scores.sizes());
  R1F_CHECK(at::isFloatingType(chosen_scores.scalar_type()), "scores must be floating point");
  at::Tensor difference = chosen_scores - rejected_scores;  // [P]
  at::Tensor shifted = difference;
  if (margins.defined()) {
    R1F_CHECK(margins.sizes() == chosen_scores.sizes(), "margins ", margins.sizes(),
              " must match the scores ", chosen_scores.sizes());
    shifted = difference - margins.to(difference.device(), difference.scalar_type());
  }
  // log_sigmoid is the stable −softplus(−x): no overflow for large |x|.
  at::Tensor loss = -at::log_sigmoid(shifted).mean();
  if (config.center_rewards_coefficient != 0.0) {
    loss =
        loss + config.center_rewards_coefficient * (chosen_scores + rejected_scores).pow(2).mean();
  }

  BradleyTerryResult result;
  result.loss = loss;
  result.pairs = chosen_scores.size(0);
  at::NoGradGuard no_grad;
  at::Tensor stats = at::stack({(chosen_scores > rejected_scores).sum().to(at::kDouble),
                                difference.detach().to(at::kDouble).mean(),
                                chosen_scores.detach().to(at::kDouble).mean(),
                                rejected_scores.detach().to(at::kDouble).mean()})
                         .cpu();  // sync point: the one read of the statistics
  const double* values = stats.data_ptr<double>();
  result.correct_pairs = static_cast<int64_t>(values[0]);
  result.accuracy = values[0] / static_cast<double>(result.pairs);
  result.margin = values[1];
  result.chosen_reward = values[2];
  result.rejected_reward = values[3];
  return result;
}

}  // namespace r1forge
