// The memory plan (pipeline/memory_plan.h, `r1forge plan`): byte counts hand-derived for a tiny
// shape, the plan's items for each stage type, estimate vs the measured allocator peak of a
// real step for three shapes (within 20%), the knobs named when the device is too small, and
// bad input through the binary (exit 2, exit 4 under --strict).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/model/transformer.h"
#include "r1forge/pipeline/memory_plan.h"
#include "r1forge/pipeline/plan_measure.h"
#include "test_util.h"

namespace r1forge {
namespace {

// E 8, I 16, H 2, Hkv 1, D 4, 2 layers, V 10, untied, no biases.
ModelConfig hand_shape() {
  ModelConfig m;
  m.vocab_size = 10;
  m.hidden_size = 8;
  m.intermediate_size = 16;
  m.num_hidden_layers = 2;
  m.num_attention_heads = 2;
  m.num_key_value_heads = 1;
  m.head_dim = 4;
  return m;
}

TEST(MemoryPlan, HandDerivedByteCounts) {
  const ModelConfig m = hand_shape();
  // Parameters per layer: norms 2 x 8 = 16; qkv (2 + 2x1) x 4 = 16 rows x 8 = 128; o 8 x 8 =
  // 64; gate/up/down 3 x 8 x 16 = 384; total 592, x 2 layers = 1184; embedding + LM head
  // 2 x 10 x 8 = 160; final norm 8: N = 1352. Weights fp32 5408 B, gradients 5408 B, AdamW's two
  // moments 10816 B.
  EXPECT_EQ(parameter_count(m), 1352);
  // Saved per token per layer, fp32 (b = 4): norms 2 x (4x8 input + 4 rsqrt + 2x4x8 normed and
  // output) = 200; qkv 4 x 16 = 64; RoPE output 4 x 3 x 4 = 48; attention output 4 x 8 = 32 +
  // logsumexp 4 x 2 = 8; MLP 4 x 4 x 16 = 256. Total 608.
  EXPECT_EQ(layer_saved_bytes_per_token(m, 4), 608);
  // bf16 (b = 2): norms 2 x (32 fp32 copy + 4 + 2x2x8) = 136; qkv 32; RoPE 24; attention 16 + 8;
  // MLP 128. Total 344.
  EXPECT_EQ(layer_saved_bytes_per_token(m, 2), 344);
  EXPECT_EQ(checkpointed_layer_bytes_per_token(m, 2), 16);  // the layer input, 8 x 2
  // KV cache: 2 (k, v) x 2 layers x 3 slots x 1 kv head x 5 positions x 4 dims x 4 B = 960.
  EXPECT_EQ(kv_cache_bytes(m, 3, 5, 4), 960);
  // Log-prob chunk of 7 rows: z and other [7, 10] fp32 = 560; bf16 adds a [7, 10] bf16 = 140.
  EXPECT_EQ(logprob_chunk_bytes(10, 7, 4), 560);
  EXPECT_EQ(logprob_chunk_bytes(10, 7, 2), 700);
}

TEST(MemoryPlan, ByteSizesParseAndPrint) {
  EXPECT_EQ(parse_byte_size("80GiB", "x"), 80LL << 30);
  EXPECT_EQ(parse_byte_size("24 GB", "x"), 24000000000LL);
  EXPECT_EQ(parse_byte_size("1.5MiB", "x"), 1572864);
  EXPECT_EQ(parse_byte_size("4096", "x"), 4096);
  for (const char* bad : {"", "lots", "-1GiB", "0", "12 parsecs", "GiB"}) {
    EXPECT_THROW(parse_byte_size(bad, "--device-memory"), UsageError) << bad;
  }
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(3 << 20), "3 MiB");
  EXPECT_EQ(format_bytes((3LL << 30) / 2), "1.5 GiB");
}

// A preset reshaped (vocab set, so no tokenizer is read) with an sft, a grpo (beta > 0) and a
// rejection-sampling stage; `extra` appends overrides.
Config plan_config(const std::vector<std::string>& overrides = {}) {
  const std::string text =
      "model:\n"
      "  init: tiny-qwen2\n"
      "  architecture: {vocab_size: 1000, hidden_size: 256, intermediate_size: 768,\n"
      "                 num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2}\n"
      "sampling: {max_batch_size: 8}\n"
      "stages:\n"
      "  - name: sft\n"
      "    type: sft\n"
      "    sft: {data: {path: x.jsonl, max_length: 128}, batch_size: 8, micro_batch_size: 4}\n"
      "  - name: rl\n"
      "    type: grpo\n"
      "    init: sft\n"
      "    grpo: {data: {path: x.jsonl, max_prompt_length: 32}, rewards: [{name: accuracy}],\n"
      "           prompts_per_step: 2, num_generations: 4, max_completion_length: 32,\n"
      "           micro_batch_size: 4, beta: 0.1}\n"
      "  - name: rs\n"
      "    type: rejection_sampling\n"
      "    init: rl\n"
      "    rejection_sampling: {data: {path: x.jsonl, max_prompt_length: 64}, rewards: [{name: "
      "accuracy}],\n"
      "                         prompts_per_batch: 4, num_samples: 4, max_completion_length: 64}\n";
  return load_config_text(text, "plan.yaml", overrides);
}

int64_t item(const StageMemoryPlan& plan, const std::string& name) {
  for (const auto& i : plan.items) {
    if (i.name == name) return i.bytes;
  }
  return -1;
}

TEST(MemoryPlan, StageItemsFollowTheConfig) {
  const RunMemoryPlan run = plan_memory(plan_config(), {});
  ASSERT_EQ(run.stages.size(), 3u);
  const StageMemoryPlan& sft = run.stages[0];
  const int64_t n = sft.parameters;
  EXPECT_EQ(n, parameter_count(sft.model));
  EXPECT_EQ(sft.model.vocab_size, 1000);
  EXPECT_EQ(item(sft, "weights"), 4 * n);
  EXPECT_EQ(item(sft, "gradients"), 4 * n);
  EXPECT_EQ(item(sft, "optimizer"), 8 * n);
  EXPECT_LT(sft.activations_with_checkpointing, sft.activations_without_checkpointing);
  // Two micro-batches a step: the peak holds the gradients beside the activations.
  EXPECT_EQ(sft.peak_bytes, 16 * n + sft.activations_bytes + item(sft, "log-prob chunks"));
  const StageMemoryPlan& rl = run.stages[1];
  EXPECT_EQ(item(rl, "reference model"), 4 * n);  // beta > 0: a frozen copy
  // 8 samples (2 prompts x 4) in 8 slots of 32 + 32 positions.
  EXPECT_EQ(item(rl, "kv_cache"), kv_cache_bytes(rl.model, 8, 64, 4));
  EXPECT_EQ(
      item(plan_memory(plan_config({"stages.rl.grpo.beta=0"}), {}).stages[1], "reference model"),
      -1);
  const StageMemoryPlan& rs = run.stages[2];
  EXPECT_EQ(item(rs, "gradients"), -1);                                  // nothing trains
  EXPECT_EQ(item(rs, "kv_cache"), kv_cache_bytes(rs.model, 8, 128, 4));  // min(8, 4 x 4) slots
  // ZeRO-1 over 4 ranks keeps a quarter of the moments.
  PlanOptions four;
  four.world_size = 4;
  const RunMemoryPlan sharded = plan_memory(plan_config({"distributed.zero_stage=1"}), four);
  EXPECT_EQ(item(sharded.stages[0], "optimizer"), 2 * n);
  // bf16 halves the weights; AdamW's moments follow the weights' dtype.
  const RunMemoryPlan half = plan_memory(plan_config({"model.dtype=bfloat16"}), {});
  EXPECT_EQ(item(half.stages[0], "weights"), 2 * n);
  EXPECT_EQ(item(half.stages[0], "optimizer"), 4 * n);
}

TEST(MemoryPlan, KnobsNameTheKeysWhenTheDeviceIsTooSmall) {
  PlanOptions tiny;
  tiny.device_memory_bytes = 1 << 20;
  const RunMemoryPlan run = plan_memory(plan_config(), tiny);
  std::vector<std::string> keys;
  for (const auto& knob : run.stages[1].knobs) {
    keys.push_back(knob.key);
    EXPECT_GT(knob.saves_bytes, 0) << knob.key;
  }
  for (const char* key : {"model.gradient_checkpointing", "stages.rl.grpo.micro_batch_size",
                          "stages.rl.grpo.beta", "sampling.max_batch_size", "model.dtype"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  PlanOptions roomy;
  roomy.device_memory_bytes = 1LL << 40;
  EXPECT_TRUE(plan_memory(plan_config(), roomy).stages[1].knobs.empty());
}

// The estimate against one real step's allocator peak (plan_measure.h runs the stage's own
// code: sft_forward + backward + AdamW; update_policy with a reference and the engine's KV
// cache; TorchBackend decoding). The model's 4.5M parameters make weights + gradients + AdamW
// about 70 MiB; activations add as much again.
void expect_within_20_percent(const Config& config, size_t stage) {
  const RunMemoryPlan run = plan_memory(config, {});
  const MeasuredStep step = measure_stage_step(config, run.stages[stage]);
  const double ratio = static_cast<double>(step.estimate_bytes) / step.peak_bytes;
  std::printf("%s: estimate %lld B, measured %lld B, ratio %.3f\n", run.stages[stage].stage.c_str(),
              static_cast<long long>(step.estimate_bytes), static_cast<long long>(step.peak_bytes),
              ratio);
  EXPECT_GT(step.peak_bytes, 20LL << 20);
  EXPECT_GT(ratio, 0.8);
  EXPECT_LT(ratio, 1.2);
}

TEST(MemoryPlan, SftEstimateMatchesMeasuredPeak) {
  expect_within_20_percent(plan_config(), 0);
  expect_within_20_percent(plan_config({"model.gradient_checkpointing=true"}), 0);
}

TEST(MemoryPlan, GrpoWithReferenceEstimateMatchesMeasuredPeak) {
  expect_within_20_percent(plan_config(), 1);
}

TEST(MemoryPlan, GenerationEstimateMatchesMeasuredPeak) {
  // 64 slots (16 prompts x 4 samples) of 128 positions: a 32 MiB KV cache beside 18 MiB of weights.
  expect_within_20_percent(plan_config({"sampling.max_batch_size=64",
                                        "stages.rs.rejection_sampling.prompts_per_batch=16"}),
                           2);
}

std::string run_plan(const std::string& arguments, int* status) {
  FILE* pipe = popen((std::string(R1F_BINARY) + " plan " + arguments + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int code = pclose(pipe);
  *status = WIFEXITED(code) ? WEXITSTATUS(code) : -1;
  return output;
}

TEST(MemoryPlan, CommandWarnsWithKnobsAndRejectsBadInput) {
  const std::string config = (testing::source_dir() / "configs/r1-tiny.yaml").string();
  int status = -1;
  std::string out = run_plan(config + " --no-benchmark --device-memory 200MiB", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("warning: stage reasoning_rl needs"), std::string::npos) << out;
  EXPECT_NE(out.find("model.gradient_checkpointing=true (now false) saves about"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("stages.reasoning_rl.grpo.micro_batch_size=32 (now 64)"), std::string::npos)
      << out;
  run_plan(config + " --no-benchmark --device-memory 200MiB --strict", &status);
  EXPECT_EQ(status, 4);
  out = run_plan(config + " --no-benchmark --device-memory 64GiB --strict --json", &status);
  EXPECT_EQ(status, 0) << out;
  const nlohmann::json json = nlohmann::json::parse(out);
  EXPECT_EQ(json["device_memory_bytes"], 64LL << 30);
  EXPECT_EQ(json["stages"][0]["stage"], "pretrain");
  EXPECT_EQ(json["stages"][0]["fits"], true);

  out = run_plan(config + " --no-benchmark --device-memory lots", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("--device-memory: 'lots' is not a positive size"), std::string::npos) << out;
  out = run_plan(config + " --no-benchmark stages.pretrain.sft.micro_batch=4", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("micro_batch"), std::string::npos) << out;
  out = run_plan(config + " --no-benchmark model.init=no-such-preset", &status);
  EXPECT_EQ(status, 2) << out;
  EXPECT_NE(out.find("no-such-preset"), std::string::npos) << out;
}

}  // namespace
}  // namespace r1forge
