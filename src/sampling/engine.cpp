// The generation engine; see sampling/engine.h for the protocol and the log-prob definition.
#include "r1forge/sampling/engine.h"

#include <algorithm>
#include <deque>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/timer.h"
#include "r1forge/model/autocast_scope.h"
#include "r1forge/sampling/token_choice.h"

namespace r1forge {
namespace {

// One sample being generated, bound to a batch slot.
struct ActiveRow {
  const GenerationRequest* request = nullptr;
  int64_t position = 0;    // cache positions filled; the next token is written here
  int64_t next_token = 0;  // fed at `position` in the next decode step
  at::Generator generator;
  GeneratedSample sample;
  bool text_final = false;  // set when a stop string cut the text
};

void validate(const GenerationRequest& request,
              size_t index,
              int64_t vocab,
              const Tokenizer* tokenizer) {
  const std::string where = "request " + std::to_string(index);
  R1F_CHECK_DATA(!request.prompt_ids.empty(), where, ": the prompt is empty");
  R1F_CHECK_DATA(request.n >= 1, where, ": n must be >= 1, got ", request.n);
  for (int64_t id : request.prompt_ids) {
    R1F_CHECK_DATA(id >= 0 && id < vocab, where, ": prompt token id ", id,
                   " is outside the vocabulary [0, ", vocab, ")");
  }
  const SamplingParams& p = request.params;
  // The same bound as sampling.max_new_tokens in YAML: beyond it prompt + max_new_tokens sized
  // the KV cache past what any machine holds (or overflowed int64).
  R1F_CHECK_DATA(p.max_new_tokens >= 0 && p.max_new_tokens <= (int64_t{1} << 24), where,
                 ": max_new_tokens must be in [0, 16777216], got ", p.max_new_tokens);
  R1F_CHECK_DATA(p.temperature >= 0, where, ": temperature must be >= 0");
  R1F_CHECK_DATA(p.top_p > 0 && p.top_p <= 1, where, ": top_p must be in (0, 1]");
  R1F_CHECK_DATA(p.min_p >= 0 && p.min_p <= 1, where, ": min_p must be in [0, 1]");
  R1F_CHECK_DATA(p.top_k >= 0, where, ": top_k must be >= 0");
  R1F_CHECK_DATA(p.repetition_penalty > 0, where, ": repetition_penalty must be > 0");
  R1F_CHECK_DATA(p.stop_strings.empty() || tokenizer, where,
                 ": stop strings need a tokenizer (the model folder has none)");
  for (const auto& stop : p.stop_strings) {
    R1F_CHECK_DATA(!stop.empty(), where, ": a stop string is empty");
  }
}

bool is_eos(int64_t token, const std::vector<int64_t>& eos_ids) {
  return std::find(eos_ids.begin(), eos_ids.end(), token) != eos_ids.end();
}

// Position of the earliest stop string in `text`, if any.
std::optional<size_t> find_stop(const std::string& text, const std::vector<std::string>& stops) {
  std::optional<size_t> best;
  for (const auto& stop : stops) {
    size_t at = text.find(stop);
    if (at != std::string::npos && (!best || at < *best)) best = at;
  }
  return best;
}

}  // namespace

const char* finish_reason_name(FinishReason reason) {
  return reason == FinishReason::STOP ? "stop" : "length";
}

Engine::Engine(ModelBackend& backend,
               const Tokenizer* tokenizer,
               std::vector<int64_t> eos_ids,
               EngineConfig config)
    : backend_(backend), tokenizer_(tokenizer), eos_ids_(std::move(eos_ids)), config_(config) {
  R1F_CHECK_CONFIG(config_.max_batch_size >= 1, "sampling: max_batch_size must be >= 1");
}

std::vector<GeneratedSample> Engine::generate(const std::vector<GenerationRequest>& requests) {
  // One scope for the whole call: the model's own per-step scopes nest inside it, so the bf16
  // weight copies are made once, not at every decode step.
  AutocastScope autocast(backend_.device_type(), backend_.mixed_precision());
  Timer total;
  stats_ = EngineStats{};
  const int64_t vocab = backend_.vocab_size();
  std::vector<size_t> offsets;  // first result index of each prompt
  size_t total_samples = 0;
  int64_t capacity = 1;             // longest prompt + its max_new_tokens
  int64_t completion_capacity = 1;  // longest max_new_tokens + 1 (the last prompt token)
  bool several_samples = false;     // some prompt has n >= 2
  std::deque<std::pair<size_t, int64_t>> pending;  // (prompt, sample) in output order
  for (size_t i = 0; i < requests.size(); ++i) {
    validate(requests[i], i, vocab, tokenizer_);
    offsets.push_back(total_samples);
    total_samples += static_cast<size_t>(requests[i].n);
    capacity = std::max<int64_t>(capacity, static_cast<int64_t>(requests[i].prompt_ids.size()) +
                                               requests[i].params.max_new_tokens);
    completion_capacity = std::max(completion_capacity, requests[i].params.max_new_tokens + 1);
    several_samples = several_samples || requests[i].n >= 2;
    for (int64_t j = 0; j < requests[i].n; ++j) pending.emplace_back(i, j);
  }
  std::vector<GeneratedSample> results(total_samples);
  if (total_samples == 0) return results;

  int64_t slots = std::min<int64_t>(config_.max_batch_size, static_cast<int64_t>(total_samples));
  if (config_.max_cached_tokens > 0) {
    R1F_CHECK_CONFIG(config_.max_cached_tokens >= capacity, "sampling: max_cached_tokens (",
                     config_.max_cached_tokens, ") is below one sequence's length (", capacity,
                     " = longest prompt + max_new_tokens)");
    slots = std::min<int64_t>(slots, config_.max_cached_tokens / capacity);
  }
  backend_.allocate({slots, capacity, completion_capacity, slots >= 2 && several_samples});
  stats_.slots = slots;
  stats_.prompts = static_cast<int64_t>(requests.size());
  stats_.samples = static_cast<int64_t>(total_samples);

  // Prompt store: prefilled once, shared by the prompt's samples until the last is placed.
  std::vector<std::optional<PromptState>> prompt_states(requests.size());
  std::vector<int64_t> unplaced(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) unplaced[i] = requests[i].n;

  std::vector<ActiveRow> active;
  int64_t finished_samples = 0;  // for the progress callback
  // Takes the next pending sample into `slot` (== active.size() to append). Samples with
  // max_new_tokens 0 finish at once without a slot. Returns false when nothing is pending.
  auto place = [&](size_t slot) {
    while (!pending.empty()) {
      auto [i, j] = pending.front();
      pending.pop_front();
      const GenerationRequest& request = requests[i];
      ActiveRow row;
      row.request = &request;
      row.sample.prompt_index = static_cast<int64_t>(i);
      row.sample.sample_index = j;
      if (request.params.max_new_tokens == 0) {
        results[offsets[i] + j] = std::move(row.sample);
        if (--unplaced[i] == 0) prompt_states[i].reset();
        ++finished_samples;
        continue;
      }
      if (!prompt_states[i]) {
        Timer prefill;
        // All but the last prompt token; that one is fed in the first decode step.
        std::vector<int64_t> head(request.prompt_ids.begin(), request.prompt_ids.end() - 1);
        prompt_states[i] = backend_.prefill(head);
        stats_.prefill_tokens += static_cast<int64_t>(head.size());
        stats_.prefill_seconds += prefill.seconds();
      }
      backend_.load_prompt(static_cast<int64_t>(slot), *prompt_states[i]);
      row.position = prompt_states[i]->length;
      if (--unplaced[i] == 0) prompt_states[i].reset();
      row.next_token = request.prompt_ids.back();
      const int64_t seed_index = request.seed_index >= 0 ? request.seed_index : int64_t(i);
      row.generator =
          make_cpu_generator(request.params.seed, "sampling",
                             {static_cast<uint64_t>(seed_index), static_cast<uint64_t>(j)});
      if (slot == active.size()) {
        active.push_back(std::move(row));
      } else {
        active[slot] = std::move(row);
      }
      return true;
    }
    return false;
  };
  while (static_cast<int64_t>(active.size()) < slots && place(active.size())) {
  }

  while (!active.empty()) {
    const int64_t rows = static_cast<int64_t>(active.size());
    std::vector<int64_t> token_values, position_values;
    for (const auto& row : active) {
      token_values.push_back(row.next_token);
      position_values.push_back(row.position);
    }
    at::Tensor tokens = at::tensor(token_values, at::kLong);
    at::Tensor positions = at::tensor(position_values, at::kLong);
    Timer decode;
    at::Tensor logits = backend_.decode(tokens, positions);  // [A, V] fp32, model device
    // A one-element copy waits for the queued step (sync point, only when asked).
    if (config_.synchronize_timers && !logits.is_cpu()) logits.view(-1).narrow(0, 0, 1).cpu();
    stats_.decode_seconds += decode.seconds();
    ++stats_.decode_steps;
    stats_.active_row_steps += static_cast<double>(rows);

    Timer sampling;
    SamplingBatch batch;
    std::vector<at::Generator> generators;
    for (auto& row : active) {
      row.position += 1;
      batch.params.push_back(&row.request->params);
      batch.prompt.push_back(&row.request->prompt_ids);
      batch.output.push_back(&row.sample.token_ids);
      generators.push_back(row.generator);
      if (observer_) {
        observer_(row.sample.prompt_index, row.sample.sample_index,
                  static_cast<int64_t>(row.sample.token_ids.size()),
                  logits[static_cast<int64_t>(&row - active.data())]);
      }
    }
    // On the logits' device; the results come back in one copy (the step's sync point).
    const TokenChoice choice =
        choose_tokens(logits, batch, generators, chain_, config_.raw_logprobs);
    const int64_t* sampled_ids = choice.tokens.data_ptr<int64_t>();
    const float* picked_values = choice.logprobs.data_ptr<float>();
    const float* picked_raw =
        choice.raw_logprobs.defined() ? choice.raw_logprobs.data_ptr<float>() : nullptr;

    std::vector<size_t> finished;
    for (int64_t r = 0; r < rows; ++r) {
      ActiveRow& row = active[r];
      const SamplingParams& params = row.request->params;
      const int64_t token = sampled_ids[r];
      row.sample.token_ids.push_back(token);
      row.sample.logprobs.push_back(picked_values[r]);
      if (picked_raw) row.sample.raw_logprobs.push_back(picked_raw[r]);
      row.next_token = token;
      ++stats_.generated_tokens;
      bool done = false;
      if (!params.ignore_eos && is_eos(token, eos_ids_)) {
        row.sample.finish_reason = FinishReason::STOP;
        done = true;
      } else if (!params.stop_strings.empty()) {
        std::string text = tokenizer_->decode(row.sample.token_ids, /*skip_special_tokens=*/true);
        if (auto at = find_stop(text, params.stop_strings)) {
          // Kept: the text is exactly the decoded tokens (those trained on), stop string and
          // all. Cut: it ends before the string, while the tokens still hold it.
          row.sample.text =
              params.include_stop_str_in_output ? std::move(text) : text.substr(0, *at);
          row.text_final = true;
          row.sample.finish_reason = FinishReason::STOP;
          done = true;
        }
      }
      if (!done && static_cast<int64_t>(row.sample.token_ids.size()) >= params.max_new_tokens) {
        row.sample.finish_reason = FinishReason::LENGTH;
        done = true;
      }
      if (done) finished.push_back(static_cast<size_t>(r));
    }
    stats_.sampling_seconds += sampling.seconds();

    // Highest slot first, so the last active row moved into a freed slot is never finished.
    for (auto it = finished.rbegin(); it != finished.rend(); ++it) {
      const size_t slot = *it;
      GeneratedSample& sample = active[slot].sample;
      if (tokenizer_ && !active[slot].text_final) {
        sample.text = tokenizer_->decode(sample.token_ids, /*skip_special_tokens=*/true);
      }
      results[offsets[sample.prompt_index] + sample.sample_index] = std::move(sample);
      ++finished_samples;
      if (place(slot)) continue;
      const size_t last = active.size() - 1;
      if (slot != last) {
        backend_.move_slot(static_cast<int64_t>(last), static_cast<int64_t>(slot),
                           active[last].position);
        active[slot] = std::move(active[last]);
      }
      active.pop_back();
    }
    if (progress_ && !finished.empty()) {
      progress_(finished_samples, static_cast<int64_t>(total_samples));
    }
  }
  stats_.total_seconds = total.seconds();
  return results;
}

}  // namespace r1forge
