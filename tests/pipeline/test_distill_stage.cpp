// The distill stage end to end on the tiny fixture: a student of its own preset shape trained
// on traces by plain SFT (R1's recipe), top-k logit distillation from a teacher folder on the
// traces (forward KL, reverse KL, JSD; the first step's logged loss checked against the loss
// computed directly from the initial student and teacher) and on the student's own samples,
// a teacher with another tokenizer refused before training, and the config checks.
// Not here: the divergence formulas (tests/rl, against TRL), the SFT loop itself (test_sft).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "pipeline/tiny_model.h"
#include "r1forge/core/check.h"
#include "r1forge/data/sft_dataset.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/pipeline/distill_stage.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/sft_trainer.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_references.h"
#include "r1forge/rl/distill_loss.h"
#include "r1forge/rl/teacher_topk.h"
#include "r1forge/sampling/backends.h"
#include "r1forge/sampling/engine.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

// The student's shape: far smaller than the tiny-qwen2 teacher (2 layers, width 64).
const char* const kStudentShape =
    "    architecture: {hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, "
    "num_key_value_heads: 1, intermediate_size: 64}\n";

// An HF folder of tiny-qwen2 shape whose tokenizer is `tokenizer_file` (vocabulary `vocab`).
void write_model_with_tokenizer(const fs::path& folder,
                                const fs::path& tokenizer_file,
                                int64_t vocab,
                                uint64_t seed) {
  fs::create_directories(folder);
  ModelConfig config = model_preset("tiny-qwen2");
  config.vocab_size = vocab;
  Transformer model(config, /*initialize=*/false);
  model->init_weights(seed);
  save_model(model, folder);
  write_tokenizer_folder_files(folder, tokenizer_file);
}

using testing::read_jsonl;

class DistillStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_tiny_model_folder(dir_ / "teacher", /*seed=*/5);  // + tiny-tokenizer.model
    testing::write_tiny_traces(dir_ / "traces.jsonl");
  }
  // Two stages: `teach` (sft of the fixture folder on the traces, so the teacher is peaked, not
  // the near-uniform random fixture) and `student`, a distill stage from the tiny-qwen2 preset
  // in the student shape on the same traces; `sft` and `distill` are the student's extra
  // section lines (6-space indent). run_stage runs only the stage it is asked for.
  std::string yaml(const std::string& sft, const std::string& distill) const {
    const std::string data =
        "      data: {path: " + (dir_ / "traces.jsonl").string() + ", prompt_template: plain}\n";
    return "run: {dir: " + (dir_ / "run").string() + ", seed: 3, threads: 2}\n" +
           "model: {init: " + (dir_ / "teacher").string() +
           ", tokenizer: " + (dir_ / "tiny-tokenizer.model").string() + "}\n" +
           "stages:\n  - name: teach\n    type: sft\n    sft:\n" + data + full_batch_steps(30) +
           "  - name: student\n    type: distill\n    init: tiny-qwen2\n" + kStudentShape +
           "    sft:\n" + data + sft + "    distill:\n" + distill;
  }
  Config config(const std::string& sft, const std::string& distill) const {
    return load_config_text(yaml(sft, distill), "distill.yaml");
  }
  fs::path stage_dir() const { return dir_ / "run" / "stages" / "02-student"; }
  fs::path trained_teacher() const { return dir_ / "run" / "stages" / "01-teach" / "final"; }
  // What the oracles of step 1 start from: the student exactly as the stage builds it (same
  // preset, same init stream), the trained teacher, and the traces.
  struct OracleInputs {
    StageModel student;
    StageModel teacher;
    SftDataset data;
  };
  OracleInputs oracle_inputs(const Config& c) const {
    OracleInputs inputs;
    inputs.student = load_stage_model(c, c.stages[1]);
    StageConfig teacher_stage = c.stages[1];
    teacher_stage.init = trained_teacher().string();
    inputs.teacher = load_stage_model(c, teacher_stage);
    inputs.data = load_sft_dataset(c.stages[1].sft->data, *inputs.student.tokenizer, false);
    return inputs;
  }
  std::vector<nlohmann::json> metrics() const { return read_jsonl(stage_dir() / "metrics.jsonl"); }
  // Steps each over all 4 traces in one micro-batch (so every step sees the same rows).
  static std::string full_batch_steps(int steps) {
    return "      max_steps: " + std::to_string(steps) +
           "\n      batch_size: 4\n      micro_batch_size: 4\n"
           "      optimizer: {learning_rate: 0.01}\n";
  }
  // Pure logit distillation from the `teach` stage.
  static std::string teacher_lines(const std::string& kind) {
    return std::string("      teacher: teach") +
           "\n      sft_weight: 0\n      logit_weight: 1\n      teacher_top_k: 5\n"
           "      loss: {kind: " +
           kind + "}\n";
  }
  testing::TempDir dir_;
};

