// The memory plan of each stage type; see pipeline/memory_plan.h. The per-model formulas are in
// memory_plan_formulas.cpp, the shapes in plan_shapes.cpp.
//
// A training step's peak: the weights W and AdamW state O live throughout; the first backward
// op of a micro-batch (the log-prob backward) runs with every activation A still held, plus its
// own buffers LP, and, from the second micro-batch of a step on, the gradients G of the ones
// before; the step itself holds W + G + O. So peak = W + O + max(A + LP + [accumulation > 1] G, G),
// plus what the stage keeps beside them (reference model, KV cache, reward models, teacher).
#include "r1forge/pipeline/memory_plan.h"

#include <algorithm>
#include <filesystem>

#include "r1forge/core/check.h"
#include "r1forge/model/transformer.h"

namespace r1forge {
namespace fs = std::filesystem;
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// Activations of one training micro-batch: `rows` x `length` positions through the model, of
// which `scored` positions go to the chunked log-softmax (all of them for SFT; the completion
// positions, gathered into a new [N, L, E] tensor, for GRPO).
struct Activations {
  int64_t full = 0;          // no checkpointing
  int64_t checkpointed = 0;  // model.gradient_checkpointing
};

Activations training_activations(const ModelConfig& m,
                                 int64_t b,
                                 int64_t rows,
                                 int64_t length,
                                 int64_t scored,
                                 bool gathered,
                                 bool packed) {
  const int64_t tokens = rows * length;
  const int64_t layer = layer_saved_bytes_per_token(m, b) * tokens;
  // Shared by every layer: the RoPE tables cos, sin [N, T, 1, D] (layers.cpp rope_tables) and,
  // for packed rows, the block-diagonal mask [N, 1, T, T] bool (transformer.cpp).
  int64_t shared = 2 * b * m.head_dim * tokens + (packed ? rows * length * length : 0);
  // The final RMSNorm (as one in the layer: fp32 input, rsqrt, normed, output) and the
  // log-prob function's saved lse (+ entropy) [positions] fp32; GRPO's gather makes a new
  // [N, L, E] input for it (rollout.cpp completion_logprobs).
  shared += (4 * m.hidden_size + 4 + 2 * b * m.hidden_size) * tokens + 8 * scored;
  if (gathered) shared += b * m.hidden_size * scored;
  Activations result;
  // Backward frees each saved tensor as it allocates the gradients that replace it, so the
  // forward's total is the peak (measured: within 2% on the r1-tiny shapes).
  result.full = m.num_hidden_layers * layer + shared;
  // Checkpointed: each layer's input; backward recomputes one layer at a time (its saved set).
  result.checkpointed =
      m.num_hidden_layers * checkpointed_layer_bytes_per_token(m, b) * tokens + shared + layer;
  return result;
}

// The log-prob backward's buffers, held while every activation is (the first backward op):
// the [C, V] chunk buffers, grad_hidden [positions, E], and the [V, E] weight gradient (fp32
// for bf16/fp16, plus a model-dtype chunk copy: logprobs.cpp backward).
int64_t logprob_backward_bytes(const ModelConfig& m,
                               int64_t b,
                               int64_t positions,
                               int64_t chunk_rows) {
  const int64_t chunk = std::min(chunk_rows, positions);
  const int64_t weight_grad = m.vocab_size * m.hidden_size * (b == 4 ? 4 : 4 + b);
  return logprob_chunk_bytes(m.vocab_size, chunk, b) + positions * m.hidden_size * b + weight_grad;
}

struct Planner {
  const Config& config;
  const PlanOptions& options;
  const std::vector<ModelConfig>& shapes;
  int64_t b;

  ModelConfig shape_named(const std::string& reference, const std::string& where) const {
    const std::string name = reference.rfind('@', 0) == 0 ? reference.substr(1) : reference;
    for (size_t i = 0; i < config.stages.size(); ++i) {
      if (config.stages[i].name == name) return shapes[i];
    }
    R1F_CHECK_CONFIG(fs::exists(fs::path(reference) / "config.json"), where, ": '", reference,
                     "' is neither a stage nor a model folder with a config.json");
    return load_model_config(fs::path(reference) / "config.json");
  }

