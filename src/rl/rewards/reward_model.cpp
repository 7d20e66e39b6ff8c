// The reward_model reward; see rl/rewards/reward_model.h.
#include "r1forge/rl/rewards/reward_model.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/model/reward_model_io.h"
#include "r1forge/tokenizer/tokenizer.h"

namespace r1forge {

const char* const kRewardModelHelp =
    "A reward model's score of the prompt and the completion (HF *ForSequenceClassification "
    "folder with its tokenizer, e.g. a reward_model stage's final/; `@stage` names one). "
    "Options: path (required), span (completion | answer: the text after the last </think>, "
    "R1's helpfulness; default completion), batch_size (16), max_length (1024 tokens; longer "
    "sequences keep their start), add_eos (true: EOS after a finished completion, as the "
    "preference data had), prompt_format (text: the prompt encoded with the tokenizer's "
    "specials | chat: as rendered), scale (1) and shift (0): score x scale + shift, "
    "normalize (none | running: in a GRPO stage, (score - mean) / std over every score of the "
    "stage so far; evaluation and rejection sampling refuse it), "
    "device (cpu | cuda | cuda:N; default cpu, so the policy's device keeps its memory), "
    "dtype (float32 | bfloat16 | float16).";

std::string_view reward_model_span(std::string_view completion, std::string_view span) {
  if (span != "answer") return completion;
  const size_t close = completion.rfind("</think>");
  if (close == std::string_view::npos) return completion;
  std::string_view answer = completion.substr(close + 8);
  const size_t first = answer.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return answer.substr(answer.size());
  const size_t last = answer.find_last_not_of(" \t\r\n");
  return answer.substr(first, last - first + 1);
}

namespace {

at::ScalarType parse_dtype(RewardOptions& options, const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16") return at::kHalf;
  options.fail("dtype", "must be float32, bfloat16 or float16, got '" + name + "'");
}

class RewardModelReward final : public RewardFunction {
 public:
  explicit RewardModelReward(RewardOptions& options)
      : path_(options.get_string("path", "")),
        span_(options.get_string("span", "completion")),
        batch_size_(options.get_int("batch_size", 16)),
        max_length_(options.get_int("max_length", 1024)),
        add_eos_(options.get_bool("add_eos", true)),
        prompt_format_(options.get_string("prompt_format", "text")),
        scale_(options.get_double("scale", 1.0)),
        shift_(options.get_double("shift", 0.0)),
        normalize_(options.get_string("normalize", "none")),
        device_name_(options.get_string("device", "cpu")),
        dtype_(parse_dtype(options, options.get_string("dtype", "float32"))),
        where_(options.where()) {
    if (path_.empty()) options.fail("path", "name the reward model's folder (or @stage)");
    if (span_ != "completion" && span_ != "answer") {
      options.fail("span", "must be completion or answer, got '" + span_ + "'");
    }
    if (prompt_format_ != "text" && prompt_format_ != "chat") {
      options.fail("prompt_format", "must be text or chat, got '" + prompt_format_ + "'");
    }
    if (normalize_ != "none" && normalize_ != "running") {
      options.fail("normalize", "must be none or running, got '" + normalize_ + "'");
    }
    if (batch_size_ < 1) options.fail("batch_size", "must be at least 1");
    if (max_length_ < 2) options.fail("max_length", "must be at least 2");
    try {
      device_ = at::Device(device_name_);
    } catch (const std::exception&) {
      options.fail("device", "must be cpu, cuda or cuda:N, got '" + device_name_ + "'");
    }
  }

  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    load();
    std::vector<std::vector<int64_t>> sequences;
    sequences.reserve(batch.size());
    for (const RewardSample& sample : batch) sequences.push_back(layout(sample));
    std::vector<RewardScore> scores(batch.size());
    at::NoGradGuard no_grad;
    for (size_t start = 0; start < sequences.size(); start += batch_size_) {
      const size_t end = std::min(sequences.size(), start + static_cast<size_t>(batch_size_));
      size_t longest = 0;
      for (size_t i = start; i < end; ++i) longest = std::max(longest, sequences[i].size());
      const int64_t rows = static_cast<int64_t>(end - start);
      // Right padding with the model's pad id: the score is read at the last non-pad token
      // (transformers' rule), so the padding needs no mask.
      at::Tensor ids = at::full({rows, static_cast<int64_t>(longest)}, pad_id_, at::kLong);
      at::Tensor mask = at::zeros({rows, static_cast<int64_t>(longest)}, at::kLong);
      for (size_t i = start; i < end; ++i) {
        const auto& sequence = sequences[i];
        const int64_t row = static_cast<int64_t>(i - start);
        const int64_t length = static_cast<int64_t>(sequence.size());
        ids[row].narrow(0, 0, length).copy_(at::tensor(sequence, at::kLong));
        mask[row].narrow(0, 0, length).fill_(1);
      }
      // [rows] fp32, one device-to-host copy per batch (sync point)
      const at::Tensor values =
          model_->forward(ids.to(device_), mask.to(device_)).to(at::kDouble).cpu().contiguous();
      const double* data = values.data_ptr<double>();
      for (int64_t row = 0; row < rows; ++row) scores[start + row] = data[row] * scale_ + shift_;
    }
    return scores;
  }

