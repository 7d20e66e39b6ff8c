// GrpoConfig::visit: the field list of the `grpo:` section (names, help, constraints), kept
// apart from the struct so that both stay short. Included by grpo_config.h only.
#pragma once

#include <limits>

namespace r1forge {

template <class Visitor>
void GrpoConfig::visit(Visitor& v) {
  constexpr int64_t kMaxCount = std::numeric_limits<int64_t>::max();
  v.field("data", data, "training prompts");
  v.field("rewards", rewards, "reward functions {name, weight, options}, summed with weights");
  v.field("sources", sources,
          "mixed prompt sets {name, data, rewards, weight} in place of data and rewards");
  v.field("max_steps", max_steps, "GRPO steps (rollout batches)", IntRange{1, kMaxCount});
  v.field("prompts_per_step", prompts_per_step, "B distinct prompts per step",
          IntRange{1, 1 << 20});
  v.field("num_generations", num_generations, "G samples per prompt (the group)",
          IntRange{1, 1 << 16});
  v.field("num_iterations", num_iterations, "mu: optimisation passes over each rollout batch",
          IntRange{1, 1024});
  v.field("mini_batch_size", mini_batch_size,
          "completions per optimizer step; 0 = the whole rollout batch", IntRange{0, kMaxCount});
  v.field("micro_batch_size", micro_batch_size, "completions per forward/backward",
          IntRange{1, 1 << 20});
  v.field("shared_prompt_forward", shared_prompt_forward,
          "log-prob and update passes compute each prompt once for its completions (same "
          "values up to float summation order); false = every completion recomputes it, as TRL");
  generation.visit(v);  // max_completion_length, temperature, ... sit in this section (TRL)
  v.field("mask_truncated_completions", mask_truncated_completions,
          "no loss on completions cut by max_completion_length (DAPO overlong filtering)");
  v.field("advantage_estimator", advantage_estimator, "how rewards become advantages",
          OneOf{"grpo", "dr_grpo", "rloo", "reinforce_pp", "reinforce_pp_baseline"});
  v.field("scale_rewards", scale_rewards, "grpo: divide by the group's std, the batch's, or none",
          OneOf{"group", "batch", "none"});
  v.field("normalize_advantages", normalize_advantages, "rloo: whiten advantages over the batch");
  v.field("dynamic_sampling", dynamic_sampling,
          "DAPO: drop groups whose rewards are all equal and sample more prompts");
  v.field("max_sampling_rounds", max_sampling_rounds, "rollout rounds per step at most",
          IntRange{1, 1 << 16});
  v.field("loss_type", loss_type, "aggregation: grpo | bnpo | dr_grpo | dapo",
          OneOf{"grpo", "bnpo", "dr_grpo", "dapo"});
  v.field("importance_sampling_level", importance_sampling_level,
          "token ratio or GSPO's sequence ratio", OneOf{"token", "sequence"});
  v.field("epsilon", epsilon, "lower clip of the ratio (1 - epsilon); >= 1: no lower clip",
          RealRange{0.0, 1e6});
  v.field("epsilon_high", epsilon_high, "upper clip (1 + epsilon_high); null = epsilon",
          RealRange{0.0, 1e6});
  v.field("delta", delta, "dual clip: cap the unclipped ratio; null = off", RealRange{1.0, 1e6});
  v.field("beta", beta, "KL coefficient; 0 = no reference model", RealRange{0.0, 1e6});
  v.field("kl_estimator", kl_estimator,
          "per-token KL estimator; auto = k3 for kl_in loss (TRL GRPO), k1 for kl_in reward "
          "(TRL RLOO)",
          OneOf{"auto", "k1", "k2", "k3"});
  v.field("kl_log_ratio_clamp", kl_log_ratio_clamp, "clamp logp - ref_logp in the KL; 0 = off",
          RealRange{0.0, 1e6});
  v.field("kl_in", kl_in, "KL in the loss (GRPO) or subtracted from the reward",
          OneOf{"loss", "reward"});
  v.field("use_bias_correction_kl", use_bias_correction_kl,
          "weight the KL by the importance ratio (unbiased off-policy)");
  v.field("entropy_coef", entropy_coef, "entropy bonus coefficient", RealRange{-1e6, 1e6});
  v.field("old_logprobs", old_logprobs, "old-policy log-probs: auto | sampler | recompute",
          OneOf{"auto", "sampler", "recompute"});
  v.field("sync_ref_model", sync_ref_model, "reset the reference model periodically");
  v.field("ref_model_sync_steps", ref_model_sync_steps, "reference reset period in steps",
          IntRange{1, kMaxCount});
  v.field("ref_model_mixup_alpha", ref_model_mixup_alpha,
          "ref <- alpha*policy + (1-alpha)*ref at a reset (1 = copy)", RealRange{0.0, 1.0});
  v.field("optimizer", optimizer, "AdamW, clipping and the lr schedule");
  v.field("logging_steps", logging_steps, "console line every N steps", IntRange{1, kMaxCount});
  v.field("log_completions", log_completions, "completions per step to samples.jsonl",
          IntRange{0, 1 << 20});
  v.field("log_completions_steps", log_completions_steps,
          "write the completions to samples.jsonl every N steps (and at the last)",
          IntRange{1, kMaxCount});
  v.field("eval", eval, "held-out evaluation");
  checkpoint.visit(v);  // its keys sit in this section, as in HF TrainingArguments
  v.field("logprob_chunk_rows", logprob_chunk_rows, "positions per log-softmax chunk",
          IntRange{1, 1 << 24});
}

}  // namespace r1forge
