// This machine's rates and one measured step of a stage shape; see pipeline/plan_measure.h.
#include "r1forge/pipeline/plan_measure.h"

#include <c10/core/CachingDeviceAllocator.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/core/child_run.h"
#include "r1forge/core/counting_allocator.h"
#include "r1forge/core/gemm_peak.h"
#include "r1forge/core/threads.h"
#include "r1forge/core/timer.h"
#include "r1forge/model/reward_model.h"
#include "r1forge/model/transformer.h"
#include "r1forge/optim/optimizer.h"
#include "r1forge/pipeline/grpo_update.h"
#include "r1forge/pipeline/sft_trainer.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/rl/bradley_terry.h"
#include "r1forge/sampling/torch_backend.h"

namespace r1forge {
namespace {

// The smaller of MemTotal and a cgroup memory limit (v2 memory.max, v1 limit_in_bytes).
int64_t host_memory_bytes() {
  int64_t total = 0;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    int64_t kib = 0;
    std::string unit;
    meminfo >> kib >> unit;
    if (key == "MemTotal:") total = kib * 1024;
  }
  for (const char* file :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream limit_file(file);
    int64_t limit = 0;
    if (limit_file >> limit && limit > 0 && (total == 0 || limit < total)) total = limit;
  }
  return total;
}

at::Device plan_device(const Config& config) {
  return stage_model_load_options(config).device;
}

// Peak readings around a measured step: CPU through the counting allocator (installed for the
// step), CUDA through the caching allocator's statistics.
class PeakReader {
 public:
  explicit PeakReader(at::Device device) : device_(device) {
    if (device_.is_cuda()) {
      c10::getDeviceAllocator(at::kCUDA)->resetPeakStats(device_.index());
    } else {
      scope_.emplace();
      start_ = scope_->counter().live();
      scope_->counter().reset_peak();
    }
    rss_start_ = resident_bytes();
  }
  int64_t peak() {
    if (device_.is_cuda()) {
      return c10::getDeviceAllocator(at::kCUDA)
          ->getDeviceStats(device_.index())
          .allocated_bytes[0]
          .peak;
    }
    return scope_->counter().peak() - start_;
  }
  int64_t rss_growth() const { return device_.is_cuda() ? 0 : peak_resident_bytes() - rss_start_; }