TEST_F(DistillStageTest, PlainSftTrainsAStudentOfItsOwnShape) {
  run_stage(config(full_batch_steps(30), "      sft_weight: 1\n      logit_weight: 0\n"),
            "student");
  auto lines = metrics();
  ASSERT_EQ(lines.size(), 30u);
  const double first = lines.front()["loss"].get<double>();
  const double last = lines.back()["loss"].get<double>();
  EXPECT_LT(last, 0.5 * first) << first << " -> " << last;
  // R1's recipe has no logit term: nothing distillation-specific is logged.
  EXPECT_FALSE(lines.back().contains("distill/loss"));
  Transformer final_model = load_model(stage_dir() / "final");
  const ModelConfig& shape = final_model->config();
  EXPECT_EQ(shape.hidden_size, 32);
  EXPECT_EQ(shape.num_hidden_layers, 1);
  EXPECT_EQ(shape.num_attention_heads, 2);
  EXPECT_EQ(shape.num_key_value_heads, 1);
  EXPECT_EQ(shape.intermediate_size, 64);
  EXPECT_EQ(shape.vocab_size, 300);  // the tokenizer's size (architecture.vocab_size 0)
  EXPECT_EQ(shape.head_dim, 16);     // E / H after the override
  EXPECT_TRUE(fs::exists(stage_dir() / "final" / "tokenizer.model"));
}

TEST_F(DistillStageTest, ForwardKlOnTracesFallsAndStartsAtTheDirectLoss) {
  Config c = config(full_batch_steps(20), teacher_lines("forward_kl"));
  run_stage(c, "teach");
  // The oracle for step 1: the student exactly as the stage builds it (same preset, same init
  // stream), the teacher folder, all 4 traces in one unpacked batch; the logged value is the
  // position mean, so row order and padding do not matter.
  double expected_first = 0.0;
  {
    auto [student, teacher, data] = oracle_inputs(c);
    ASSERT_EQ(data.examples.size(), 4u);
    SftBatch batch = make_sft_batch(data.examples, {{0}, {1}, {2}, {3}}, student.pad_id,
                                    /*completion_only=*/true, /*packed=*/false);
    at::NoGradGuard no_grad;
    ForwardInputs inputs;
    inputs.input_ids = batch.input_ids;
    inputs.positions = batch.positions;
    TeacherTopK top = teacher_topk(teacher.model, batch.input_ids, 5, 1.0);
    DistillLossConfig loss;  // forward_kl, rest tail, temperature 1
    expected_first =
        distillation_loss(student.model->hidden_states(inputs), student.model->output_embedding(),
                          top, batch.loss_mask, loss)
            .stats.loss;
    EXPECT_GT(expected_first, 0.0);
  }
  run_stage(c, "student");
  auto lines = metrics();
  ASSERT_EQ(lines.size(), 20u);
  const double first = lines.front()["distill/loss"].get<double>();
  const double last = lines.back()["distill/loss"].get<double>();
  EXPECT_NEAR(first, expected_first, 1e-5 * std::max(1.0, expected_first));
  EXPECT_LT(last, 0.5 * first) << first << " -> " << last;  // 4.60 -> 0.98 when written
  // With sft_weight 0 the traces' cross-entropy gets no gradient of its own, yet it falls: the
  // teacher (trained on those traces) passes them on through its distribution.
  EXPECT_LT(lines.back()["loss"].get<double>(), 0.5 * lines.front()["loss"].get<double>());
  for (const char* key : {"distill/teacher_topk_mass", "distill/top1_agreement"}) {
    ASSERT_TRUE(lines.back().contains(key)) << key;
    const double value = lines.back()[key].get<double>();
    EXPECT_GE(value, 0.0) << key;
    EXPECT_LE(value, 1.0 + 1e-9) << key;
  }
  // Top-1 agreement is what matching the teacher means: it must improve.
  EXPECT_GT(lines.back()["distill/top1_agreement"].get<double>(),
            lines.front()["distill/top1_agreement"].get<double>());
}

TEST_F(DistillStageTest, ReverseKlAndJsdOnTracesFallToo) {
  run_stage(config(full_batch_steps(20), teacher_lines("jsd")), "teach");
  for (const std::string kind : {"reverse_kl", "jsd"}) {
    fs::remove_all(stage_dir());
    run_stage(config(full_batch_steps(20), teacher_lines(kind)), "student");
    auto lines = metrics();
    ASSERT_EQ(lines.size(), 20u) << kind;
    const double first = lines.front()["distill/loss"].get<double>();
    const double last = lines.back()["distill/loss"].get<double>();
    EXPECT_GT(first, 0.0) << kind;
    // Slower than forward KL here (mode seeking from a near-uniform student: 3.07 -> 1.60
    // reverse, 0.57 -> 0.27 JSD over these 20 steps).
    EXPECT_LT(last, 0.65 * first) << kind << ": " << first << " -> " << last;
    // JSD is bounded by log 2 whatever the distributions (ln 2 = 0.693).
    if (kind == "jsd") {
      EXPECT_LE(first, std::log(2.0) + 1e-6);
    }
  }
}

