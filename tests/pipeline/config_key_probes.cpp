// The probe table and its inputs; see config_key_probes.h. Values are chosen so that the key,
// and nothing else, moves what the stage does: contexts switch on the mode a key belongs to
// (a reference model for the KL keys, student sampling for distill's generation keys, ...).
#include "pipeline/config_key_probes.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "r1forge/core/check.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/model/model_config.h"
#include "r1forge/model/transformer.h"
#include "r1forge/tokenizer/sentencepiece.h"
#include "r1forge/tokenizer/sentencepiece_trainer.h"
#include "tokenizer/corpus.h"

namespace r1forge::testing {
namespace fs = std::filesystem;
namespace {

using Overrides = std::vector<std::string>;

void write_lines(const fs::path& path, const std::vector<nlohmann::json>& rows) {
  std::ofstream out(path);
  for (const auto& row : rows) out << row.dump() << "\n";
}

// A tiny-qwen2 folder with the probes' tokenizer and weights from `seed`; `vocab_size` rows
// of embedding and head (ids past the tokenizer's 300 are never in the data).
void write_model(const fs::path& folder,
                 const fs::path& tokenizer,
                 uint64_t seed,
                 int64_t vocab_size = 300) {
  ModelConfig config = model_preset("tiny-qwen2");
  config.vocab_size = vocab_size;
  Transformer model(config, /*initialize=*/false);
  model->init_weights(seed);
  fs::create_directories(folder);
  save_model(model, folder);
  write_tokenizer_folder_files(folder, tokenizer);
}

// A bigram machine on the tiny-qwen2 shapes: attention and MLP outputs are zero, so the last
// hidden state is the current token's embedding and the next token depends on it alone. Each
// token of `next` gets its own one-hot embedding dimension (the final norm scales it to 8),
// every other token shares dimension 0; the head gives each listed successor the logit
// 8 x (100 + log(weight) / 8), i.e. ~800 (ties equally likely), and every other token is
// followed by `start`. `nan_token`, when set, gets a NaN embedding row (a token never fed
// back while sampling, like EOS, then makes only training forwards non-finite).
void write_bigram_model(const fs::path& from,
                        const fs::path& folder,
                        int64_t start,
                        const std::map<int64_t, std::vector<std::pair<int64_t, double>>>& next,
                        std::optional<int64_t> nan_token = std::nullopt) {
  Transformer model = load_model(from);
  const int64_t width = model->config().hidden_size;
  R1F_CHECK(static_cast<int64_t>(next.size()) < width, "too many bigram tokens for the width");
  {
    at::NoGradGuard no_grad;
    for (int64_t i = 0; i < model->config().num_hidden_layers; ++i) {
      model->layer(i).output_weight.zero_();
      model->layer(i).down_weight.zero_();
    }
    model->embedding().zero_();
    model->embedding().select(1, 0).fill_(1.0);
    model->final_norm().fill_(1.0);
    model->lm_head().zero_();
    model->lm_head()[start][0].fill_(100.0);
    int64_t slot = 1;
    for (const auto& [token, successors] : next) {
      model->embedding()[token].zero_();
      model->embedding()[token][slot].fill_(1.0);
      for (const auto& [successor, weight] : successors) {
        model->lm_head()[successor][slot].fill_(100.0 + std::log(weight) / 8.0);
      }
      ++slot;
    }
    if (nan_token) model->embedding()[*nan_token].fill_(std::nan(""));
  }
  fs::create_directories(folder);
  save_model(model, folder);
  write_tokenizer_folder_files(folder, from / "tokenizer.model");
}

// A bigram machine writing "<answer>X</answer>" then EOS, X one of `answers` (weights given).
void write_answer_model(const fs::path& from,
                        const fs::path& folder,
                        const std::vector<std::pair<std::string, double>>& answers) {
  SentencePieceTokenizer tokenizer(from / "tokenizer.model");
  const int64_t open = tokenizer.token_to_id("<answer>").value();
  std::map<int64_t, std::vector<std::pair<int64_t, double>>> next;
  for (const auto& [answer, weight] : answers) {
    std::vector<int64_t> ids = tokenizer.encode("<answer>" + answer + "</answer>", false);
    // SentencePiece's dummy prefix may come out as a lone "▁" piece before the user symbol.
    if (ids.size() > 1 && ids.front() != open && ids[1] == open) ids.erase(ids.begin());
    R1F_CHECK(ids.front() == open, "'<answer>' is not the first piece of ", answer);
    ids.push_back(*tokenizer.eos_id());
    next[open].push_back({ids[1], weight});
    for (size_t i = 1; i + 1 < ids.size(); ++i) {
      auto& successors = next[ids[i]];
      R1F_CHECK(successors.empty() || successors.front().first == ids[i + 1], "piece ", ids[i],
                " has two successors across the answers");
      if (successors.empty()) successors.push_back({ids[i + 1], 1.0});
    }
  }
  write_bigram_model(from, folder, open, next);
}

// The first `count` normal pieces of `tokenizer` made of ASCII letters only: whole words ("▁"
// and at least 3 letters) when `words`, else pieces inside a word (no "▁").
std::vector<int64_t> letter_pieces(const SentencePieceTokenizer& tokenizer,
                                   bool words,
                                   size_t count) {
  const std::string space = "\xE2\x96\x81";  // ▁
  std::vector<int64_t> ids;
  for (size_t id = 0; id < tokenizer.pieces().size() && ids.size() < count; ++id) {
    const ModelPiece& piece = tokenizer.pieces()[id];
    std::string letters = piece.piece;
    const bool starts_word = letters.rfind(space, 0) == 0;
    if (piece.type != PieceType::PIECE_NORMAL || starts_word != words) continue;
    if (starts_word) letters = letters.substr(space.size());
    if (letters.size() < (words ? 3u : 1u)) continue;
    if (std::all_of(letters.begin(), letters.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      ids.push_back(static_cast<int64_t>(id));
    }
  }
  R1F_CHECK(ids.size() == count, "the probe tokenizer has too few letter pieces");
  return ids;
}

// A bigram machine that writes the pieces `loop` (distinct ids) over and over.
void write_loop_model(const fs::path& from, const fs::path& folder, std::vector<int64_t> loop) {
  std::map<int64_t, std::vector<std::pair<int64_t, double>>> next;
  for (size_t i = 0; i < loop.size(); ++i) next[loop[i]] = {{loop[(i + 1) % loop.size()], 1.0}};
  write_bigram_model(from, folder, loop.front(), next);
}

// Probes of one section (`stages[].<section>.` keys run on stage `stage`).
class Section {
 public:
  Section(std::vector<Probe>& probes, std::string section, std::string stage, Overrides context)
      : probes_(probes),
        key_("stages[]." + section + "."),
        set_("stages." + stage + "." + section + "."),
        stage_(std::move(stage)),
        context_(std::move(context)) {}
  // `field` = `value`, with `extra` context: overrides relative to this section, or whole
  // paths when they start with "stages.".
  Section& probe(const std::string& field,
                 const std::string& value,
                 const Overrides& extra = {},
                 Observed observed = Observed::RUN) {
    Probe p{key_ + field, stage_, {set_ + field + "=" + value}, context_, observed};
    for (const auto& item : extra) {
      p.context.push_back(item.rfind("stages.", 0) == 0 ? item : set_ + item);
    }
    probes_.push_back(std::move(p));
    return *this;
  }
  // The probes' key for a list item's field: rewards[].weight probes item `index`.
  Section item(const std::string& list, int index) const {
    Section inner = *this;
    inner.key_ += list + "[].";
    inner.set_ += list + "." + std::to_string(index) + ".";
    return inner;
  }
  // Marks the last probe: its changed run may stop with an error (the change it shows).
  Section& may_fail() {
    probes_.back().may_fail = true;
    return *this;
  }
  const std::string& stage() const { return stage_; }
  Section sub(const std::string& name) const {
    Section inner = *this;
    inner.key_ += name + ".";
    inner.set_ += name + ".";
    return inner;
  }

 private:
  std::vector<Probe>& probes_;
  std::string key_, set_, stage_;
  Overrides context_;
};

// GenerationSettings, spliced into grpo, rejection_sampling, eval and distill.
void generation_probes(Section s) {
  s.probe("max_completion_length", "3")
      .probe("temperature", "0.3")
      .probe("top_p", "0.3")
      .probe("top_k", "3")
      .probe("min_p", "0.9")  // the random models' distributions are nearly flat
      .probe("repetition_penalty", "5")
      .probe("presence_penalty", "5")
      .probe("stop", "['e', 't', 'a']")
      .probe("include_stop_str_in_output", "false", {"stop=['e', 't', 'a']"});
}

// PromptDataConfig (grpo.data, grpo.eval.data, rejection_sampling.data, eval.data). Training
// prompts are drawn shuffled; held-out and rejection prompts are taken in order, where a
// shuffle: false is an error rather than a silent no-op.
void prompt_data_probes(Section s, const fs::path& root, bool shuffled, bool with_path = true) {
  if (with_path) s.probe("path", (root / "prompts_b.jsonl").string());
  s.probe("prompt_field", "question")
      .probe("prompt_template", "r1_zero")
      .probe("max_prompt_length", "4", {"prompt_overflow=truncate_left"})
      .probe("prompt_overflow", "skip", {"max_prompt_length=6", "prompt_overflow=truncate_left"})
      .probe("max_prompts", "2")
      .probe("shuffle", "false", {}, shuffled ? Observed::RUN : Observed::REJECTED);
}

// RewardSpec, on item `index` of a rewards list where that entry is a keys_text_hash whose
// label nothing else names. The name probe swaps in keys_text_hash_reversed, which takes the
// same options (salt, scale) and scores the reversed text.
void reward_probes(Section s, bool weighted, int index = 0) {
  s.item("rewards", index)
      .probe("name", "keys_text_hash_reversed", {"label=h"})
      .probe("weight", "3", {}, weighted ? Observed::RUN : Observed::REJECTED)
      .probe("options", "{salt: b}")
      .probe("label", "h");
}

// OptimizerConfig (sft.optimizer, grpo.optimizer), on a base run of 2 optimizer steps.
// `other_schedule`: a schedule other than the section's default (sft's is linear, grpo's
// constant) whose second step's learning rate differs from it (cosine and linear agree at
// the midpoint of 2 steps).
void optimizer_probes(Section s, const fs::path& root, const std::string& other_schedule) {
  Section o = s.sub("optimizer");
  o.probe("learning_rate", "0.01")
      .probe("weight_decay", "0.5")
      .probe("adam_beta1", "0.5", {})
      .probe("adam_beta2", "0.5")
      .probe("adam_epsilon", "0.01")
      .probe("max_grad_norm", "0.001");
  // A policy whose EOS embedding is NaN (model_nan) has finite samples and NaN gradients: the
  // default skips up to 3 such updates in a row, 0 aborts at the first.
  o.probe("skip_nonfinite_steps", "0",
          {"stages." + s.stage() + ".init=" + (root / "model_nan").string()})
      .may_fail();
  Section schedule = o.sub("schedule");
  schedule.probe("lr_scheduler_type", other_schedule)
      .probe("warmup_steps", "1")
      .probe("warmup_ratio", "0.5")
      .probe("min_lr_ratio", "0.5", {"lr_scheduler_type=linear"});
}

// CheckpointConfig (sft, grpo): keys of the section itself. The best-checkpoint keys use the
// learning rate under a linear decay, so which step is best is known: the first when greater
// is better (kept besides the newest), the newest otherwise.
void checkpoint_probes(Section s) {
  const Overrides keep_one = {"save_steps=1", "save_total_limit=1",
                              "optimizer.schedule.lr_scheduler_type=linear"};
  Overrides by_lr = keep_one;
  by_lr.push_back("greater_is_better=true");
  Overrides higher_lr = keep_one;
  higher_lr.push_back("metric_for_best_model=learning_rate");
  s.probe("save_steps", "1")
      .probe("save_minutes", "1e-9")
      .probe("save_total_limit", "1", {"save_steps=1"})
      .probe("metric_for_best_model", "learning_rate", by_lr)
      .probe("greater_is_better", "true", higher_lr);
}

// ArchitectureConfig (model.architecture when model.init is a preset; a stage's when its
// init is one).
void architecture_probes(std::vector<Probe>& probes,
                         const std::string& key,
                         const std::string& set,
                         const Overrides& context) {
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, std::string>>{{"vocab_size", "400"},
                                                        {"hidden_size", "32"},
                                                        {"intermediate_size", "48"},
                                                        {"num_hidden_layers", "1"},
                                                        {"num_attention_heads", "2"},
                                                        {"num_key_value_heads", "1"},
                                                        {"max_position_embeddings", "96"}}) {
    probes.push_back({key + field, "sft", {set + field + "=" + value}, context});
  }
}

}  // namespace

void write_probe_inputs(const fs::path& root) {
  fs::create_directories(root);
  // The tokenizer: the test corpus plus a code fence, a single piece like the reasoning tags.
  std::vector<std::string> corpus = make_tokenizer_corpus(1500);
  for (int i = 0; i < 50; ++i) corpus.push_back("```python print(" + std::to_string(i) + ")```");
  SentencePieceTrainConfig config = small_train_config();
  config.user_defined_symbols.push_back("```");
  train_sentencepiece(corpus, config, root / "tok.model");
  config.vocab_size = 200;  // a second, smaller tokenizer (model.tokenizer)
  train_sentencepiece(corpus, config, root / "tok_b.model");
  write_model(root / "model", root / "tok.model", 7);
  write_model(root / "model_b", root / "tok.model", 8);
  SentencePieceTokenizer tokenizer(root / "tok.model");
  // Scripted policies: code fences only; an answer of 0.5, .5 (equal under math, not as text;
  // the tokenizer has no "/" for 1/2) or 3; EOS at once, with a NaN EOS embedding (finite
  // sampling, NaN gradients).
  const int64_t fence = tokenizer.token_to_id("```").value();
  write_bigram_model(root / "model", root / "model_code", fence, {{fence, {{fence, 1.0}}}});
  write_answer_model(root / "model", root / "model_vote", {{"0.5", 0.3}, {".5", 0.3}, {"3", 0.4}});
  const int64_t eos = tokenizer.eos_id().value();
  write_bigram_model(root / "model", root / "model_nan", eos, {}, eos);
  // Loops for the readability filters: four English words (repeated word n-grams, and
  // letters of another script than the Chinese prompts'); three pieces glued into one word
  // (no repeated word n-gram, repeated token n-grams).
  write_loop_model(root / "model", root / "model_loop", letter_pieces(tokenizer, true, 4));
  write_loop_model(root / "model", root / "model_glued", letter_pieces(tokenizer, false, 3));
  // For the chunking keys, whose [positions, V] buffers must outweigh all else a stage holds
  // (weights, optimizer state, checkpoint writing): a 4096-id vocabulary, and its looping
  // twin for GRPO (which samples only the loop's ids, all within the tokenizer).
  write_model(root / "model_wide", root / "tok.model", 9, /*vocab_size=*/4096);
  write_loop_model(root / "model_wide", root / "model_wide_loop",
                   letter_pieces(tokenizer, true, 4));

  // Prompts: varied lengths (max_prompt_length), a second field (prompt_field), a gold answer,
  // and two Chinese prompts with a language field saying English (language filters).
  std::vector<nlohmann::json> prompts;
  const std::vector<std::pair<std::string, std::string>> texts = {
      {"add two numbers", "what is the sum"},
      {"the quick brown fox jumps over the lazy dog then we add two numbers", "check it"},
      {"你好世界我们计算一下结果", "首先然后相加"},
      {"check the result", "first then sum"},
      {"答案是首先然后相加我们计算一下结果你好世界", "你好世界"},
      {"let's think step by step and add the digits", "carry the digit"}};
  for (size_t i = 0; i < texts.size(); ++i) {
    prompts.push_back({{"prompt", texts[i].first},
                       {"question", texts[i].second},
                       {"answer", std::to_string(i + 1)},
                       {"lang", "en"}});
  }
  write_lines(root / "prompts.jsonl", prompts);
  std::vector<nlohmann::json> halves;
  for (int i = 0; i < 6; ++i) halves.push_back({{"prompt", texts[i].first}, {"answer", "1/2"}});
  write_lines(root / "halves.jsonl", halves);
  write_lines(root / "prompts_b.jsonl", {{{"prompt", "sum the numbers"}, {"answer", "2"}},
                                         {{"prompt", "we add then check"}, {"answer", "4"}},
                                         {{"prompt", "the lazy dog"}, {"answer", "1"}}});
  // SFT rows: prompt/completion (sft), text (pretrain), second fields for the field keys.
  std::vector<nlohmann::json> traces;
  for (int i = 1; i <= 6; ++i) {
    const std::string sum = std::to_string(i + 1);
    traces.push_back(
        {{"prompt", "add one and " + std::to_string(i)},
         {"completion",
          "<think>1+" + std::to_string(i) + "=" + sum +
              (i > 3 ? " so the sum is " + sum + " and that is the whole answer" : std::string()) +
              "</think><answer>" + sum + "</answer>"},
         {"question", "what is " + std::to_string(i) + " plus one"},
         {"solution", "<answer>" + sum + "</answer>"},
         {"text", "the quick brown fox jumps over " + std::to_string(i) + " dogs"}});
  }
  write_lines(root / "traces.jsonl", traces);
  // Long rows (about 200 tokens) for the chunking keys.
  std::vector<nlohmann::json> long_rows;
  for (int i = 0; i < 4; ++i) {
    std::string text;
    for (int j = 0; j < 20; ++j) {
      text += "the quick brown fox jumps over " + std::to_string(i + j) + " ";
    }
    long_rows.push_back({{"prompt", "add one and " + std::to_string(i)}, {"completion", text}});
  }
  write_lines(root / "long.jsonl", long_rows);
  write_lines(root / "traces_b.jsonl",
              {{{"prompt", "check the result"}, {"completion", "<answer>7</answer>"}},
               {{"prompt", "first then sum"}, {"completion", "<answer>9</answer>"}}});
  write_lines(root / "held_out.jsonl",
              {{{"prompt", "add one and nine"}, {"completion", "<answer>10</answer>"}}});
  write_lines(root / "chat.jsonl", {{{"prompt", "say hello"}, {"completion", "hello there"}},
                                    {{"prompt", "say bye"}, {"completion", "bye now"}}});
}

std::string probe_base_config(const fs::path& root) {
  const std::string r = root.string();
  return "run: {dir: " + r + "/run, seed: 1, threads: 1}\n" + "model: {init: " + r + "/model}\n" +
         "stages:\n"
         "  - name: sft\n"
         "    type: sft\n"
         "    sft:\n"
         "      data: {path: " +
         r +
         "/traces.jsonl, prompt_template: plain, max_length: 64}\n"
         "      max_steps: 2\n"
         "      batch_size: 2\n"
         "      micro_batch_size: 2\n"
         "      logging_steps: 1\n"
         "      optimizer: {learning_rate: 0.001}\n"
         "  - name: pre\n"
         "    type: pretrain\n"
         "    sft: {data: {path: " +
         r +
         "/traces.jsonl, max_length: 64}, max_steps: 1, batch_size: 2, micro_batch_size: 2}\n"
         "  - name: rl\n"
         "    type: grpo\n"
         "    grpo:\n"
         "      data: {path: " +
         r +
         "/prompts.jsonl, prompt_template: plain}\n"
         "      rewards: [{name: keys_text_hash}, {name: format}]\n"
         "      max_steps: 2\n"
         "      prompts_per_step: 2\n"
         "      num_generations: 2\n"
         "      max_completion_length: 6\n"
         "      micro_batch_size: 4\n"
         "      optimizer: {learning_rate: 0.001}\n"
         "  - name: rs\n"
         "    type: rejection_sampling\n"
         "    rejection_sampling:\n"
         "      data: {path: " +
         r +
         "/prompts.jsonl, prompt_template: plain}\n"
         "      rewards: [{name: keys_text_hash, label: judge},\n"
         "                {name: keys_text_hash, options: {salt: s}}]\n"
         "      accept: {correct_reward: judge, min_score: 0.3}\n"
         "      num_samples: 3\n"
         "      max_completion_length: 16\n"
         "      max_per_prompt: 2\n"
         "      filters: {reject_truncated: false}\n"
         "  - name: dist\n"
         "    type: distill\n"
         "    sft: {data: {path: " +
         r +
         "/traces.jsonl, prompt_template: plain, max_length: 64}, max_steps: 1, batch_size: 2,\n"
         "          micro_batch_size: 2, optimizer: {learning_rate: 0.001}}\n"
         "    distill: {teacher: " +
         r +
         "/model_b, logit_weight: 1.0}\n"
         "  - name: ev\n"
         "    type: eval\n"
         "    eval:\n"
         "      data: {path: " +
         r +
         "/prompts.jsonl, prompt_template: plain}\n"
         "      num_samples: 2\n"
         "      max_completion_length: 6\n";
}

std::string probe_make_data_config(const fs::path& root) {
  return "make_data:\n"
         "  dir: " +
         (root / "made" / "data").string() +
         "\n"
         "  tasks:\n"
         "    - {task: arithmetic, train: 6, test: 3, seed: 1, arithmetic: {}}\n"
         "    - {task: corpus, train: 40, seed: 1, corpus: {}}\n"
         "    - {task: countdown, train: 6, test: 3, seed: 1, countdown: {}}\n"
         "    - {task: instructions, train: 6, test: 3, seed: 1, instructions: {}}\n"
         "  mixes:\n"
         "    - {file: mix.jsonl, parts: [{file: instructions/train.jsonl},\n"
         "                                {file: countdown/train.jsonl}]}\n"
         "  tokenizer: {inputs: [corpus/corpus.jsonl, instructions/train.jsonl]}\n";
}

// MakeDataConfig: each key changes the files make_data() writes.
void make_data_probes(std::vector<Probe>& probes, const fs::path& root) {
  auto add = [&](const std::string& key, const std::string& value, const Overrides& context = {},
                 Observed observed = Observed::MAKE_DATA) {
    std::string set = key;
    for (const auto& [list, item] : std::vector<std::pair<std::string, std::string>>{
             {"tasks[]", "tasks.0"}, {"mixes[]", "mixes.0"}, {"parts[]", "parts.1"}}) {
      if (auto at = set.find(list); at != std::string::npos) set.replace(at, list.size(), item);
    }
    probes.push_back({key, "sft", {set + "=" + value}, context, observed});
  };
  add("make_data.dir", (root / "made" / "data_b").string());
  // Item 0 as another task (its arithmetic options removed, its folder kept).
  add("make_data.tasks[].task", "countdown",
      {"~make_data.tasks.0.arithmetic", "make_data.tasks.0.folder=t"});
  add("make_data.tasks[].folder", "sums");
  add("make_data.tasks[].train", "7");
  add("make_data.tasks[].test", "4");
  add("make_data.tasks[].seed", "2");
  // Options of each task, on the item that runs it.
  struct Option {
    std::string field, value;
    Overrides context;
    Observed observed = Observed::MAKE_DATA;
  };
  const std::vector<Option> arithmetic = {
      {"min_terms", "2", {}},
      {"max_terms", "4", {}},
      {"digits", "2", {}},
      {"operators", "+-", {}},
      {"nonnegative", "false", {"operators=+-"}},
      {"style", "words", {}},
      {"languages", "[zh]", {"style=words"}},
      {"zh_share", "0.1", {"style=words", "languages=[en, zh]"}},
      {"test_fraction", "0.5", {}},
      {"answer_noise", "0.5", {}}};
  auto options = [&](const std::string& prefix, int item, const std::vector<Option>& list) {
    const std::string set = "make_data.tasks." + std::to_string(item) + "." + prefix;
    for (const Option& option : list) {
      Overrides context;
      for (const auto& extra : option.context) context.push_back(set + extra);
      probes.push_back({"make_data.tasks[]." + prefix + option.field,
                        "sft",
                        {set + option.field + "=" + option.value},
                        context,
                        option.observed});
    }
  };
  options("arithmetic.", 0, arithmetic);
  // The corpus's lines are plain and never noisy: the rows' wording and noise are rejected.
  std::vector<Option> corpus_arithmetic;
  for (Option option : arithmetic) {
    if (option.field == "style" || option.field == "languages" || option.field == "zh_share" ||
        option.field == "answer_noise") {
      option.context.clear();
      option.observed = Observed::REJECTED;
    }
    corpus_arithmetic.push_back(option);
  }
  options("corpus.arithmetic.", 1, corpus_arithmetic);
  options("corpus.", 1, {{"worked_share", "0.2", {}}, {"fact_share", "0.5", {}}});
  options("countdown.", 2,
          {{"min_numbers", "2", {}},
           {"max_numbers", "5", {}},
           {"min_number", "5", {}},
           {"max_number", "20", {}},
           {"min_target", "500", {}},
           {"max_target", "100", {}},
           {"operators", "'+-'", {}},
           {"test_fraction", "0.5", {}}});
  options("instructions.", 3,
          {{"kinds", "[uppercase]", {}},
           {"min_items", "2", {}},
           {"max_items", "4", {}},
           {"max_number", "9", {}},
           {"test_fraction", "0.5", {}}});
  add("make_data.mixes[].file", "mix_b.jsonl");
  add("make_data.mixes[].parts[].file", "countdown/test.jsonl");
  add("make_data.mixes[].parts[].max_rows", "2");
  const std::string tok = "make_data.tokenizer.";
  add(tok + "folder", "tok_b");
  add(tok + "inputs", "[corpus/corpus.jsonl]");
  add(tok + "fields", "[text, prompt]");  // the instructions' completions left out
  add(tok + "vocab_size", "80");
  add(tok + "model_type", "bpe");
  add(tok + "split_digits", "true");
  add(tok + "user_symbols", "['<think>']");
  // 256 byte pieces need a vocabulary above them, and enough text for one without them.
  add(tok + "byte_fallback", "true", {tok + "vocab_size=320", "make_data.tasks.1.train=1000"});
  add(tok + "character_coverage", "0.98");  // SentencePiece's least
  add(tok + "model_max_length", "100");
}

std::vector<Probe> config_key_probes(const fs::path& root) {
  const std::string r = root.string();
  std::vector<Probe> probes;
  auto add = [&](Probe probe) { probes.push_back(std::move(probe)); };

  // ---- run: observed on the cheapest stage
  add({"run.dir", "sft", {"run.dir=" + r + "/run_b"}});
  add({"run.seed", "rl", {"run.seed=2"}});
  add({"run.threads", "sft", {"run.threads=2"}});
  add({"run.log_level", "sft", {"run.log_level=warn"}});
  // A rerun of sft after an attempt trained with another learning rate (a CHANGE key): the
  // default (error) refuses before any work, restart trains it again from step 1.
  add({"run.on_change",
       "sft",
       {"run.on_change=restart"},
       {},
       Observed::RERUN,
       "",
       false,
       {"stages.sft.sft.optimizer.learning_rate=0.002"}});

  make_data_probes(probes, root);

  // ---- model: the starting model of every stage whose init is base
  add({"model.init", "sft", {"model.init=" + r + "/model_b"}});
  add({"model.tokenizer", "sft", {"model.tokenizer=" + r + "/tok_b.model"}});
  add({"model.dtype", "sft", {"model.dtype=bfloat16"}});
  // On a machine without CUDA the stage stops with a ConfigError; with one it trains there.
  add({"model.device", "sft", {"model.device=cuda"}, {}, Observed::RUN, "", /*may_fail=*/true});
  add({"model.gradient_checkpointing",
       "sft",
       {"model.gradient_checkpointing=true"},
       {},
       Observed::STAGE_MODEL});
  const Overrides preset_base = {"model.init=tiny-qwen2", "model.tokenizer=" + r + "/tok.model"};
  architecture_probes(probes, "model.architecture.", "model.architecture.", preset_base);

  // ---- sampling: the engine settings (results do not depend on them by design)
  add({"sampling.backend", "rl", {"sampling.backend=recompute"}, {}, Observed::ENGINE});
  add({"sampling.max_batch_size", "rl", {"sampling.max_batch_size=1"}, {}, Observed::ENGINE});
  add({"sampling.max_cached_tokens",
       "rl",
       {"sampling.max_cached_tokens=100"},
       {},
       Observed::ENGINE});

  // ---- a stage item's own keys (on the sft stage)
  add({"stages[].name", "sft", {"stages.sft.name=tuned"}, {}, Observed::RUN, "tuned"});
  add({"stages[].type", "sft", {"stages.sft.type=pretrain"}});
  add({"stages[].init", "sft", {"stages.sft.init=" + r + "/model_b"}});
  architecture_probes(probes, "stages[].architecture.", "stages.sft.architecture.",
                      {"stages.sft.init=tiny-qwen2", "model.tokenizer=" + r + "/tok.model"});

  // ---- sft: (types sft, pretrain; distill trains through it too)
  Section sft(probes, "sft", "sft", {});
  // 2 rows of about 200 tokens through a 4096-id head: [400, 4096] floats per buffer unchunked.
  const Overrides wide_rows = {"stages.sft.init=" + r + "/model_wide",
                               "data.path=" + r + "/long.jsonl", "data.max_length=256"};
  Section data = sft.sub("data");
  data.probe("path", r + "/traces_b.jsonl")
      .probe("prompt_field", "question")
      .probe("completion_field", "solution")
      .probe("prompt_template", "'Question: {prompt}'")
      .probe("max_length", "12")
      .probe("overflow", "skip", {"max_length=24"})
      .probe("add_eos", "false")
      .probe("max_examples", "2");
  Section(probes, "sft", "pre", {}).sub("data").probe("text_field", "completion");
  sft.probe("eval_path", r + "/held_out.jsonl")
      .probe("eval_fraction", "0.5")
      .probe("num_epochs", "2", {"max_steps=0"})
      .probe("max_steps", "3")
      .probe("batch_size", "1")
      .probe("micro_batch_size", "1")
      .probe("packing", "true")
      .probe("completion_only_loss", "false")
      .probe("logging_steps", "2", {"max_steps=4"})
      .probe("eval_steps", "1", {"eval_fraction=0.5"})
      .probe("logprob_chunk_rows", "1", wide_rows, Observed::PEAK_MEMORY);
  optimizer_probes(sft, root, "constant");
  checkpoint_probes(sft);

  // ---- grpo:
  Section grpo(probes, "grpo", "rl", {});
  prompt_data_probes(grpo.sub("data"), root, /*shuffled=*/true);
  reward_probes(grpo, /*weighted=*/true);
  generation_probes(grpo);
  grpo.probe("max_steps", "3")
      .probe("prompts_per_step", "3")
      .probe("num_generations", "3")
      .probe("num_iterations", "2")
      .probe("mini_batch_size", "2")
      .probe("micro_batch_size", "1")
      .probe("mask_truncated_completions", "true")
      .probe("advantage_estimator", "rloo")
      .probe("scale_rewards", "none")
      .probe("normalize_advantages", "true", {"advantage_estimator=rloo"})
      .probe("dynamic_sampling", "true", {"rewards=[{name: format}]"})
      .probe("max_sampling_rounds", "2", {"rewards=[{name: format}]", "dynamic_sampling=true"})
      .probe("loss_type", "grpo")
      .probe("importance_sampling_level", "sequence")
      .probe("epsilon", "0.00001", {"num_iterations=2"})
      .probe("epsilon_high", "0.00001", {"num_iterations=2"})
      // The dual clip binds on a negative-advantage token whose ratio rose above delta: after
      // one small step on the whole batch every such ratio fell below 1, so the probe takes
      // two mini-batches (the second's ratios moved by the first's update) at a larger rate.
      .probe("delta", "1.00001",
             {"num_iterations=2", "epsilon=0", "mini_batch_size=2", "optimizer.learning_rate=0.05"})
      .probe("beta", "0.1")
      .probe("kl_estimator", "k1", {"beta=0.1"})
      .probe("kl_log_ratio_clamp", "0.0000001", {"beta=0.1"})
      .probe("kl_in", "reward", {"beta=0.1", "advantage_estimator=rloo"})
      .probe("use_bias_correction_kl", "true", {"beta=0.1", "num_iterations=2"})
      .probe("entropy_coef", "0.5")
      .probe("old_logprobs", "recompute", {"num_iterations=2"})
      .probe("sync_ref_model", "true", {"beta=0.1", "ref_model_sync_steps=1"})
      .probe("ref_model_sync_steps", "1", {"beta=0.1", "sync_ref_model=true", "max_steps=3"})
      .probe("ref_model_mixup_alpha", "1.0",
             {"beta=0.1", "sync_ref_model=true", "ref_model_sync_steps=1", "max_steps=3"})
      .probe("logging_steps", "2", {"max_steps=3"})
      .probe("log_completions", "1")
      // 4 samples of 128 tokens from a 4096-id head: [512, 4096] floats per buffer unchunked.
      .probe("logprob_chunk_rows", "1",
             {"stages.rl.init=" + r + "/model_wide_loop", "max_completion_length=128"},
             Observed::PEAK_MEMORY);
  optimizer_probes(grpo, root, "linear");
  checkpoint_probes(grpo);
  // grpo.eval: off until eval.data.path names a file; its prompts rendered as training's
  // (plain; the default template is r1_zero).
  grpo.probe("eval.data.path", r + "/prompts_b.jsonl");
  Section grpo_eval(probes, "grpo", "rl",
                    {"stages.rl.grpo.eval.data.path=" + r + "/prompts.jsonl",
                     "stages.rl.grpo.eval.data.prompt_template=plain"});
  prompt_data_probes(grpo_eval.sub("eval").sub("data"), root, /*shuffled=*/false,
                     /*with_path=*/false);
  grpo_eval.sub("eval")
      .probe("eval_steps", "1")
      .probe("num_generations", "2")
      .probe("temperature", "0.3")
      .probe("top_p", "0.3");

  // ---- distill: (teacher and logit distillation; the student's samples with on: student_samples)
  Section distill(probes, "distill", "dist", {});
  distill.probe("teacher", r + "/model")
      .probe("sft_weight", "0.5")
      .probe("logit_weight", "2")
      .probe("teacher_top_k", "3")
      .probe("teacher_temperature", "2")
      .probe("on", "student_samples");
  Section sampling_student(
      probes, "distill", "dist",
      {"stages.dist.distill.on=student_samples", "stages.dist.distill.max_completion_length=6"});
  generation_probes(sampling_student);
  // The student's samples are token ids; no text to keep the stop string in: rejected.
  probes.back().observed = Observed::REJECTED;
  Section loss = distill.sub("loss");
  loss.probe("kind", "reverse_kl")
      .probe("jsd_beta", "0.3", {"kind=jsd"})
      .probe("temperature", "2")
      // As sft's probe, with the student's own cross-entropy chunked in both runs so the
      // divergence's [positions, V] buffers are what is left to bound.
      .probe("chunk_rows", "1",
             {"stages.dist.init=" + r + "/model_wide",
              "stages.dist.distill.teacher=" + r + "/model_wide",
              "stages.dist.sft.data.path=" + r + "/long.jsonl",
              "stages.dist.sft.data.max_length=256", "stages.dist.sft.logprob_chunk_rows=1"},
             Observed::PEAK_MEMORY)
      .probe("tail", "renormalize");

  // ---- rejection_sampling:
  Section rs(probes, "rejection_sampling", "rs", {});
  prompt_data_probes(rs.sub("data"), root, /*shuffled=*/false);
  reward_probes(rs, /*weighted=*/false, /*index=*/1);  // item 0 judges correctness
  generation_probes(rs);
  rs.probe("num_samples", "2")
      .probe("prompts_per_batch", "1")
      .probe("max_per_prompt", "1")
      .probe("dedupe", "false", {"temperature=0"})
      .probe("keep_metadata", "false")
      .probe("non_reasoning.path", r + "/chat.jsonl")
      .probe("non_reasoning.ratio", "2", {"non_reasoning.path=" + r + "/chat.jsonl"});
  Section accept = rs.sub("accept");
  accept.probe("correct_reward", "keys_text_hash")
      .probe("min_score", "0.7")
      .probe("require_format", "keys_text_hash")
      .probe("format_min_score", "0.5", {"require_format=keys_text_hash"});
  rs.sub("filters").probe("reject_truncated", "true").probe("max_tokens", "4");
  // A policy looping over four English words, every sample accepted by the judge: the two
  // Chinese prompts' samples are rejected as language mixing (Latin letters against the
  // prompt's script, judged from 20 letters on; language_field names the rows' "lang",
  // English, instead), the others as repetition (24 words in a 4-word cycle: 1 - 4/17 of the
  // 8-grams repeat, over 0.2).
  Section filters = Section(probes, "rejection_sampling", "rs",
                            {"stages.rs.init=" + r + "/model_loop",
                             "stages.rs.rejection_sampling.accept.min_score=0",
                             "stages.rs.rejection_sampling.max_completion_length=24"})
                        .sub("filters");
  filters.probe("max_foreign_letter_share", "1")
      .probe("min_letters_for_mixing", "1000")
      .probe("language_field", "lang")
      .probe("ngram_size", "50")
      .probe("max_repeated_ngram_share", "0.9");
  // Three one-letter pieces glued into one word of 16 letters (too few to judge mixing): no
  // word 8-gram, while 1 - 3/9 of the token 8-grams repeat.
  Section(
      probes, "rejection_sampling", "rs",
      {"stages.rs.init=" + r + "/model_glued", "stages.rs.rejection_sampling.accept.min_score=0"})
      .sub("filters")
      .probe("ngram_unit", "token");
  // A policy that writes only code fences: its (tag-less) thinking holds code.
  Section(
      probes, "rejection_sampling", "rs",
      {"stages.rs.init=" + r + "/model_code", "stages.rs.rejection_sampling.accept.min_score=0"})
      .sub("filters")
      .probe("reject_code_in_thinking", "true");

  // ---- eval: (a stage of type eval; the same section evaluates any stage's final model)
  const Overrides scored = {
      "stages.ev.eval.rewards=[{name: keys_text_hash, options: {scale: '2'}}, {name: format}, "
      "{name: accuracy}]",
      "stages.ev.eval.correct_reward=accuracy"};
  Section ev(probes, "eval", "ev", scored);
  prompt_data_probes(ev.sub("data"), root, /*shuffled=*/false);
  reward_probes(ev, /*weighted=*/false);
  // rewards[].label names the correctness reward's label here too.
  generation_probes(ev);
  ev.probe("num_samples", "3")
      .probe("correct_reward", "keys_text_hash")
      .probe("format_reward", "''")
      // A policy answering 0.5, .5 or 3 (gold 1/2): math votes 0.5 and .5 together.
      .probe("vote_match", "exact",
             {"stages.ev.init=" + r + "/model_vote", "data.path=" + r + "/halves.jsonl",
              "num_samples=12"})
      .probe("max_problems", "2");
  return probes;
}

}  // namespace r1forge::testing
