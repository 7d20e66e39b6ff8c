// The `paged` model backend (sampling.backend: paged): the Transformer of model/ over a paged
// KV cache (model/paged_kv_cache.h) of fixed-size blocks. A prompt is prefilled once and its
// keys/values written once into blocks; each of its samples' slots lists the prompt's full
// blocks (shared, reference counted) and a copy of its last partial block (copy on write: the
// first position a sample writes lands there), then takes fresh blocks as it grows. A decode
// step reads each row's own positions only, through its block table
// (kernels::paged_decode_attention: the CUDA kernel on a GPU, its ATen twin elsewhere), so rows
// of different lengths cost what they hold, not the longest row's span. Same logits as the
// torch backend up to float rounding. With CUDA graphs (sampling.cuda_graphs, on a GPU) each
// batch-size bucket's step is captured once over fixed buffers (a fixed table width, padding
// rows writing into a reserved scratch block) and replayed. Not here: block reference counts
// (kv_blocks.h).
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "r1forge/kernels/cuda_graph.h"
#include "r1forge/model/paged_kv_cache.h"
#include "r1forge/model/transformer.h"
#include "r1forge/sampling/backend.h"
#include "r1forge/sampling/kv_blocks.h"

namespace r1forge {

class PagedBackend : public ModelBackend {
 public:
  static constexpr int64_t kBlockSize = 16;  // positions per block (vLLM's default)

  explicit PagedBackend(Transformer model, int64_t block_size = kBlockSize);
  std::string name() const override { return "paged"; }
  int64_t vocab_size() const override { return model_->config().vocab_size; }
  void allocate(const DecodeShape& shape) override;
  PromptState prefill(const std::vector<int64_t>& tokens) override;
  void load_prompt(int64_t slot, const PromptState& state) override;
  void move_slot(int64_t from, int64_t to, int64_t length) override;
  at::Tensor decode(const at::Tensor& tokens, const at::Tensor& positions) override;
  int64_t cache_bytes() const override { return pool_.bytes(); }
  at::DeviceType device_type() const override { return model_->device().type(); }
  std::optional<at::ScalarType> mixed_precision() const override {
    return model_->mixed_precision();
  }
  // Blocks held now (by slots and prompt entries): what the cache really uses.
  int64_t blocks_in_use() const { return blocks_.blocks() - blocks_.free_blocks(); }
  int64_t block_size() const { return block_size_; }
  // Decode steps as CUDA graphs (takes effect on a GPU with the CUDA module; else no effect).
  void set_cuda_graphs(bool enabled) { cuda_graphs_ = enabled; }
  bool cuda_graphs() const { return cuda_graphs_; }
  int64_t captured_graphs() const { return static_cast<int64_t>(graphs_.size()); }

 private:
  // One decode step's addressing on the host, `rows` rows padded to `padded` (padding rows
  // write to the scratch block and attend to it alone) over `width` table columns.
  struct StepTables {
    at::Tensor tokens, positions, table, lengths, write_blocks, write_offsets;
  };
  // A captured step of one batch-size bucket: its fixed inputs, the graph, its logits.
  struct GraphBucket {
    StepTables inputs;  // on the device: the graph reads these
    PagedDecodeStep step;
    at::Tensor logits;  // [bucket, V] fp32, written by each replay
    std::unique_ptr<kernels::CudaGraph> graph;
  };
  StepTables step_tables(const at::Tensor& tokens,
                         const at::Tensor& positions,
                         int64_t padded,
                         int64_t width);
  at::Tensor forward(const PagedDecodeStep& step,
                     const at::Tensor& tokens,
                     const at::Tensor& positions);
  at::Tensor decode_with_graph(const StepTables& host, int64_t rows);

  // A prompt's keys and values in the pool: its full blocks (shared by its samples' slots) and
  // its last partial block, which each slot copies before writing into it.
  struct PromptEntry {
    std::vector<int32_t> full_blocks;
    int32_t partial_block = -1;  // -1 when the prompt fills whole blocks
    int64_t length = 0;
  };
  int32_t take_block();  // a free block, evicting prompt entries no slot reads if need be
  const PromptEntry& entry_for(const PromptState& state);
  void release_slot(int64_t slot);
  // Copies positions [from, from + count) of `keys`/`values` per layer [Hkv, P, D] into `block`.
  void write_block(int32_t block, const PromptState& state, int64_t from, int64_t count);

  Transformer model_;
  int64_t block_size_;
  PagedKvCache pool_;
  KvBlocks blocks_;
  std::map<int64_t, PromptEntry> entries_;        // by PromptState::id
  std::vector<std::vector<int32_t>> slot_table_;  // per slot: its blocks in position order
  std::vector<int64_t> slot_entry_;               // per slot: the prompt it decodes (-1 = none)
  int64_t next_prompt_id_ = 0;
  bool cuda_graphs_ = false;
  int64_t slots_ = 0;
  int64_t table_width_ = 1;     // blocks of the longest sequence: the graphs' fixed width
  int32_t scratch_block_ = -1;  // never handed out: padding rows of a graph bucket write here
  std::map<int64_t, GraphBucket> graphs_;  // by bucket size
};

}  // namespace r1forge