  // Reward models the stage's rewards load (reward name reward_model), in their dtype option
  // (default float32) and on their device option (default cpu).
  void add_reward_models(StageMemoryPlan& plan,
                         const std::vector<RewardSpec>& rewards,
                         const std::string& where) const {
    for (const RewardSpec& reward : rewards) {
      if (reward.name != "reward_model") continue;
      auto option = [&](const char* key, const char* fallback) {
        auto it = reward.options.find(key);
        return it == reward.options.end() ? std::string(fallback) : it->second;
      };
      ModelConfig rm = shape_named(option("path", ""), where + ".options.path");
      rm.tie_word_embeddings = true;  // the body owns no LM head (model/reward_model.h)
      const int64_t bytes =
          (parameter_count(rm) + rm.hidden_size) * dtype_bytes(option("dtype", "float32"));
      const std::string device = option("device", "cpu");
      const bool same =
          device.rfind(config.model.device == "auto" ? "cuda" : config.model.device, 0) == 0;
      const std::string label = reward.label.empty() ? reward.name : reward.label;
      plan.items.push_back({"reward model " + label, bytes,
                            "weights on " + device + (same ? "" : " (not this device)"), same});
    }
  }

  StageMemoryPlan start(size_t index) const {
    const StageConfig& stage = config.stages[index];
    StageMemoryPlan plan;
    plan.stage = stage.name;
    plan.type = stage.type;
    plan.model = shapes[index];
    plan.parameters = parameter_count(plan.model);
    plan.dtype = config.model.dtype;
    plan.device = config.model.device;
    plan.gradient_checkpointing = config.model.gradient_checkpointing;
    return plan;
  }

  // Weights, gradients, AdamW state: torch::optim::AdamW keeps exp_avg and exp_avg_sq like each
  // parameter (its dtype: no fp32 master copy); ZeRO-1 keeps 1/W of them per rank.
  void add_trainable(StageMemoryPlan& plan, int64_t parameters) const {
    const int64_t weights = parameters * b;
    plan.items.push_back(
        {"weights", weights, std::to_string(parameters) + " x " + std::to_string(b) + " B", true});
    plan.items.push_back({"gradients", weights, "one per weight, same dtype", true});
    const bool sharded = config.distributed.zero_stage == 1 && options.world_size > 1;
    plan.items.push_back(
        {"optimizer", sharded ? ceil_div(2 * weights, options.world_size) : 2 * weights,
         sharded ? "AdamW exp_avg + exp_avg_sq, ZeRO-1: 1/" + std::to_string(options.world_size)
                 : "AdamW exp_avg + exp_avg_sq (weight dtype)",
         true});
  }

  int64_t item(const StageMemoryPlan& plan, const std::string& name) const {
    int64_t total = 0;
    for (const auto& i : plan.items) {
      if (i.name == name) total += i.bytes;
    }
    return total;
  }

  // Adds activations + log-prob items and returns the peak of the training phase (W + O + ...).
  int64_t add_training(StageMemoryPlan& plan,
                       const Activations& a,
                       int64_t logprob_bytes,
                       int64_t accumulation) const {
    plan.activations_without_checkpointing = a.full;
    plan.activations_with_checkpointing = a.checkpointed;
    plan.activations_bytes = plan.gradient_checkpointing ? a.checkpointed : a.full;
    plan.items.push_back({"activations", plan.activations_bytes,
                          plan.gradient_checkpointing ? "checkpointed (layer inputs)"
                                                      : "saved for backward, one micro-batch",
                          true});
    if (logprob_bytes > 0) {
      plan.items.push_back({"log-prob chunks", logprob_bytes,
                            "[C, V] fp32 buffers + grad_hidden + [V, E] grad buffer", true});
    }
    const int64_t gradients = item(plan, "gradients");
    return item(plan, "weights") + item(plan, "optimizer") +
           std::max(plan.activations_bytes + logprob_bytes + (accumulation > 1 ? gradients : 0),
                    gradients);
  }

