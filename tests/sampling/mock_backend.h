// Test doubles for the engine: a model backend whose next-token logits depend only on the
// token just fed (a fixed [V, V] table), and a tokenizer that maps each id to a fixed piece of
// text, so stop strings can span token boundaries on purpose.
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "r1forge/sampling/backend.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge::testing {

class TableBackend : public ModelBackend {
 public:
  explicit TableBackend(at::Tensor table) : table_(std::move(table)) {}  // [V, V] fp32
  std::string name() const override { return "table"; }
  int64_t vocab_size() const override { return table_.size(0); }
  void allocate(const DecodeShape& shape) override {
    slots_ = shape.slots;
    capacity_ = shape.capacity;
  }
  PromptState prefill(const std::vector<int64_t>& tokens) override {
    ++prefill_calls;
    PromptState state;
    state.length = static_cast<int64_t>(tokens.size());
    return state;
  }
  void load_prompt(int64_t slot, const PromptState& state) override {
    EXPECT_LT(slot, slots_);
    EXPECT_LE(state.length, capacity_);
    ++loads;
  }
  void move_slot(int64_t from, int64_t to, int64_t length) override {
    EXPECT_LT(to, from);
    ++moves;
  }
  at::Tensor decode(const at::Tensor& tokens, const at::Tensor& positions) override {
    EXPECT_LE(tokens.size(0), slots_);
    EXPECT_LT(positions.max().item<int64_t>(), capacity_);
    max_rows = std::max<int64_t>(max_rows, tokens.size(0));
    return table_.index_select(0, tokens).clone();
  }
  int64_t cache_bytes() const override { return 0; }

  int64_t prefill_calls = 0, loads = 0, moves = 0, max_rows = 0;
  int64_t slots_ = 0, capacity_ = 0;

 private:
  at::Tensor table_;
};

// id -> pieces[id]; ids listed in `special` are dropped by decode(skip_special_tokens=true).
class PieceTokenizer : public Tokenizer {
 public:
  PieceTokenizer(std::vector<std::string> pieces, std::vector<int64_t> special)
      : pieces_(std::move(pieces)), special_(std::move(special)) {}
  std::vector<int64_t> encode(std::string_view, bool) const override { return {}; }
  std::string decode(const std::vector<int64_t>& ids, bool skip_special) const override {
    std::string text;
    for (int64_t id : ids) {
      if (skip_special && is_special(id)) continue;
      text += pieces_.at(id);
    }
    return text;
  }
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  std::optional<int64_t> bos_id() const override { return std::nullopt; }
  std::optional<int64_t> eos_id() const override { return std::nullopt; }
  std::optional<int64_t> pad_id() const override { return std::nullopt; }
  std::optional<int64_t> unk_id() const override { return std::nullopt; }
  std::optional<int64_t> token_to_id(std::string_view) const override { return std::nullopt; }
  std::string id_to_token(int64_t id) const override { return pieces_.at(id); }
  std::vector<AddedToken> added_tokens() const override { return {}; }
  bool is_special(int64_t id) const override {
    return std::find(special_.begin(), special_.end(), id) != special_.end();
  }
  std::string describe() const override { return "pieces"; }

 private:
  std::vector<std::string> pieces_;
  std::vector<int64_t> special_;
};

}  // namespace r1forge::testing
