// The paged model backend; see sampling/paged_backend.h.
#include "r1forge/sampling/paged_backend.h"

#include <algorithm>

#include "r1forge/core/check.h"
#include "r1forge/core/device_copy.h"

namespace r1forge {
namespace {

int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

PagedBackend::PagedBackend(Transformer model, int64_t block_size)
    : model_(std::move(model)), block_size_(block_size) {
  R1F_CHECK(block_size_ >= 1, "paged backend: block size must be >= 1");
  model_->eval();
}

void PagedBackend::allocate(const DecodeShape& shape) {
  // Every slot may hold a whole sequence of its own, plus one partial-block template per prompt
  // entry a slot reads: enough without sharing, and sharing leaves blocks free.
  // The last block is the graphs' scratch block, outside the allocator.
  table_width_ = ceil_div(shape.capacity, block_size_);
  const int64_t blocks = shape.slots * (table_width_ + 1);
  const at::TensorOptions options =
      at::TensorOptions().dtype(model_->compute_dtype()).device(model_->device());
  pool_ = PagedKvCache::allocate(model_->config(), blocks + 1, block_size_, options);
  blocks_ = KvBlocks(blocks);
  scratch_block_ = static_cast<int32_t>(blocks);
  slots_ = shape.slots;
  graphs_.clear();  // their buffers and pool addresses belonged to the old pool
  entries_.clear();
  slot_table_.assign(static_cast<size_t>(shape.slots), {});
  slot_entry_.assign(static_cast<size_t>(shape.slots), -1);
}

PromptState PagedBackend::prefill(const std::vector<int64_t>& tokens) {
  PromptState state;
  state.length = static_cast<int64_t>(tokens.size());
  state.id = next_prompt_id_++;
  if (tokens.empty()) return state;
  const at::TensorOptions options =
      at::TensorOptions().dtype(model_->compute_dtype()).device(model_->device());
  KvCache prompt_cache = KvCache::allocate(model_->config(), 1, state.length, options);
  at::Tensor ids = to_device(at::tensor(tokens, at::kLong), model_->device()).unsqueeze(0);
  model_->hidden_states({ids, {}, {}, &prompt_cache});  // fills the cache; output unused
  for (size_t layer = 0; layer < prompt_cache.keys.size(); ++layer) {
    state.keys.push_back(prompt_cache.keys[layer][0]);  // [Hkv, P, D]
    state.values.push_back(prompt_cache.values[layer][0]);
  }
  return state;
}

int32_t PagedBackend::take_block() {
  int32_t block = blocks_.take();
  if (block >= 0) return block;
  // Prompt entries no slot reads any more hold blocks only for later samples of their prompt;
  // the engine re-sends the PromptState for those, so they can be written again.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (std::find(slot_entry_.begin(), slot_entry_.end(), it->first) != slot_entry_.end()) {
      ++it;
      continue;
    }
    blocks_.release_all(it->second.full_blocks);
    if (it->second.partial_block >= 0) blocks_.release(it->second.partial_block);
    it = entries_.erase(it);
  }
  block = blocks_.take();
  R1F_CHECK(block >= 0, "paged backend: all ", blocks_.blocks(),
            " KV blocks are in use (more positions than allocate() was told)");
  return block;
}

void PagedBackend::write_block(int32_t block,
                               const PromptState& state,
                               int64_t from,
                               int64_t count) {
  for (size_t layer = 0; layer < pool_.keys.size(); ++layer) {
    pool_.keys[layer][block].narrow(1, 0, count).copy_(state.keys[layer].narrow(1, from, count));
    pool_.values[layer][block]
        .narrow(1, 0, count)
        .copy_(state.values[layer].narrow(1, from, count));
  }
}