  int64_t beside(const StageMemoryPlan& plan) const {
    int64_t total = 0;
    for (const auto& i : plan.items) {
      if (i.in_peak && (i.name.rfind("reward model", 0) == 0 || i.name == "reference model" ||
                        i.name == "teacher" || i.name == "teacher outputs" || i.name == "kv_cache"))
        total += i.bytes;
    }
    return total;
  }

  // Engine KV cache for `samples` sequences of `capacity` positions (engine.cpp: slots =
  // min(max_batch_size, samples, max_cached_tokens / capacity); the cache stays allocated in
  // the backend after generate returns).
  void add_kv_cache(StageMemoryPlan& plan, int64_t samples, int64_t capacity) const {
    int64_t slots = std::min(config.sampling.max_batch_size, std::max<int64_t>(samples, 1));
    if (config.sampling.max_cached_tokens > 0) {
      slots = std::min(slots, std::max<int64_t>(config.sampling.max_cached_tokens / capacity, 1));
    }
    const int64_t bytes = kv_cache_bytes(plan.model, slots, capacity, b);
    for (auto& i : plan.items) {
      if (i.name == "kv_cache") {
        if (bytes > i.bytes) {
          i.bytes = bytes;
          plan.work.decode_slots = slots;
          plan.work.decode_capacity = capacity;
        }
        return;
      }
    }
    plan.items.push_back({"kv_cache", bytes,
                          std::to_string(slots) + " slots x " + std::to_string(capacity) +
                              " positions (prompt bound + completion)",
                          true});
    plan.work.decode_slots = slots;
    plan.work.decode_capacity = capacity;
    // Decoding's transient: next-token logits [slots, V] fp32, their log-softmax and the
    // sampler's processed copy (engine.cpp).
    plan.items.push_back(
        {"decode logits", 3 * slots * plan.model.vocab_size * 4, "[slots, V] fp32 x 3", true});
  }

