// Completion log-probs computing each prompt once; see rl/shared_prompt_logprobs.h.
#include "r1forge/rl/shared_prompt_logprobs.h"

#include <map>
#include <vector>

#include "r1forge/core/check.h"
#include "r1forge/core/device_copy.h"

namespace r1forge {

PromptGroups group_prompts(const RolloutBatch& batch) {
  const int64_t rows = batch.rows();
  at::Tensor ids = batch.input_ids.to(at::kCPU).contiguous();
  at::Tensor lengths = batch.prompt_lengths.to(at::kCPU).contiguous();
  auto ids_view = ids.accessor<int64_t, 2>();
  auto length_view = lengths.accessor<int64_t, 1>();
  std::map<std::vector<int64_t>, int64_t> index;
  std::vector<std::vector<int64_t>> prompts;
  at::Tensor owner = at::empty({rows}, at::kLong);
  int64_t longest = 1;
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t length = length_view[row];
    R1F_CHECK(length >= 1 && length <= ids.size(1), "row ", row, " has prompt length ", length,
              " (a completion needs a prompt token to predict its first token)");
    std::vector<int64_t> prompt(&ids_view[row][0], &ids_view[row][0] + length);
    auto [entry, inserted] = index.emplace(prompt, static_cast<int64_t>(prompts.size()));
    if (inserted) {
      longest = std::max(longest, length);
      prompts.push_back(std::move(prompt));
    }
    owner[row] = entry->second;
  }
  const int64_t count = static_cast<int64_t>(prompts.size());
  PromptGroups groups;
  groups.prompt_ids = at::zeros({count, longest}, at::kLong);
  groups.prompt_lengths = at::empty({count}, at::kLong);
  groups.key_mask = at::zeros({count, longest}, at::kBool);
  auto prompt_view = groups.prompt_ids.accessor<int64_t, 2>();
  auto mask_view = groups.key_mask.accessor<bool, 2>();
  for (int64_t p = 0; p < count; ++p) {
    const int64_t length = static_cast<int64_t>(prompts[p].size());
    groups.prompt_lengths[p] = length;
    for (int64_t t = 0; t < length; ++t) {
      prompt_view[p][t] = prompts[p][t];
      mask_view[p][t] = true;
    }
  }
  groups.owner = owner;
  return groups;
}

TokenLogprobs shared_prompt_completion_logprobs(Transformer& model,
                                                const RolloutBatch& batch,
                                                const PromptGroups& groups,
                                                const TokenLogprobOptions& options) {
  const at::Device device = model->device();
  const int64_t rows = batch.rows();
  const int64_t completion_length = batch.completion_ids.size(1);
  at::Tensor owner = to_device(groups.owner, device);

  // Prompt pass: [P, Tp, E] hidden states and every layer's keys/values. Right padding: the
  // real tokens never see it (causal), and the completions mask it out.
  PrefixKeysValues prompt_keys_values;
  ForwardInputs prompt_inputs;
  prompt_inputs.input_ids = to_device(groups.prompt_ids, device);
  prompt_inputs.capture = &prompt_keys_values;
  at::Tensor prompt_hidden = model->hidden_states(prompt_inputs);
  const int64_t width = prompt_hidden.size(2);
  // The last prompt position predicts completion token 0: [P, E], then [N, 1, E] per row.
  at::Tensor last = to_device(groups.prompt_lengths - 1, device);
  at::Tensor last_hidden =
      prompt_hidden.gather(1, last.view({-1, 1, 1}).expand({groups.count(), 1, width}));
  at::Tensor predicting = last_hidden.index_select(0, owner);  // [N, 1, E]

  // Completion pass over tokens 0..L-2 (token L-1 predicts nothing we score), at positions
  // prompt_length + j, attending to the owner prompt's keys/values: [N, L-1, E].
  if (completion_length > 1) {
    ForwardInputs continuation;
    continuation.input_ids =
        to_device(batch.completion_ids.narrow(1, 0, completion_length - 1), device);
    continuation.positions =
        to_device(batch.prompt_lengths.unsqueeze(1) +
                      at::arange(completion_length - 1, at::kLong).unsqueeze(0),
                  device);
    continuation.prefix = &prompt_keys_values;
    continuation.prefix_owner = owner;
    continuation.prefix_key_mask = to_device(groups.key_mask, device);
    at::Tensor completion_hidden = model->hidden_states(continuation);
    predicting = at::cat({predicting, completion_hidden}, 1);  // [N, L, E]
  }
  TORCH_CHECK(predicting.size(0) == rows && predicting.size(1) == completion_length,
              "shared-prompt log-probs: hidden states ", predicting.sizes());
  return compute_token_logprobs(predicting, model->output_embedding(),
                                to_device(batch.completion_ids, device), options);
}

}  // namespace r1forge