  bool running_normalization() const override { return normalize_ == "running"; }

 private:
  void load() {
    if (!model_.is_empty()) return;
    R1F_CHECK_CONFIG(std::filesystem::is_directory(path_), where_, ": path '", path_,
                     "' is not a folder (a reward model's folder with its tokenizer files)");
    tokenizer_ = load_tokenizer(path_);
    ModelLoadOptions load_options;
    load_options.dtype = dtype_;
    load_options.device = device_;
    model_ = load_reward_model(path_, load_options);
    model_->eval();
    const std::optional<int64_t> pad = model_->config().pad_token_id;
    R1F_CHECK_CONFIG(pad.has_value(), where_, ": ", path_,
                     "/config.json has no pad_token_id; a reward model scores batches at the "
                     "last non-pad token");
    pad_id_ = *pad;
    eos_ = tokenizer_->eos_id();
    R1F_CHECK_CONFIG(!add_eos_ || eos_.has_value(), where_, ": add_eos is true but ", path_,
                     "'s tokenizer has no EOS token; set add_eos: false");
  }

  // The preference data's layout: prompt, the span encoded apart, EOS after a finished one;
  // cut to max_length from the end (the reader keeps the start the same way).
  std::vector<int64_t> layout(const RewardSample& sample) const {
    std::vector<int64_t> ids = tokenizer_->encode(std::string(sample.prompt),
                                                  /*add_special_tokens=*/prompt_format_ == "text");
    const std::vector<int64_t> completion =
        tokenizer_->encode(std::string(reward_model_span(sample.completion, span_)), false);
    ids.insert(ids.end(), completion.begin(), completion.end());
    if (add_eos_ && !sample.truncated) ids.push_back(*eos_);
    if (static_cast<int64_t>(ids.size()) > max_length_) ids.resize(max_length_);
    if (ids.empty()) ids.push_back(eos_.value_or(pad_id_));
    return ids;
  }

  std::string path_, span_;
  int64_t batch_size_, max_length_;
  bool add_eos_;
  std::string prompt_format_;
  double scale_, shift_;
  std::string normalize_;  // none | running (the GRPO stage applies it: reward_normalizer.h)
  std::string device_name_;
  at::Device device_ = at::kCPU;
  at::ScalarType dtype_;
  std::string where_;
  std::unique_ptr<Tokenizer> tokenizer_;
  RewardModel model_{nullptr};
  int64_t pad_id_ = 0;
  std::optional<int64_t> eos_;
};

}  // namespace

std::unique_ptr<RewardFunction> make_reward_model_reward(RewardOptions& options) {
  return std::make_unique<RewardModelReward>(options);
}

}  // namespace r1forge