  void add_generation_work(StageMemoryPlan& plan, int64_t samples, int64_t completion) const {
    plan.work.generated_tokens_per_step = samples * completion;
    plan.work.decode_steps_per_step =
        ceil_div(samples, std::max<int64_t>(plan.work.decode_slots, 1)) * completion;
  }
};

int64_t item_bytes(const StageMemoryPlan& plan, const std::string& name) {
  for (const auto& i : plan.items) {
    if (i.name == name) return i.bytes;
  }
  return 0;
}

// The section holding a stage's micro-batch and chunk keys.
std::string training_section(const std::string& type) {
  if (type == "grpo") return "grpo";
  if (type == "reward_model") return "reward_model";
  return "sft";
}

// Ways to lower the peak when it does not fit, each with its key and what it saves (activation
// and KV figures scale linearly with rows, so halving saves about half).
void add_knobs(const Config& config, const PlanOptions& options, StageMemoryPlan& plan) {
  if (options.device_memory_bytes <= 0 || plan.peak_bytes <= options.device_memory_bytes) return;
  const std::string stage_key = "stages." + plan.stage;
  const bool training = item_bytes(plan, "gradients") > 0;
  auto add = [&](std::string key, std::string now, std::string suggested, int64_t saves) {
    if (saves > 0)
      plan.knobs.push_back({std::move(key), std::move(now), std::move(suggested), saves});
  };
  if (training) {
    const std::string section = stage_key + "." + training_section(plan.type);
    if (!plan.gradient_checkpointing) {
      add("model.gradient_checkpointing", "false", "true",
          plan.activations_without_checkpointing - plan.activations_with_checkpointing);
    }
    const int64_t rows =
        plan.type == "reward_model" ? plan.work.micro_batch_rows / 2 : plan.work.micro_batch_rows;
    if (rows > 1) {
      add(section + ".micro_batch_size", std::to_string(rows), std::to_string(rows / 2),
          plan.activations_bytes / 2);
    }
    const int64_t chunk = item_bytes(plan, "log-prob chunks");
    if (chunk > 0 && plan.type != "reward_model") {
      const StageConfig* stage = nullptr;
      for (const auto& s : config.stages) {
        if (s.name == plan.stage) stage = &s;
      }
      const int64_t rows_now = stage && stage->grpo  ? stage->grpo->logprob_chunk_rows
                               : stage && stage->sft ? stage->sft->logprob_chunk_rows
                                                     : 0;
      if (rows_now > 64) {
        const int64_t buffers =
            logprob_chunk_bytes(plan.model.vocab_size, rows_now, dtype_bytes(plan.dtype));
        add(section + ".logprob_chunk_rows", std::to_string(rows_now), std::to_string(rows_now / 4),
            std::min(chunk, buffers) * 3 / 4);
      }
    }
    if (options.world_size > 1 && config.distributed.zero_stage == 0) {
      add("distributed.zero_stage", "0", "1",
          item_bytes(plan, "optimizer") * (options.world_size - 1) / options.world_size);
    }
    if (plan.dtype == "float32") {
      add("model.dtype", "float32", "bfloat16",
          (item_bytes(plan, "weights") * 4 + plan.activations_bytes) / 2);
    }
  }
  const int64_t kv = item_bytes(plan, "kv_cache");
  if (kv > 0 && plan.work.decode_slots > 1) {
    add("sampling.max_batch_size", std::to_string(plan.work.decode_slots),
        std::to_string(plan.work.decode_slots / 2), kv / 2);
  }
  const int64_t reference = item_bytes(plan, "reference model");
  if (reference > 0)
    add(stage_key + ".grpo.beta", "> 0", "0 (no reference model; no KL)", reference);
  std::sort(plan.knobs.begin(), plan.knobs.end(),
            [](const PlanKnob& a, const PlanKnob& b) { return a.saves_bytes > b.saves_bytes; });
}

int64_t max_prompt_length(const GrpoConfig& grpo) {
  int64_t longest = grpo.data.max_prompt_length;
  for (const auto& source : grpo.sources)
    longest = std::max(longest, source.data.max_prompt_length);
  return grpo.sources.empty() ? grpo.data.max_prompt_length : longest;
}

}  // namespace