 private:
  at::Device device_;
  std::optional<CountingScope> scope_;
  int64_t start_ = 0, rss_start_ = 0;
};

void synchronize(at::Device device) {
  if (device.is_cuda()) at::zeros({1}, at::TensorOptions().device(device)).cpu();
}

Transformer make_model(const Config& config, const ModelConfig& shape, bool train) {
  const ModelLoadOptions options = stage_model_load_options(config);
  Transformer model(shape, /*initialize=*/false);
  model->init_weights(/*seed=*/1);
  model->to(options.device, *options.dtype);
  model->refresh_handles();
  model->set_gradient_checkpointing(config.model.gradient_checkpointing);
  if (!train) {
    for (auto& parameter : model->parameters()) parameter.set_requires_grad(false);
  }
  return model;
}

at::Tensor random_ids(int64_t rows, int64_t length, int64_t vocab) {
  return at::randint(0, vocab, {rows, length}, at::kLong);
}

// A few decode steps of every slot after a prompt of `prompt` tokens: seconds per step.
double time_decode(
    TorchBackend& backend, int64_t slots, int64_t prompt, int64_t vocab, at::Device device) {
  std::vector<int64_t> tokens(static_cast<size_t>(std::max<int64_t>(prompt - 1, 1)), 1);
  PromptState state = backend.prefill(tokens);
  for (int64_t slot = 0; slot < slots; ++slot) backend.load_prompt(slot, state);
  const int64_t steps = 4;
  std::vector<double> seconds;
  for (int64_t step = 0; step < steps; ++step) {
    at::Tensor next = at::randint(0, vocab, {slots}, at::kLong);
    at::Tensor positions = at::full({slots}, state.length + step, at::kLong);
    Timer timer;
    at::Tensor logits = backend.decode(next, positions);  // [slots, V] fp32, model device
    at::Tensor reported = at::log_softmax(logits, 1);     // as the engine's reported log-probs
    at::Tensor probabilities = at::softmax(logits, 1);    // the sampler's working copy
    synchronize(device);
    seconds.push_back(timer.seconds());
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds[seconds.size() / 2];
}

const StageConfig& stage_named(const Config& config, const std::string& name) {
  const std::string base = name.substr(0, name.find('.'));
  for (const auto& stage : config.stages) {
    if (stage.name == base) return stage;
  }
  R1F_THROW(UsageError, "plan: no stage named '", base, "'");
}

}  // namespace

int64_t device_memory_bytes(const std::string& device) {
  if ((device == "cuda" || device == "auto") && at::hasCUDA()) {
    return static_cast<int64_t>(c10::getDeviceAllocator(at::kCUDA)->getMemoryInfo(0).second);
  }
  return host_memory_bytes();
}

MachineRates measure_machine(const Config& config) {
  MachineRates rates;
  rates.threads = set_thread_count(config.run.threads);
  const ModelLoadOptions options = stage_model_load_options(config);
  rates.device = options.device.str();
  rates.matmul_flops_per_second = gemm_peak_flops_per_second(*options.dtype, options.device);
  rates.device_memory_bytes = device_memory_bytes(config.model.device);
  // Bandwidth: copies of a 64 MiB buffer (past any cache), best of a few.
  at::NoGradGuard no_grad;
  const int64_t elements = 16 << 20;
  at::Tensor source = at::ones({elements}, at::TensorOptions().device(options.device));
  at::Tensor target = at::empty_like(source);
  target.copy_(source);
  double best = 0;
  for (int repeat = 0; repeat < 5; ++repeat) {
    synchronize(options.device);
    Timer timer;
    target.copy_(source);
    synchronize(options.device);
    best = std::max(best, 2.0 * 4 * elements / std::max(timer.seconds(), 1e-9));
  }
  rates.memory_bytes_per_second = best;
  return rates;
}

nlohmann::json to_json(const MachineRates& r) {
  return {{"device", r.device},
          {"matmul_flops_per_second", r.matmul_flops_per_second},
          {"memory_bytes_per_second", r.memory_bytes_per_second},
          {"device_memory_bytes", r.device_memory_bytes},
          {"threads", r.threads}};
}

MachineRates machine_rates_from_json(const nlohmann::json& j) {
  return {j.at("device"), j.at("matmul_flops_per_second"), j.at("memory_bytes_per_second"),
          j.at("device_memory_bytes"), j.at("threads")};
}

MeasuredStep measure_stage_step(const Config& config, const StageMemoryPlan& plan) {
  set_thread_count(config.run.threads);
  const at::Device device = plan_device(config);
  const StageConfig& stage = stage_named(config, plan.stage);
  const ModelConfig& shape = plan.model;
  MeasuredStep result;
  // What the step does not build: reward models and the teacher's outputs.
  result.estimate_bytes = plan.peak_bytes;
  for (const auto& item : plan.items) {
    if (item.in_peak &&
        (item.name.rfind("reward model", 0) == 0 || item.name == "teacher outputs")) {
      result.estimate_bytes -= item.bytes;
      result.left_out += (result.left_out.empty() ? "" : ", ") + item.name;
    }
  }
  PeakReader reader(device);
  const bool training = plan.work.micro_batch_rows > 0;
  if (plan.type == "reward_model") {
    const RewardModelConfig& rm = *stage.reward_model;
    RewardModel model(shape, /*initialize=*/false);
    model->init_weights(1);
    model->to(device, *stage_model_load_options(config).dtype);
    model->refresh_handles();
    model->body()->set_gradient_checkpointing(config.model.gradient_checkpointing);
    Optimizer optimizer(*model, rm.optimizer, 10);
    const int64_t pairs = rm.micro_batch_size;
    const int64_t accumulation = std::min<int64_t>(2, (rm.batch_size + pairs - 1) / pairs);
    for (int step = 0; step < 2; ++step) {
      for (int64_t k = 0; k < accumulation; ++k) {
        Timer timer;
        at::Tensor ids = random_ids(2 * pairs, rm.data.max_length, shape.vocab_size).to(device);
        at::Tensor scores = model->forward(ids);  // [2P]
        bradley_terry_loss(scores.narrow(0, 0, pairs), scores.narrow(0, pairs, pairs))
            .loss.backward();
        synchronize(device);
        result.micro_batch_seconds = timer.seconds();
      }
      optimizer.step();
    }
  } else if (training && plan.type != "grpo") {
    const SftConfig& sft = *stage.sft;
    Transformer model = make_model(config, shape, true);
    Transformer teacher{nullptr};
    if (plan.teacher)
      teacher = make_model(config, *plan.teacher, false);  // held, as the stage does
    Optimizer optimizer(*model, sft.optimizer, 10);
    const int64_t rows = sft.micro_batch_size, length = sft.data.max_length;
    const int64_t accumulation = std::min<int64_t>(2, (sft.batch_size + rows - 1) / rows);
    for (int step = 0; step < 2; ++step) {
      for (int64_t k = 0; k < accumulation; ++k) {
        SftBatch batch;
        batch.input_ids = random_ids(rows, length, shape.vocab_size);
        batch.targets = random_ids(rows, length, shape.vocab_size);
        batch.loss_mask = at::ones({rows, length}, at::kBool);
        batch.positions =
            at::arange(length, at::kLong).unsqueeze(0).expand({rows, length}).contiguous();
        if (sft.packing) {  // two packed examples a row: the block-diagonal mask path
          batch.segment_ids = (at::arange(length, at::kLong) >= length / 2)
                                  .to(at::kLong)
                                  .add(1)
                                  .unsqueeze(0)
                                  .expand({rows, length})
                                  .contiguous();
          batch.positions = at::arange(length, at::kLong)
                                .remainder(length / 2 + length % 2)
                                .unsqueeze(0)
                                .expand({rows, length})
                                .contiguous();
        }
        batch.target_tokens = rows * length;
        Timer timer;
        SftForward forward = sft_forward(model, batch, sft.logprob_chunk_rows);
        (forward.nll_sum / static_cast<double>(batch.target_tokens)).backward();
        synchronize(device);
        result.micro_batch_seconds = timer.seconds();
      }
      optimizer.step();
    }
  } else if (plan.type == "grpo") {
    const GrpoConfig& g = *stage.grpo;
    Transformer policy = make_model(config, shape, true);
    Transformer reference = g.beta > 0 ? clone_model(policy) : Transformer{nullptr};
    if (reference) {
      for (auto& parameter : reference->parameters()) parameter.set_requires_grad(false);
    }
    Optimizer optimizer(*policy, g.optimizer, 10);
    TorchBackend backend(policy);
    // The copied-prompt layout, the one the plan's kv_cache item counts (an upper bound when
    // sampling.shared_prompt_cache shares prompts).
    backend.allocate({plan.work.decode_slots, plan.work.decode_capacity, plan.work.decode_capacity,
                      /*fan_out=*/false});
    const int64_t completion = g.generation.max_completion_length;
    const int64_t prompt = plan.work.train_sequence_length - completion;
    result.decode_step_seconds =
        time_decode(backend, plan.work.decode_slots, prompt, shape.vocab_size, device);
    policy->train();
    const int64_t micro = plan.work.micro_batch_rows;
    const int64_t samples = g.prompts_per_step * g.num_generations;
    const int64_t mini = g.mini_batch_size > 0 ? std::min(g.mini_batch_size, samples) : samples;
    const int64_t rows = std::min(mini, 2 * micro);  // up to two micro-batches a step
    RolloutBatch batch;
    batch.input_ids = random_ids(rows, prompt + completion, shape.vocab_size);
    batch.prompt_lengths = at::full({rows}, prompt, at::kLong);
    batch.completion_lengths = at::full({rows}, completion, at::kLong);
    batch.completion_ids = batch.input_ids.narrow(1, prompt, completion).contiguous();
    batch.completion_mask = at::ones({rows, completion}, at::kFloat);
    batch.sampler_logprobs = at::zeros({rows, completion}, at::kFloat);
    batch.truncated = at::zeros({rows}, at::kBool);
    PolicyUpdateInputs inputs;
    inputs.advantages = at::randn({rows}, at::kFloat);
    PolicyUpdateConfig update;
    update.loss = g.policy_loss_config();
    update.mini_batch_size = rows;
    update.micro_batch_size = micro;
    update.temperature = g.generation.temperature > 0 ? g.generation.temperature : 1.0;
    update.chunk_rows = g.logprob_chunk_rows;
    // Every row's prompt is its own random ids, so no prompt is shared and the measured step is
    // the unshared one the estimate counts: an upper bound when grpo.shared_prompt_forward
    // lets a group's completions share their prompt's positions.
    update.shared_prompts = g.shared_prompt_forward;
    for (int step = 0; step < 2; ++step) {
      if (reference) {
        inputs.ref_logprobs = score_completions(reference, batch, micro, update.temperature,
                                                g.logprob_chunk_rows, update.shared_prompts);
      }
      Timer timer;
      update_policy(policy, optimizer, batch, inputs, update);
      synchronize(device);
      result.micro_batch_seconds = timer.seconds() / ((rows + micro - 1) / micro);
    }
  } else {
    Transformer model = make_model(config, shape, false);
    TorchBackend backend(model);
    // The copied-prompt layout, the one the plan's kv_cache item counts (an upper bound when
    // sampling.shared_prompt_cache shares prompts).
    backend.allocate({plan.work.decode_slots, plan.work.decode_capacity, plan.work.decode_capacity,
                      /*fan_out=*/false});
    at::NoGradGuard no_grad;
    // Decoding half-way through the slots' capacity: the attention spans half the cache.
    const int64_t prompt = std::max<int64_t>(plan.work.decode_capacity / 2, 2);
    result.decode_step_seconds =
        time_decode(backend, plan.work.decode_slots, prompt, shape.vocab_size, device);
  }
  result.peak_bytes = reader.peak();
  result.rss_growth_bytes = reader.rss_growth();
  return result;
}

nlohmann::json to_json(const MeasuredStep& s) {
  return {{"peak_bytes", s.peak_bytes},
          {"rss_growth_bytes", s.rss_growth_bytes},
          {"estimate_bytes", s.estimate_bytes},
          {"micro_batch_seconds", s.micro_batch_seconds},
          {"decode_step_seconds", s.decode_step_seconds},
          {"left_out", s.left_out}};
}

MeasuredStep measured_step_from_json(const nlohmann::json& j) {
  MeasuredStep s;
  s.peak_bytes = j.at("peak_bytes");
  s.rss_growth_bytes = j.at("rss_growth_bytes");
  s.estimate_bytes = j.at("estimate_bytes");
  s.micro_batch_seconds = j.at("micro_batch_seconds");
  s.decode_step_seconds = j.at("decode_step_seconds");
  s.left_out = j.at("left_out");
  return s;
}

}  // namespace r1forge