TEST_F(DistillStageTest, OnStudentSamplesRunsAndLogsTheMeanDivergence) {
  // Greedy samples (temperature 0) make step 1 reproducible: the initial student's
  // greedy completion of each trace prompt, scored against the teacher's top-k on exactly
  // those positions. The logged value must be their mean divergence (not scaled by sampled /
  // trace positions, which differ here: at most 6 sampled tokens per row).
  Config c = config(full_batch_steps(4) + "      packing: false\n",
                    teacher_lines("forward_kl") +
                        "      on: student_samples\n      max_completion_length: 6\n"
                        "      temperature: 0\n");
  run_stage(c, "teach");
  double expected_first = 0.0;
  {
    auto [student, teacher, data] = oracle_inputs(c);
    at::NoGradGuard no_grad;
    std::unique_ptr<ModelBackend> backend = make_model_backend("torch", student.model);
    Engine engine(*backend, student.tokenizer.get(), student.eos_ids, c.sampling.engine());
    std::vector<GenerationRequest> requests;
    for (const auto& example : data.examples) {
      GenerationRequest request;
      request.prompt_ids.assign(example.ids.begin(), example.ids.begin() + example.prompt_length);
      request.params.temperature = 0.0;
      request.params.max_new_tokens = 6;
      requests.push_back(request);
    }
    std::vector<SftExample> samples;
    for (const auto& sample : engine.generate(requests)) {
      SftExample example;
      example.ids = requests[sample.prompt_index].prompt_ids;
      example.prompt_length = static_cast<int64_t>(example.ids.size());
      example.ids.insert(example.ids.end(), sample.token_ids.begin(), sample.token_ids.end());
      samples.push_back(example);
    }
    SftBatch batch = make_sft_batch(samples, {{0}, {1}, {2}, {3}}, student.pad_id, true, false);
    ASSERT_LE(batch.target_tokens, 4 * 6);
    ForwardInputs inputs;
    inputs.input_ids = batch.input_ids;
    inputs.positions = batch.positions;
    TeacherTopK top = teacher_topk(teacher.model, batch.input_ids, 5, 1.0);
    expected_first =
        distillation_loss(student.model->hidden_states(inputs), student.model->output_embedding(),
                          top, batch.loss_mask, DistillLossConfig{})
            .stats.loss;
    EXPECT_GT(expected_first, 0.0);
  }
  run_stage(c, "student");
  auto lines = metrics();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NEAR(lines.front()["distill/loss"].get<double>(), expected_first,
              1e-5 * std::max(1.0, expected_first));
  for (const auto& line : lines) {
    ASSERT_TRUE(line.contains("distill/loss"));
    EXPECT_TRUE(std::isfinite(line["distill/loss"].get<double>()));
    EXPECT_LE(line["distill/top1_agreement"].get<double>(), 1.0 + 1e-9);
  }
  EXPECT_TRUE(fs::exists(stage_dir() / "final" / "config.json"));
}

