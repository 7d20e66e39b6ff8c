// ATen twins of the CUDA kernels in kernels.h: plain, obviously-correct compositions of ATen
// ops that run on CPU or GPU, with autograd. They are the kernels' test oracles and the path
// the launchers take wherever a kernel does not apply (CPU, training).
#pragma once

#include <ATen/ATen.h>

namespace r1forge::kernels {

// RMSNorm with transformers' numerics (modeling_qwen2.py): the mean square and normalisation
// in fp32, cast back to x's dtype, then times the weight. x [..., E], weight [E] -> [..., E].
at::Tensor rms_norm_reference(const at::Tensor& x, const at::Tensor& weight, double eps);

// Decode attention over a paged KV cache (one query per row), GQA: query head h reads key/value
// head h / (H / Hkv). Gathers each row's blocks into [N, Hkv, M B, D] and runs an fp32 softmax
// masked to the row's length. q [N, H, D]; key_pool, value_pool [blocks, Hkv, B, D];
// block_table [N, M] int32 (entries past a row's blocks may be anything in [0, blocks) or -1);
// lengths [N] int32 >= 1 -> [N, H, D] in q's dtype.
at::Tensor paged_decode_attention_reference(const at::Tensor& q,
                                            const at::Tensor& key_pool,
                                            const at::Tensor& value_pool,
                                            const at::Tensor& block_table,
                                            const at::Tensor& lengths,
                                            double scale);

}  // namespace r1forge::kernels
