// The paged backend (sampling/paged_backend.h) against the torch backend: the same next-token
// logits at every step of every sample (1e-5, fp32; x4 on CUDA, where the paged attention is
// the CUDA kernel) and the same tokens, with 2 and 5 slots (slot reuse and compaction), prompts
// that fill whole blocks and prompts that end inside one, and blocks of 1, 4 and 16 positions.
// Block accounting: a prompt's full blocks are written once and shared by its samples, each
// sample copies the prompt's last partial block, and everything is released on reuse. The
// block allocator's reference counts on their own. The twin of the paged attention against a
// per-row loop over positions.
#include <gtest/gtest.h>

#include <map>

#include "device_test_util.h"
#include "r1forge/core/check.h"
#include "r1forge/kernels/reference.h"
#include "r1forge/sampling/engine.h"
#include "r1forge/sampling/kv_blocks.h"
#include "r1forge/sampling/paged_backend.h"
#include "r1forge/sampling/torch_backend.h"
#include "test_util.h"

namespace r1forge {
namespace {

// Prompts of 9 (8 prefilled: two whole blocks of 4), 1 (none prefilled) and 6 tokens, 3
// samples each, different lengths, sampled at temperature 1 with fixed seeds.
std::vector<GenerationRequest> paged_requests() {
  std::vector<std::vector<int64_t>> prompts = {
      {5, 17, 3, 99, 250, 7, 8, 9, 10}, {42}, {8, 8, 9, 10, 11, 12}};
  std::vector<GenerationRequest> requests;
  for (size_t i = 0; i < prompts.size(); ++i) {
    GenerationRequest request;
    request.prompt_ids = prompts[i];
    request.n = 3;
    request.params.max_new_tokens = 6 + 4 * static_cast<int64_t>(i);
    request.params.ignore_eos = true;
    request.params.seed = 17;
    requests.push_back(request);
  }
  return requests;
}

using Observed = std::map<std::tuple<int64_t, int64_t, int64_t>, at::Tensor>;

// Generates with `backend`, recording every step's logits (on the CPU).
std::vector<GeneratedSample> generate_observed(ModelBackend& backend,
                                               int64_t slots,
                                               Observed& observed) {
  EngineConfig config;
  config.max_batch_size = slots;
  Engine engine(backend, nullptr, {}, config);
  engine.set_logits_observer([&](int64_t i, int64_t j, int64_t step, const at::Tensor& logits) {
    observed[{i, j, step}] = logits.cpu();
  });
  at::InferenceMode inference;
  return engine.generate(paged_requests());
}

// (block size, slots, device)
class PagedLogits : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, at::Device>> {};

std::string paged_name(const ::testing::TestParamInfo<PagedLogits::ParamType>& info) {
  const auto& [block_size, slots, device] = info.param;
  return "block" + std::to_string(block_size) + "_" + std::to_string(slots) + "slots_" +
         testing::device_label(device);
}

TEST_P(PagedLogits, EqualTheTorchBackendsAtEveryStep) {
  const auto [block_size, slots, device] = GetParam();
  R1F_SKIP_UNLESS_AVAILABLE(device);
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(21);
  testing::on_device(model, device);
  PagedBackend paged(model, block_size);
  TorchBackend torch(model, PromptCacheSharing::NEVER);
  Observed from_paged, from_torch;
  const auto a = generate_observed(paged, slots, from_paged);
  const auto b = generate_observed(torch, slots, from_torch);
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].token_ids, b[k].token_ids) << k;
  ASSERT_EQ(from_paged.size(), from_torch.size());
  ASSERT_EQ(from_paged.size(), size_t{3 * (6 + 10 + 14)});
  for (const auto& [key, logits] : from_paged) {
    EXPECT_LT(testing::max_abs_diff(logits, from_torch.at(key)),
              testing::device_tolerance(1e-5, device))
        << "prompt " << std::get<0>(key) << " sample " << std::get<1>(key) << " step "
        << std::get<2>(key);
  }
}

INSTANTIATE_TEST_SUITE_P(Blocks,
                         PagedLogits,
                         ::testing::Combine(::testing::Values<int64_t>(1, 4, 16),
                                            ::testing::Values<int64_t>(2, 5),
                                            ::testing::ValuesIn(testing::test_devices())),
                         paged_name);

