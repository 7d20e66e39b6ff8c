// The per-model byte formulas of the memory plan, and byte sizes as text; see
// pipeline/memory_plan.h. Each formula is counted from the code that allocates, named in its
// comment, so a change there shows up as a failing estimate-vs-measured test.
#include <cctype>
#include <cmath>
#include <cstdio>

#include "r1forge/core/check.h"
#include "r1forge/model/kv_cache.h"
#include "r1forge/pipeline/memory_plan.h"

namespace r1forge {

int64_t dtype_bytes(const std::string& dtype) {
  if (dtype == "float32") return 4;
  if (dtype == "bfloat16" || dtype == "float16") return 2;
  R1F_THROW(ConfigError, "unknown dtype '", dtype, "' (float32 | bfloat16 | float16)");
}

// What autograd saves in decoder_layer_forward (model/transformer.cpp) with grad on, no cache,
// per token, in bytes; b = dtype bytes, fp32 ops marked:
//   rms_norm_reference (input_norm, then post_norm), each:
//     x32 = x.to(fp32)      saved by pow and by x32 * rsqrt: 4E (in fp32 this is x itself:
//                           the layer input, or the mid-layer residual, which nothing else keeps)
//     rsqrt(variance)       saved by the multiply: 4 (one fp32 per token)
//     normed (cast to b)    saved by weight * normed: bE
//     weight * normed       saved by the next linear as its input: bE
//   qkv = linear(h)         [(H + 2 Hkv) D] saved: RoPE's x * cos keeps its q/k view, and v
//                           is a view of it that SDPA keeps
//   Qwen3 q/k norms         per q/k element: normed bD (+ 4D fp32 copy unless fp32) and the cat
//                           of both norms' outputs bD (RoPE's input then)
//   apply_rope              x * cos + rotated * sin: autograd keeps only cos and sin (shared
//                           by every layer), since neither needs a gradient; the output
//                           [(H + Hkv) D] holds q and k, which SDPA keeps
//   SDPA                    output [H D] (kept by the output linear: transpose + reshape is
//                           a view of the [N, T, H, D] buffer) and logsumexp, 4H
//   MLP                     gate_up [2I] (silu keeps the gate view, the product the up view),
//                           silu(gate) [I], the product [I] (the down linear's input)
int64_t layer_saved_bytes_per_token(const ModelConfig& m, int64_t b) {
  const int64_t E = m.hidden_size, I = m.intermediate_size, D = m.head_dim;
  const int64_t H = m.num_attention_heads, Hkv = m.num_key_value_heads;
  int64_t bytes = 2 * (4 * E + 4 + 2 * b * E);  // two RMSNorms
  bytes += b * (H + 2 * Hkv) * D;               // qkv
  if (m.qk_norm) bytes += (H + Hkv) * D * (2 * b + (b == 4 ? 0 : 4));
  bytes += b * (H + Hkv) * D;  // RoPE output (q, k)
  bytes += b * H * D + 4 * H;  // attention output, logsumexp
  bytes += 4 * b * I;          // gate_up, silu, product
  return bytes;
}

// CheckpointedLayer::forward (model/activation_checkpoint.cpp) saves its inputs: x [E] plus
// the rotary tables and mask, which every layer shares (counted once by the caller).
int64_t checkpointed_layer_bytes_per_token(const ModelConfig& m, int64_t b) {
  return b * m.hidden_size;
}

// KvCache::allocate (model/kv_cache.cpp): keys and values, per layer [slots, Hkv, capacity, D].
int64_t kv_cache_bytes(const ModelConfig& m, int64_t slots, int64_t capacity, int64_t b) {
  return KvCache::position_bytes(m, b) * slots * capacity;
}

// make_chunk_buffers (rl/chunked_logits.h): z and other [C, V] fp32, logits [C, V] in the model
// dtype when it is not fp32.
int64_t logprob_chunk_bytes(int64_t vocab, int64_t chunk_rows, int64_t b) {
  return chunk_rows * vocab * (2 * 4 + (b == 4 ? 0 : b));
}

std::string format_bytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (std::fabs(value) >= 1024.0 && unit < 4) value /= 1024.0, ++unit;
  char text[32];
  if (unit == 0) {
    std::snprintf(text, sizeof text, "%lld B", static_cast<long long>(bytes));
  } else {
    std::snprintf(text, sizeof text, std::fabs(value) >= 100 ? "%.0f %s" : "%.3g %s", value,
                  units[unit]);
  }
  return text;
}

int64_t parse_byte_size(const std::string& text, const std::string& what) {
  size_t used = 0;
  double number = 0;
  std::string rest;
  try {
    number = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  for (size_t i = used; i < text.size(); ++i) {
    if (!std::isspace(static_cast<unsigned char>(text[i]))) rest += text[i];
  }
  struct Unit {
    const char* name;
    double scale;
  };
  const Unit units[] = {{"", 1},
                        {"B", 1},
                        {"KB", 1e3},
                        {"MB", 1e6},
                        {"GB", 1e9},
                        {"TB", 1e12},
                        {"KiB", 1024.0},
                        {"MiB", 1048576.0},
                        {"GiB", 1073741824.0},
                        {"TiB", 1099511627776.0}};
  for (const Unit& unit : units) {
    if (used > 0 && rest == unit.name && std::isfinite(number) && number > 0) {
      const double bytes = number * unit.scale;
      R1F_CHECK_USAGE(bytes >= 1 && bytes < 9.2e18, what, ": '", text, "' is out of range");
      return static_cast<int64_t>(bytes);
    }
  }
  R1F_THROW(UsageError, what, ": '", text,
            "' is not a positive size; write e.g. 80GiB, 24GB, 512MiB or a number of bytes");
}

}  // namespace r1forge
