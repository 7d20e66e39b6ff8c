// RoPE, SwiGLU and masks; see model/layers.h.
#include "r1forge/model/layers.h"

#include <cmath>

namespace r1forge {

at::Tensor rope_inverse_frequencies(const ModelConfig& config) {
  const int64_t dim = config.head_dim;
  // Same op order as transformers: 1 / base ** (arange(0, D, 2) / D), in fp32.
  at::Tensor exponents = at::arange(0, dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(dim);
  at::Tensor inverse = at::reciprocal(at::pow(config.rope_theta, exponents));
  if (!config.rope_scaling) return inverse;

  // Llama-3: keep high frequencies, divide low ones by `factor`, blend the band in between
  // (transformers `_compute_llama3_parameters`).
  const RopeScaling& scaling = *config.rope_scaling;
  const double old_context = static_cast<double>(scaling.original_max_position_embeddings);
  const double low_wavelength = old_context / scaling.low_freq_factor;
  const double high_wavelength = old_context / scaling.high_freq_factor;
  at::Tensor wavelength = 2 * M_PI / inverse;
  at::Tensor scaled = at::where(wavelength > low_wavelength, inverse / scaling.factor, inverse);
  at::Tensor smooth = (old_context / wavelength - scaling.low_freq_factor) /
                      (scaling.high_freq_factor - scaling.low_freq_factor);
  at::Tensor smoothed = (1 - smooth) * scaled / scaling.factor + smooth * scaled;
  at::Tensor medium = (wavelength >= high_wavelength).logical_and(wavelength <= low_wavelength);
  return at::where(medium, smoothed, scaled);
}

RotaryTables rope_tables(const at::Tensor& inverse_frequencies,
                         const at::Tensor& positions,
                         at::ScalarType dtype) {
  // angles [N, T, D/2] = position * inverse_frequency, fp32 (one multiply, as HF's K=1 matmul).
  at::Tensor angles =
      positions.to(at::kFloat).unsqueeze(-1) * inverse_frequencies.to(positions.device());
  at::Tensor doubled = at::cat({angles, angles}, -1).unsqueeze(2);  // [N, T, 1, D]
  return {doubled.cos().to(dtype), doubled.sin().to(dtype)};
}

at::Tensor apply_rope(const at::Tensor& x, const RotaryTables& tables) {
  // chunk, not narrow: its backward is one cat rather than a zero-filled buffer per half.
  auto halves = x.chunk(2, -1);
  at::Tensor rotated = at::cat({-halves[1], halves[0]}, -1);
  return x * tables.cos + rotated * tables.sin;
}

at::Tensor swiglu(const at::Tensor& gate_up) {
  auto gate_and_up = gate_up.chunk(2, -1);  // backward: one cat, no zero-filled buffers
  return at::silu(gate_and_up[0]) * gate_and_up[1];
}

at::Tensor causal_padding_mask(const at::Tensor& key_mask, int64_t new_positions) {
  const int64_t keys = key_mask.size(1);
  const int64_t first_query = keys - new_positions;
  auto options = at::TensorOptions().dtype(at::kLong).device(key_mask.device());
  at::Tensor query_index = at::arange(first_query, keys, options).unsqueeze(1);  // [T, 1]
  at::Tensor key_index = at::arange(0, keys, options).unsqueeze(0);              // [1, S]
  at::Tensor causal = key_index <= query_index;                                  // [T, S]
  at::Tensor self = key_index == query_index;
  at::Tensor allowed = causal.unsqueeze(0) & key_mask.to(at::kBool).unsqueeze(1);  // [N, T, S]
  return (allowed | self.unsqueeze(0)).unsqueeze(1);                               // [N, 1, T, S]
}

at::Tensor positions_from_mask(const at::Tensor& mask) {
  at::Tensor real = mask.to(at::kLong);
  return (real.cumsum(1) - 1).clamp_min(0) * real;
}

}  // namespace r1forge