const PagedBackend::PromptEntry& PagedBackend::entry_for(const PromptState& state) {
  if (auto found = entries_.find(state.id); found != entries_.end()) return found->second;
  PromptEntry entry;
  entry.length = state.length;
  const int64_t full = state.length / block_size_;
  for (int64_t j = 0; j < full; ++j) {
    const int32_t block = take_block();
    write_block(block, state, j * block_size_, block_size_);
    entry.full_blocks.push_back(block);
  }
  if (const int64_t rest = state.length - full * block_size_; rest > 0) {
    entry.partial_block = take_block();
    write_block(entry.partial_block, state, full * block_size_, rest);
  }
  return entries_[state.id] = std::move(entry);
}

void PagedBackend::release_slot(int64_t slot) {
  blocks_.release_all(slot_table_.at(static_cast<size_t>(slot)));
  slot_entry_[static_cast<size_t>(slot)] = -1;
}

void PagedBackend::load_prompt(int64_t slot, const PromptState& state) {
  R1F_CHECK(state.id >= 0, "the paged backend takes prompts it prefilled itself");
  release_slot(slot);
  const PromptEntry& entry = entry_for(state);
  // Marked before any other block is taken, so that taking one cannot evict this entry.
  slot_entry_[static_cast<size_t>(slot)] = state.id;
  std::vector<int32_t>& table = slot_table_[static_cast<size_t>(slot)];
  for (int32_t block : entry.full_blocks) {
    blocks_.retain(block);
    table.push_back(block);
  }
  if (entry.partial_block >= 0) {
    // Copy on write: this slot's next position lands in the prompt's last block.
    const int32_t own = take_block();
    for (size_t layer = 0; layer < pool_.keys.size(); ++layer) {
      pool_.keys[layer][own].copy_(pool_.keys[layer][entry.partial_block]);
      pool_.values[layer][own].copy_(pool_.values[layer][entry.partial_block]);
    }
    table.push_back(own);
  }
}

void PagedBackend::move_slot(int64_t from, int64_t to, int64_t length) {
  if (from == to) return;
  release_slot(to);
  slot_table_[static_cast<size_t>(to)] = std::move(slot_table_.at(static_cast<size_t>(from)));
  slot_table_[static_cast<size_t>(from)].clear();
  slot_entry_[static_cast<size_t>(to)] = slot_entry_[static_cast<size_t>(from)];
  slot_entry_[static_cast<size_t>(from)] = -1;
}

PagedBackend::StepTables PagedBackend::step_tables(const at::Tensor& tokens,
                                                   const at::Tensor& positions,
                                                   int64_t padded,
                                                   int64_t width) {
  const int64_t rows = tokens.size(0);
  StepTables host;
  host.tokens = at::zeros({padded}, at::kLong);
  host.tokens.narrow(0, 0, rows).copy_(tokens);
  host.positions = at::zeros({padded}, at::kLong);
  host.positions.narrow(0, 0, rows).copy_(positions);
  // Padding rows: position 0 of the scratch block, attending to it alone.
  host.table = at::full({padded, width}, -1, at::kInt);
  host.table.select(1, 0).fill_(scratch_block_);
  host.lengths = at::ones({padded}, at::kInt);
  host.write_blocks = at::full({padded}, scratch_block_, at::kLong);
  host.write_offsets = at::zeros({padded}, at::kLong);
  auto table = host.table.accessor<int32_t, 2>();
  int32_t* lengths = host.lengths.data_ptr<int32_t>();
  int64_t* write_blocks = host.write_blocks.data_ptr<int64_t>();
  int64_t* write_offsets = host.write_offsets.data_ptr<int64_t>();
  const int64_t* position = host.positions.data_ptr<int64_t>();
  for (int64_t n = 0; n < rows; ++n) {
    std::vector<int32_t>& own = slot_table_.at(static_cast<size_t>(n));
    const int64_t block_index = position[n] / block_size_;
    R1F_CHECK(block_index <= static_cast<int64_t>(own.size()) && block_index < width,
              "paged backend: slot ", n, " writes position ", position[n], " but holds ",
              own.size(), " blocks of ", block_size_);
    if (block_index == static_cast<int64_t>(own.size())) own.push_back(take_block());
    const int32_t block = own[static_cast<size_t>(block_index)];
    R1F_CHECK(blocks_.holders(block) == 1, "paged backend: slot ", n, " would write block ", block,
              ", which ", blocks_.holders(block), " holders share");
    for (size_t j = 0; j < own.size(); ++j) table[n][static_cast<int64_t>(j)] = own[j];
    write_blocks[n] = block;
    write_offsets[n] = position[n] % block_size_;
    lengths[n] = static_cast<int32_t>(position[n] + 1);
  }
  return host;
}