TEST_F(DistillStageTest, ATeacherWithAnotherTokenizerFailsBeforeTraining) {
  // Same size, other corpus: the upper-cased corpus gives other pieces at the same ids.
  std::vector<std::string> corpus = testing::make_tokenizer_corpus(1500);
  for (auto& line : corpus) {
    for (char& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const fs::path other = dir_ / "other" / "upper-tokenizer.model";
  fs::create_directories(other.parent_path());
  train_sentencepiece(corpus, testing::small_train_config(), other);
  write_model_with_tokenizer(dir_ / "other" / "teacher", other, 300, 11);
  // Other size: 280 pieces of the original corpus.
  SentencePieceTrainConfig smaller = testing::small_train_config();
  smaller.vocab_size = 280;
  const fs::path small = dir_ / "small" / "small-tokenizer.model";
  fs::create_directories(small.parent_path());
  train_sentencepiece(testing::make_tokenizer_corpus(1500), smaller, small);
  write_model_with_tokenizer(dir_ / "small" / "teacher", small, 280, 11);

  auto error_for = [&](const fs::path& teacher) {
    fs::remove_all(dir_ / "run");
    try {
      run_stage(config(full_batch_steps(2),
                       "      teacher: " + teacher.string() + "\n      logit_weight: 1\n"),
                "student");
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  };
  const std::string same_size = error_for(dir_ / "other" / "teacher");
  EXPECT_NE(same_size.find("stage 'student' distill: token "), std::string::npos) << same_size;
  EXPECT_NE(same_size.find("for the teacher"), std::string::npos) << same_size;
  EXPECT_FALSE(fs::exists(stage_dir() / "metrics.jsonl"));  // refused before any step
  EXPECT_FALSE(fs::exists(stage_dir() / "final"));
  const std::string other_size = error_for(dir_ / "small" / "teacher");
  EXPECT_NE(other_size.find("has 280 ids, the student's 300"), std::string::npos) << other_size;
  EXPECT_FALSE(fs::exists(stage_dir() / "metrics.jsonl"));
  // The same check as a function: identical tokenizers pass.
  auto a = load_tokenizer(dir_ / "tiny-tokenizer.model");
  auto b = load_tokenizer(dir_ / "teacher");
  EXPECT_NO_THROW(check_same_tokenizer(*a, *b, "x"));
  EXPECT_THROW(check_same_tokenizer(*a, *load_tokenizer(other), "x"), ConfigError);
}

TEST_F(DistillStageTest, ConfigErrorsNameTheProblem) {
  auto error_of = [&](const std::string& text) {
    try {
      Config c = load_config_text(text, "distill.yaml");
      resolve_stage_references(c, "distill.yaml", /*check_inputs_exist=*/false);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  };
  auto has = [](const std::string& error, const std::string& part) {
    return error.find(part) != std::string::npos;
  };
  const std::string sft = full_batch_steps(2);
  // logit distillation with no teacher
  std::string e = error_of(yaml(sft, "      logit_weight: 1\n"));
  EXPECT_TRUE(has(e, "distill.yaml: stages.1.distill.teacher: logit_weight > 0 needs a teacher"))
      << e;
  // on-policy samples one completion per row: packing cannot be on
  e = error_of(yaml(sft + "      packing: true\n",
                    teacher_lines("forward_kl") + "      on: student_samples\n"));
  EXPECT_TRUE(has(e, "stages.1.distill.on student_samples") && has(e, "sft.packing: false")) << e;
  // both weights 0
  e = error_of(yaml(sft, "      sft_weight: 0\n      logit_weight: 0\n"));
  EXPECT_TRUE(has(e, "nothing to train")) << e;
  // a distill: section on an sft stage
  const std::string head = "run: {dir: " + (dir_ / "run").string() +
                           "}\nmodel: {init: " + (dir_ / "teacher").string() + "}\nstages:\n";
  const std::string data = "    sft: {data: {path: " + (dir_ / "traces.jsonl").string() + "}}\n";
  e = error_of(head + "  - name: tune\n    type: sft\n" + data + "    distill: {teacher: base}\n");
  EXPECT_TRUE(has(e, "stages.0 (tune): a distill: section needs type distill")) << e;
  // type distill without its section
  e = error_of(head + "  - name: student\n    type: distill\n" + data);
  EXPECT_TRUE(has(e, "type distill needs a distill: section")) << e;
  // the teacher names a stage that runs later, or one that makes no model
  e = error_of(head + "  - name: student\n    type: distill\n" + data +
               "    distill: {teacher: later, logit_weight: 1}\n"
               "  - name: later\n    type: sft\n" +
               data);
  EXPECT_TRUE(has(e,
                  "stages.0 (student).distill.teacher names stage 'later', which is not an "
                  "earlier stage that produces a model"))
      << e;
  e = error_of(head + "  - name: look\n    type: eval\n    eval: {data: {path: " +
               (dir_ / "traces.jsonl").string() + "}}\n" +
               "  - name: student\n    type: distill\n" + data +
               "    distill: {teacher: look, logit_weight: 1}\n");
  EXPECT_TRUE(has(e, "distill.teacher names stage 'look'")) << e;
  // ... and an earlier model stage resolves to its final folder.
  Config ok = load_config_text(head + "  - name: tune\n    type: sft\n" + data +
                                   "  - name: student\n    type: distill\n" + data +
                                   "    distill: {teacher: tune, logit_weight: 1}\n",
                               "distill.yaml");
  Config resolved = resolve_stage_references(ok, "distill.yaml", false);
  EXPECT_EQ(resolved.stages[1].distill->teacher,
            (dir_ / "run" / "stages" / "01-tune" / "final").string());
  // A teacher that is neither a stage nor a folder fails when inputs are checked.
  e = [&] {
    try {
      resolve_stage_references(config(sft, "      teacher: " + (dir_ / "nowhere").string() +
                                               "\n      logit_weight: 1\n"),
                               "distill.yaml", /*check_inputs_exist=*/true);
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  }();
  EXPECT_TRUE(has(e, "is neither an earlier stage nor a folder")) << e;
}

}  // namespace
}  // namespace r1forge
