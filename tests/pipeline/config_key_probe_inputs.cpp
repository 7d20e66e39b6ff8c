// The probe table's inputs; see config_key_probes.h: the tokenizer, prompt and trace files,
// and the scripted policies (bigram machines whose samples are known in advance: an answer, a
// code fence, a word loop) that let a key's effect show in a few sampled tokens.
// Not here: the probes themselves (config_key_probes.cpp).
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "pipeline/config_key_probes.h"
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
  // A chat template for the prompt_format keys (a system turn, enable_thinking), in the base
  // model's folder only.
  std::ofstream(root / "model" / "chat_template.jinja")
      << "{%- for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"
         "{%- if add_generation_prompt %}assistant:"
         "{% if enable_thinking is defined and not enable_thinking %} no thinking{% endif %}"
         "{% endif %}";
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
         {"text", "the quick brown fox jumps over " + std::to_string(i) + " dogs"},
         {"messages",
          {{{"role", "user"}, {"content", "what is " + std::to_string(i) + " plus one"}},
           {{"role", "assistant"}, {"content", "<answer>" + sum + "</answer>"}}}}});
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
  // Preference pairs (reward_model): second fields for the field keys, margins in two
  // fields, two aspects in two fields, and sides long enough for max_length to cut.
  std::vector<nlohmann::json> preferences;
  for (int i = 1; i <= 6; ++i) {
    const std::string n = std::to_string(i);
    const std::string good = "<answer>" + std::to_string(i + 1) + "</answer>" +
                             (i > 3 ? " because one and " + n + " make " + n + " plus one" : "");
    const std::string bad = "<answer>" + std::to_string(i + 3) + "</answer>";
    preferences.push_back({{"prompt", "add one and " + n},
                           {"chosen", good},
                           {"rejected", bad},
                           {"margin", 0.5 * i},
                           {"aspect", i % 3 == 0 ? "harmlessness" : "helpfulness"},
                           {"question", "what is " + n + " plus one"},
                           {"good", bad + " so"},
                           {"bad", good + " so"},
                           {"weight", 3.0 - i},
                           {"kind", i % 2 == 0 ? "harmlessness" : "helpfulness"}});
  }
  write_lines(root / "prefs.jsonl", preferences);
  write_lines(root / "prefs_b.jsonl", {preferences[4], preferences[1], preferences[2]});
  write_lines(root / "prefs_held.jsonl",
              {preferences[5], preferences[0], preferences[3], preferences[2]});
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
         "      max_completion_length: 6\n"
         "  - name: rm\n"
         "    type: reward_model\n"
         "    reward_model:\n"
         "      data: {path: " +
         r +
         "/prefs.jsonl, prompt_template: plain, max_length: 64}\n"
         "      max_steps: 2\n"
         "      batch_size: 2\n"
         "      micro_batch_size: 2\n"
         "      logging_steps: 1\n"
         "      optimizer: {learning_rate: 0.001}\n";
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
         "    - {task: preferences, train: 6, test: 3, seed: 1, preferences: {}}\n"
         "  mixes:\n"
         "    - {file: mix.jsonl, parts: [{file: instructions/train.jsonl},\n"
         "                                {file: countdown/train.jsonl}]}\n"
         "  tokenizer: {inputs: [corpus/corpus.jsonl, instructions/train.jsonl]}\n";
}
}  // namespace r1forge::testing