at::Tensor PagedBackend::forward(const PagedDecodeStep& step,
                                 const at::Tensor& tokens,
                                 const at::Tensor& positions) {
  ForwardInputs inputs;
  inputs.input_ids = tokens.unsqueeze(1);
  inputs.positions = positions.unsqueeze(1);
  inputs.paged = &step;
  at::Tensor hidden = model_->hidden_states(inputs);  // [A, 1, E]
  return model_->logits(hidden.squeeze(1)).to(at::kFloat);
}

at::Tensor PagedBackend::decode_with_graph(const StepTables& host, int64_t rows) {
  const int64_t bucket = host.tokens.size(0);
  GraphBucket& captured = graphs_[bucket];
  const at::Device device = model_->device();
  const std::vector<at::Tensor*> fixed = {
      &captured.inputs.tokens,  &captured.inputs.positions,    &captured.inputs.table,
      &captured.inputs.lengths, &captured.inputs.write_blocks, &captured.inputs.write_offsets};
  const std::vector<const at::Tensor*> fresh = {&host.tokens,       &host.positions,
                                                &host.table,        &host.lengths,
                                                &host.write_blocks, &host.write_offsets};
  if (!captured.graph) {
    for (size_t i = 0; i < fixed.size(); ++i) *fixed[i] = to_device(*fresh[i], device).clone();
    captured.step = {&pool_, captured.inputs.table, captured.inputs.lengths,
                     captured.inputs.write_blocks, captured.inputs.write_offsets};
    // The warm-up run inside the capture writes this step's keys and values once and the
    // captured run writes them again: the same values to the same places.
    captured.graph = std::make_unique<kernels::CudaGraph>(
        [&] {
          captured.logits =
              forward(captured.step, captured.inputs.tokens, captured.inputs.positions);
        },
        device);
  } else {
    // New inputs into the graph's fixed buffers (queued copies from pinned memory).
    for (size_t i = 0; i < fixed.size(); ++i) fixed[i]->copy_(to_device(*fresh[i], device));
  }
  captured.graph->replay();
  // A view of the graph's output: valid until the next decode step, which is all the engine
  // needs (it chooses tokens from it before stepping again).
  return captured.logits.narrow(0, 0, rows);
}

at::Tensor PagedBackend::decode(const at::Tensor& tokens, const at::Tensor& positions) {
  const int64_t rows = tokens.size(0);
  const at::Tensor host_tokens = tokens.to(at::kCPU, at::kLong).contiguous();
  const at::Tensor host_positions = positions.to(at::kCPU, at::kLong).contiguous();
  const at::Device device = model_->device();
  if (cuda_graphs_ && device.is_cuda() && kernels::cuda_graphs_available()) {
    // Buckets of powers of two up to the slot count: a handful of graphs cover every step.
    int64_t bucket = 1;
    while (bucket < rows) bucket *= 2;
    bucket = std::min(bucket, slots_);
    return decode_with_graph(step_tables(host_tokens, host_positions, bucket, table_width_), rows);
  }
  int64_t widest = 1;
  for (int64_t n = 0; n < rows; ++n) {
    const int64_t needed = host_positions.data_ptr<int64_t>()[n] / block_size_ + 1;
    widest = std::max(widest, needed);
  }
  const StepTables host = step_tables(host_tokens, host_positions, rows, widest);
  PagedDecodeStep step{&pool_, to_device(host.table, device), to_device(host.lengths, device),
                       to_device(host.write_blocks, device), to_device(host.write_offsets, device)};
  return forward(step, to_device(host.tokens, device), to_device(host.positions, device));
}

}  // namespace r1forge
