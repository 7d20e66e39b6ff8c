// The memory plan of a run before launch (`r1forge plan`): for each stage, the bytes its
// weights, gradients, AdamW state, activations (with and without gradient checkpointing), KV
// cache, log-prob chunks, reference/teacher/reward models take on one rank, the peak they add
// up to, and what to turn when it does not fit. Everything here is derived from the config and
// the model shapes by formulas counted from the code that allocates (comments in
// memory_plan.cpp say which code); nothing is allocated or timed. docs/plan.md has the formulas.
// Not here: the measured side (plan_measure.h), the command and its table (apps/commands/plan.cpp).
// Shapes: N rows, T positions, E width, I MLP width, H heads, Hkv kv heads, D head dim, V vocab.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "r1forge/model/model_config.h"
#include "r1forge/pipeline/run_config.h"

namespace r1forge {

// Bytes of one element of a model dtype name (float32 | bfloat16 | float16).
int64_t dtype_bytes(const std::string& dtype);

// Bytes autograd keeps per token (N x T) per decoder layer between forward and backward,
// counted from decoder_layer_forward (model/transformer.cpp) and rms_norm_reference.
int64_t layer_saved_bytes_per_token(const ModelConfig& model, int64_t dtype_size);
// Bytes a gradient-checkpointed layer keeps per token: its input (model/activation_checkpoint.h).
int64_t checkpointed_layer_bytes_per_token(const ModelConfig& model, int64_t dtype_size);
// The engine's KV cache: 2 (keys, values) x layers x slots x Hkv x capacity x D x dtype.
int64_t kv_cache_bytes(const ModelConfig& model,
                       int64_t slots,
                       int64_t capacity,
                       int64_t dtype_size);
// compute_token_logprobs' [C, V] work buffers (rl/chunked_logits.h): z and, with entropy or
// in backward, `other` in fp32, plus a model-dtype logits buffer when the model is not fp32.
int64_t logprob_chunk_bytes(int64_t vocab, int64_t chunk_rows, int64_t dtype_size);

// One line of a stage's breakdown.
struct MemoryItem {
  std::string name;     // weights, gradients, optimizer, activations, kv_cache, ...
  int64_t bytes = 0;    // on one rank
  std::string note;     // how it was counted, in a few words
  bool in_peak = true;  // false: on another device (reward models on cpu) or informational
};

// A knob that lowers a stage's peak: its config key path, its value now, a suggested value
// and the bytes the suggestion saves.
struct PlanKnob {
  std::string key;  // stages.<name>.grpo.micro_batch_size, model.gradient_checkpointing, ...
  std::string now;
  std::string suggested;
  int64_t saves_bytes = 0;
};

// What one stage's phases are, for the time estimate (counts derived from the config).
struct StageWork {
  int64_t steps = 0;                      // optimizer steps (training) or engine calls (generation)
  int64_t train_tokens_per_step = 0;      // positions through forward + backward per step
  int64_t train_sequence_length = 0;      // T of those rows
  int64_t micro_batch_rows = 0;           // N of one forward/backward
  int64_t generated_tokens_per_step = 0;  // completion tokens sampled per step (upper bound)
  int64_t decode_slots = 0;               // rows decoded together
  int64_t decode_capacity = 0;            // KV positions per slot
  int64_t decode_steps_per_step = 0;      // decode steps per step (waves x completion length)
  int64_t scored_tokens_per_step = 0;     // no-grad forward tokens (reference, teacher, old logp)
};

struct StageMemoryPlan {
  std::string stage;  // name
  std::string type;
  ModelConfig model;                   // the stage's model (the student for distill)
  std::optional<ModelConfig> teacher;  // distill with logit_weight > 0
  int64_t parameters = 0;
  std::string dtype;
  std::string device;
  bool gradient_checkpointing = false;
  std::vector<MemoryItem> items;
  int64_t activations_bytes = 0;  // as configured (checkpointing or not)
  int64_t activations_without_checkpointing = 0;
  int64_t activations_with_checkpointing = 0;
  int64_t peak_bytes = 0;       // per rank, on the stage's device
  std::vector<PlanKnob> knobs;  // ways down, largest saving first (filled when it does not fit)
  StageWork work;
  std::vector<std::string> notes;  // assumptions (upper bounds taken, unknown counts)
};

struct PlanOptions {
  int64_t world_size = 1;           // data-parallel ranks (ZeRO-1 shards AdamW over them)
  int64_t device_memory_bytes = 0;  // what each rank's device holds; 0 = unknown
};

struct RunMemoryPlan {
  std::vector<StageMemoryPlan> stages;
  int64_t world_size = 1;
  int64_t device_memory_bytes = 0;
};

// The ModelConfig each stage trains or samples from, in stage order: presets reshaped by the
// architecture keys (vocabulary 0 = the tokenizer's, read from model.tokenizer or, when
// make_data makes it, make_data.tokenizer.vocab_size), folders' config.json, and earlier
// stages' shapes for stages initialised from them. ConfigError naming the key when a shape
// cannot be found. `config` is as loaded (references unresolved).
std::vector<ModelConfig> stage_model_shapes(const Config& config);

// The plan of every stage. ConfigError for what stage_model_shapes rejects.
RunMemoryPlan plan_memory(const Config& config, const PlanOptions& options);

// "812.0 KiB", "1.50 GiB": binary units, three significant figures.
std::string format_bytes(int64_t bytes);
// Parses "80GiB", "80 GB", "512MiB", "1.5TiB", "123456" (bytes); GB/MB are decimal, GiB/MiB
// binary. UsageError naming `what` for anything else or a non-positive size.
int64_t parse_byte_size(const std::string& text, const std::string& what);

}  // namespace r1forge
