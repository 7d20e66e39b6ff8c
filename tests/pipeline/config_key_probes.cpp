// The probe table; see config_key_probes.h. Values are chosen so that the key, and nothing
// else, moves what the stage does: contexts switch on the mode a key belongs to (a reference
// model for the KL keys, student sampling for distill's generation keys, ...).
// Not here: the input files and scripted policies (config_key_probe_inputs.cpp).
#include "pipeline/config_key_probes.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "r1forge/core/check.h"

namespace r1forge::testing {
namespace fs = std::filesystem;
namespace {

using Overrides = std::vector<std::string>;

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
      .probe("prompt_format", "chat")
      .probe("system_prompt", "'check the result'", {"prompt_format=chat"})
      .probe("enable_thinking", "false", {"prompt_format=chat"})
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
  // default skips up to 3 such updates in a row, 0 aborts at the first. The NaN enters where a
  // completion's final EOS is fed to the model, which GRPO's shared-prompt pass never does
  // (that token predicts nothing), so GRPO runs this probe with every row computed whole.
  std::vector<std::string> nan_context = {"stages." + s.stage() +
                                          ".init=" + (root / "model_nan").string()};
  if (s.stage() == "rl") nan_context.push_back("stages.rl.grpo.shared_prompt_forward=false");
  o.probe("skip_nonfinite_steps", "0", nan_context).may_fail();
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

// PreferenceDataConfig (reward_model.data, reward_model.eval_data) on the probe files'
// preference rows; `with_path` probes the file itself.
void preference_data_probes(Section s, const fs::path& root, bool with_path) {
  if (with_path) s.probe("path", (root / "prefs_b.jsonl").string());
  s.probe("prompt_field", "question")
      .probe("chosen_field", "good")
      .probe("rejected_field", "bad")
      .probe("margin_field", "weight")
      .probe("prompt_template", "'Question: {prompt}'")
      .probe("prompt_format", "chat")
      .probe("system_prompt", "'check the result'", {"prompt_format=chat"})
      .probe("enable_thinking", "false", {"prompt_format=chat"})
      .probe("aspect", "harmlessness")
      .probe("aspect_field", "kind", {"aspect=harmlessness"})
      .probe("max_length", "12")
      .probe("overflow", "skip", {"max_length=14"})
      .probe("add_eos", "false")
      .probe("max_examples", "2");
}

}  // namespace

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
      {"answer_noise", "0.5", {}},
      {"trace_words", "language", {}},
      // Every train row zh, every zh train row mixed: the train completions change for sure.
      {"mixed_trace_share", "1", {"style=words", "languages=[zh]", "trace_words=language"}}};
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
        option.field == "answer_noise" || option.field == "trace_words" ||
        option.field == "mixed_trace_share") {
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
  // Fewer instruction rows than kinds here: max_number shows only on sort_numbers rows.
  options("preferences.instructions.", 4,
          {{"kinds", "[uppercase]", {}},
           {"min_items", "2", {}},
           {"max_items", "4", {}},
           {"max_number", "9", {"kinds=[sort_numbers]"}},
           {"test_fraction", "0.5", {}}});
  // 6 train rows: 3 harmlessness at 0.5, 1 at 0.2; each share moves a row between kinds.
  options("preferences.", 4,
          {{"harmlessness_share", "0.2", {}},
           {"rambling_share", "0.2", {}},
           {"benign_share", "0.2", {}}});
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
  // bf16 matmuls over the fp32 weights: the sft stage's losses and weights change.
  add({"model.mixed_precision", "sft", {"model.mixed_precision=bfloat16"}});
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
  add({"sampling.shared_prompt_cache",
       "rl",
       {"sampling.shared_prompt_cache=never"},
       {},
       Observed::ENGINE});

  add({"sampling.cuda_graphs",
       "rl",
       {"sampling.cuda_graphs=true"},
       {"sampling.backend=paged"},
       Observed::ENGINE});

  // ---- kernels: the process-wide selection the dispatchers read (its effect on a GPU is
  // tested by the *_CUDA tests: kernel and twin agree, and aten takes the twin)
  add({"kernels.rms_norm", "sft", {"kernels.rms_norm=aten"}, {}, Observed::KERNELS});
  add({"kernels.sampling", "rl", {"kernels.sampling=aten"}, {}, Observed::KERNELS});
  add({"kernels.paged_attention", "rl", {"kernels.paged_attention=aten"}, {}, Observed::KERNELS});
  add({"kernels.rope_append", "rl", {"kernels.rope_append=aten"}, {}, Observed::KERNELS});
  add({"kernels.logprob_stats", "rl", {"kernels.logprob_stats=aten"}, {}, Observed::KERNELS});

  // ---- distributed: nccl on a CPU run is refused; the others act across processes only
  add({"distributed.backend", "sft", {"distributed.backend=nccl"}, {}, Observed::REJECTED});
  add({"distributed.timeout_seconds",
       "sft",
       {"distributed.timeout_seconds=3"},
       {},
       Observed::MULTI_PROCESS});
  add({"distributed.bucket_megabytes",
       "sft",
       {"distributed.bucket_megabytes=0.01"},
       {},
       Observed::MULTI_PROCESS});
  add({"distributed.zero_stage", "sft", {"distributed.zero_stage=1"}, {}, Observed::MULTI_PROCESS});
  add({"distributed.overlap_backward",
       "sft",
       {"distributed.overlap_backward=false"},
       {},
       Observed::MULTI_PROCESS});

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
      .probe("prompt_format", "chat")
      .probe("system_prompt", "'check the result'", {"prompt_format=chat"})
      .probe("enable_thinking", "false", {"prompt_format=chat"})
      .probe("messages_field", "messages", {"prompt_format=chat"})
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
      // A group's completions compute their prompt once: the same values up to float order.
      .probe("shared_prompt_forward", "false")
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
      .probe("logging_steps", "3", {"max_steps=4"})  // lines at 1, 3, 4 instead of 1-4
      .probe("log_completions", "1")
      .probe("log_completions_steps", "2", {"max_steps=3"})
      // 4 samples of 128 tokens from a 4096-id head: [512, 4096] floats per buffer unchunked.
      .probe("logprob_chunk_rows", "1",
             {"stages.rl.init=" + r + "/model_wide_loop", "max_completion_length=128"},
             Observed::PEAK_MEMORY);
  optimizer_probes(grpo, root, "linear");
  checkpoint_probes(grpo);
  // grpo.sources: the rl stage's prompts as two sources of the same file, 1 : 1 (one prompt
  // of each a step), each with its own rewards. A source's name seeds its prompt order; a
  // weight of 3 gives both of a step's prompts to the first source.
  const std::string source_data = "data: {path: " + r + "/prompts.jsonl, prompt_template: plain}";
  Section mixed(probes, "grpo", "rl",
                {"stages.rl.grpo.data.path=''", "stages.rl.grpo.rewards=[]",
                 "stages.rl.grpo.sources=[{name: a, " + source_data +
                     ", rewards: [{name: keys_text_hash}, {name: format}]}, {name: b, " +
                     source_data + ", rewards: [{name: keys_text_hash, options: {salt: b}}]}]"});
  Section first_source = mixed.item("sources", 0);
  first_source.probe("name", "c").probe("weight", "3");
  prompt_data_probes(first_source.sub("data"), root, /*shuffled=*/true);
  reward_probes(first_source, /*weighted=*/true);

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

  // ---- reward_model: (Bradley-Terry training of a scalar-head model on preference pairs)
  Section rm(probes, "reward_model", "rm", {});
  preference_data_probes(rm.sub("data"), root, /*with_path=*/true);
  rm.probe("eval_data.path", r + "/prefs_held.jsonl");
  Section rm_held_out(probes, "reward_model", "rm",
                      {"stages.rm.reward_model.eval_data.path=" + r + "/prefs_held.jsonl",
                       "stages.rm.reward_model.eval_data.prompt_template=plain"});
  preference_data_probes(rm_held_out.sub("eval_data"), root, /*with_path=*/false);
  rm.probe("eval_fraction", "0.5")
      .probe("num_epochs", "2", {"max_steps=0"})
      .probe("max_steps", "3")
      .probe("batch_size", "1")
      .probe("micro_batch_size", "1")
      .probe("center_rewards_coefficient", "0.5")
      .probe("logging_steps", "2", {"max_steps=4"})
      .probe("eval_steps", "1", {"eval_fraction=0.5"});
  optimizer_probes(rm, root, "constant");
  checkpoint_probes(rm);

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