TEST(PagedBackend, PromptBlocksAreSharedAndThePartialBlockCopiedOnWrite) {
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(22);
  PagedBackend backend(model, 4);
  backend.allocate({/*slots=*/3, /*capacity=*/20, /*completion_capacity=*/11, true});
  at::InferenceMode inference;
  // 10 prefilled positions: two full blocks of 4 and a partial block of 2.
  std::vector<int64_t> prompt = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const PromptState state = backend.prefill(prompt);
  for (int64_t slot = 0; slot < 3; ++slot) backend.load_prompt(slot, state);
  // The entry's 2 full blocks and its partial template, and one private copy per slot.
  EXPECT_EQ(backend.blocks_in_use(), 2 + 1 + 3);
  // Two steps: positions 10 and 11 go into each slot's own copy; 12 takes a new block each.
  for (int64_t position : {10, 11, 12}) {
    at::Tensor logits =
        backend.decode(at::full({3}, 13, at::kLong), at::full({3}, position, at::kLong));
    EXPECT_EQ(logits.sizes(), (at::IntArrayRef{3, model->config().vocab_size}));
  }
  EXPECT_EQ(backend.blocks_in_use(), 2 + 1 + 3 + 3);
  // Reloading a slot releases its two private blocks and copies the template again.
  backend.load_prompt(2, state);
  EXPECT_EQ(backend.blocks_in_use(), 2 + 1 + 3 + 3 - 1);
  // Moving slot 2 into slot 0 releases slot 0's blocks.
  backend.move_slot(2, 0, 10);
  EXPECT_EQ(backend.blocks_in_use(), 2 + 1 + 1 + 2);
}

// CUDA graphs replay the eager steps: the same logits at every step (the same kernels on the
// same inputs; padding rows of a bucket only touch the scratch block), the same tokens, and a
// graph per batch-size bucket used (5 slots: buckets 1, 2, 4 and 5).
TEST(PagedBackend, CudaGraphsReplayTheEagerSteps_CUDA) {
  R1F_REQUIRE_CUDA();
  Transformer model(model_preset("tiny-qwen2"));
  model->init_weights(23);
  testing::on_device(model, at::Device(at::kCUDA, 0));
  PagedBackend eager(model), graphed(model);
  graphed.set_cuda_graphs(true);
  Observed from_eager, from_graphs;
  const auto a = generate_observed(eager, 5, from_eager);
  const auto b = generate_observed(graphed, 5, from_graphs);
  for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(a[k].token_ids, b[k].token_ids) << k;
  for (const auto& [key, logits] : from_eager) {
    EXPECT_LT(testing::max_abs_diff(logits, from_graphs.at(key)), 1e-6);
  }
  EXPECT_GE(graphed.captured_graphs(), 3);
  EXPECT_EQ(eager.captured_graphs(), 0);
}

TEST(KvBlocks, ReferenceCountsAndTheFreeList) {
  KvBlocks blocks(3);
  EXPECT_EQ(blocks.take(), 0);
  EXPECT_EQ(blocks.take(), 1);
  blocks.retain(1);
  blocks.release(1);
  EXPECT_EQ(blocks.holders(1), 1);
  EXPECT_EQ(blocks.free_blocks(), 1);
  blocks.release(1);
  EXPECT_EQ(blocks.free_blocks(), 2);
  EXPECT_EQ(blocks.take(), 1);  // the most recently freed first
  EXPECT_EQ(blocks.take(), 2);
  EXPECT_EQ(blocks.take(), -1);
  EXPECT_THROW(blocks.retain(7), std::out_of_range);
  blocks.release(0);
  EXPECT_THROW(blocks.release(0), Error);
  EXPECT_THROW(blocks.retain(0), Error);
}

// The twin against a loop over each row's positions, read through its block table.
TEST(PagedAttention, TwinMatchesAPerRowLoop) {
  at::manual_seed(3);
  const int64_t rows = 3, heads = 4, kv_heads = 2, dim = 8, block_size = 4, pool_blocks = 9;
  at::Tensor q = at::randn({rows, heads, dim});
  at::Tensor keys = at::randn({pool_blocks, kv_heads, block_size, dim});
  at::Tensor values = at::randn({pool_blocks, kv_heads, block_size, dim});
  at::Tensor table = at::tensor({3, 0, 7, 5, 1, -1, 2, -1, -1}, at::kInt).view({rows, 3});
  at::Tensor lengths = at::tensor({11, 6, 1}, at::kInt);
  const double scale = 0.35;
  at::Tensor out =
      kernels::paged_decode_attention_reference(q, keys, values, table, lengths, scale);
  for (int64_t n = 0; n < rows; ++n) {
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t g = h / (heads / kv_heads);
      std::vector<at::Tensor> k_rows, v_rows;
      for (int64_t p = 0; p < lengths[n].item<int64_t>(); ++p) {
        const int64_t block = table[n][p / block_size].item<int64_t>();
        k_rows.push_back(keys[block][g][p % block_size]);
        v_rows.push_back(values[block][g][p % block_size]);
      }
      at::Tensor weights = at::softmax(at::stack(k_rows).matmul(q[n][h]) * scale, 0);
      at::Tensor expected = weights.matmul(at::stack(v_rows));
      EXPECT_LT(testing::max_abs_diff(out[n][h], expected), 1e-6) << n << " " << h;
    }
  }
}

}  // namespace
}  // namespace r1forge