RunMemoryPlan plan_memory(const Config& config, const PlanOptions& options) {
  R1F_CHECK_USAGE(options.world_size >= 1, "plan: world size must be >= 1");
  const std::vector<ModelConfig> shapes = stage_model_shapes(config);
  Planner p{config, options, shapes, dtype_bytes(config.model.dtype)};
  RunMemoryPlan run;
  run.world_size = options.world_size;
  run.device_memory_bytes = options.device_memory_bytes;
  const int64_t ranks = options.world_size;
  for (size_t i = 0; i < config.stages.size(); ++i) {
    const StageConfig& stage = config.stages[i];
    const std::string key = "stages." + stage.name;
    StageMemoryPlan plan = p.start(i);
    const int64_t b = p.b;
    if (stage.type == "sft" || stage.type == "pretrain" || stage.type == "distill") {
      const SftConfig& sft = *stage.sft;
      p.add_trainable(plan, plan.parameters);
      if (stage.type == "distill" && stage.distill->logit_weight > 0) {
        const DistillConfig& d = *stage.distill;
        const ModelConfig teacher = p.shape_named(d.teacher, key + ".distill.teacher");
        plan.teacher = teacher;
        plan.items.push_back({"teacher", parameter_count(teacher) * b, "frozen weights", true});
        // The teacher's no-grad forward keeps its hidden [N, T, E_t] and top-k [N, T, k] (fp32
        // values, int64 ids) beside the student's step (distill_stage.cpp teacher_targets).
        const int64_t tokens = sft.micro_batch_size * sft.data.max_length;
        plan.items.push_back({"teacher outputs",
                              tokens * (teacher.hidden_size * b + 12 * d.teacher_top_k),
                              "hidden + top-k of one micro-batch", true});
        plan.work.scored_tokens_per_step = sft.batch_size * sft.data.max_length / ranks;
        if (d.samples_student()) {
          p.add_kv_cache(plan, sft.micro_batch_size,
                         sft.data.max_length + d.generation.max_completion_length);
        }
      }
      const int64_t rows = sft.micro_batch_size, length = sft.data.max_length;
      const Activations a =
          training_activations(plan.model, b, rows, length, rows * length, false, sft.packing);
      const int64_t lp =
          logprob_backward_bytes(plan.model, b, rows * length, sft.logprob_chunk_rows);
      const int64_t accumulation = ceil_div(ceil_div(sft.batch_size, rows), ranks);
      plan.peak_bytes = p.add_training(plan, a, lp, accumulation) + p.beside(plan);
      plan.work.steps = sft.max_steps;
      plan.work.micro_batch_rows = rows;
      plan.work.train_sequence_length = length;
      plan.work.train_tokens_per_step = ceil_div(sft.batch_size, ranks) * length;
      plan.notes.push_back("rows taken at data.max_length (" + std::to_string(length) +
                           "): an upper bound unless packing");
      if (sft.max_steps == 0)
        plan.notes.push_back("steps: num_epochs x rows / batch_size (data-dependent)");
    } else if (stage.type == "grpo") {
      const GrpoConfig& g = *stage.grpo;
      p.add_trainable(plan, plan.parameters);
      if (g.beta > 0) {
        plan.items.push_back(
            {"reference model", plan.parameters * b, "beta > 0: a frozen copy", true});
      }
      const int64_t prompt = max_prompt_length(g), completion = g.generation.max_completion_length;
      const int64_t samples = g.prompts_per_step * g.num_generations;
      p.add_kv_cache(plan, samples, prompt + completion);
      p.add_generation_work(plan, samples, completion);
      if (!g.eval.data.path.empty()) {
        p.add_kv_cache(plan, p.config.sampling.max_batch_size,
                       g.eval.data.max_prompt_length + g.eval_generation().max_completion_length);
      }
      std::vector<RewardSpec> rewards = g.rewards;
      for (const auto& source : g.sources)
        rewards.insert(rewards.end(), source.rewards.begin(), source.rewards.end());
      p.add_reward_models(plan, rewards, key + ".grpo.rewards");
      const int64_t mini = g.mini_batch_size > 0 ? std::min(g.mini_batch_size, samples) : samples;
      const int64_t rows = std::min(g.micro_batch_size, mini);
      const int64_t length = prompt + completion;
      const Activations a =
          training_activations(plan.model, b, rows, length, rows * completion, true, false);
      const int64_t lp =
          logprob_backward_bytes(plan.model, b, rows * completion, g.logprob_chunk_rows);
      const int64_t accumulation = ceil_div(ceil_div(mini, rows), ranks);
      plan.peak_bytes = p.add_training(plan, a, lp, accumulation) + p.beside(plan);
      plan.work.steps = g.max_steps;
      plan.work.micro_batch_rows = rows;
      plan.work.train_sequence_length = length;
      plan.work.train_tokens_per_step = g.num_iterations * ceil_div(samples, ranks) * length;
      const bool recompute_old =
          g.old_logprobs == "recompute" ||
          (g.old_logprobs == "auto" && (g.num_iterations > 1 || mini < samples));
      plan.work.scored_tokens_per_step =
          ((g.beta > 0 ? 1 : 0) + (recompute_old ? 1 : 0)) * ceil_div(samples, ranks) * length;
      plan.notes.push_back("prompts taken at max_prompt_length (" + std::to_string(prompt) +
                           ") + max_completion_length (" + std::to_string(completion) +
                           "): an upper bound");
      plan.notes.push_back("the KV cache stays allocated in the engine during the update");
    } else if (stage.type == "rejection_sampling" || stage.type == "eval") {
      plan.items.push_back({"weights", plan.parameters * b,
                            std::to_string(plan.parameters) + " x " + std::to_string(b) + " B",
                            true});
      const bool rejection = stage.type == "rejection_sampling";
      const PromptDataConfig& data = rejection ? stage.rejection_sampling->data : stage.eval->data;
      const GenerationSettings& gen =
          rejection ? stage.rejection_sampling->generation : stage.eval->generation;
      const int64_t per_prompt =
          rejection ? stage.rejection_sampling->num_samples : stage.eval->num_samples;
      const int64_t prompts =
          rejection ? stage.rejection_sampling->prompts_per_batch
                    : (stage.eval->max_problems > 0 ? stage.eval->max_problems
                                                    : p.config.sampling.max_batch_size);
      p.add_kv_cache(plan, prompts * per_prompt,
                     data.max_prompt_length + gen.max_completion_length);
      p.add_generation_work(plan, prompts * per_prompt, gen.max_completion_length);
      p.add_reward_models(plan, rejection ? stage.rejection_sampling->rewards : stage.eval->rewards,
                          key + (rejection ? ".rejection_sampling" : ".eval") + ".rewards");
      plan.peak_bytes = p.item(plan, "weights") + p.item(plan, "decode logits") + p.beside(plan);
      if (rejection && data.max_prompts > 0) plan.work.steps = ceil_div(data.max_prompts, prompts);
      if (!rejection && stage.eval->max_problems > 0) plan.work.steps = 1;
      plan.notes.push_back("prompts taken at max_prompt_length (" +
                           std::to_string(data.max_prompt_length) + "): an upper bound");
    } else if (stage.type == "reward_model") {
      const RewardModelConfig& rm = *stage.reward_model;
      plan.model.tie_word_embeddings = true;  // no LM head; + the score head [1, E]
      plan.parameters = parameter_count(plan.model) + plan.model.hidden_size;
      p.add_trainable(plan, plan.parameters);
      const int64_t rows = 2 * rm.micro_batch_size, length = rm.data.max_length;
      const Activations a = training_activations(plan.model, b, rows, length, 0, false, false);
      const int64_t accumulation = ceil_div(ceil_div(rm.batch_size, rm.micro_batch_size), ranks);
      plan.peak_bytes = p.add_training(plan, a, 0, accumulation);
      plan.work.steps = rm.max_steps;
      plan.work.micro_batch_rows = rows;
      plan.work.train_sequence_length = length;
      plan.work.train_tokens_per_step = ceil_div(2 * rm.batch_size, ranks) * length;
      plan.notes.push_back("pairs taken at data.max_length (" + std::to_string(length) +
                           "): an upper bound");
    }
    add_knobs(config, options, plan);
    run.stages.push_back(std::move(plan));
    // A training stage's `eval:` runs on its final model after it: a phase of its own.
    if (stage.eval && stage.type != "eval") {
      if (stage.type == "reward_model") continue;  // a reward model is not evaluated by sampling
      StageMemoryPlan eval_plan = p.start(i);
      eval_plan.stage = stage.name + ".eval";
      eval_plan.type = "eval";
      const EvalConfig& e = *stage.eval;
      eval_plan.items.push_back(
          {"weights", eval_plan.parameters * b, "the stage's final model", true});
      const int64_t prompts = e.max_problems > 0 ? e.max_problems : config.sampling.max_batch_size;
      p.add_kv_cache(eval_plan, prompts * e.num_samples,
                     e.data.max_prompt_length + e.generation.max_completion_length);
      p.add_generation_work(eval_plan, prompts * e.num_samples, e.generation.max_completion_length);
      p.add_reward_models(eval_plan, e.rewards, key + ".eval.rewards");
      eval_plan.peak_bytes =
          p.item(eval_plan, "weights") + p.item(eval_plan, "decode logits") + p.beside(eval_plan);
      add_knobs(config, options, eval_plan);
      run.stages.push_back(std::move(eval_plan));
    }
  }
  return run;
}

}  // namespace r1forge
