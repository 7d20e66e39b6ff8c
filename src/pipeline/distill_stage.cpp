// The distill stage; see pipeline/distill_stage.h.
#include "r1forge/pipeline/distill_stage.h"

#include <filesystem>

#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/yaml_io.h"
#include "r1forge/model/hf_io.h"
#include "r1forge/pipeline/sft_trainer.h"
#include "r1forge/pipeline/stage.h"
#include "r1forge/pipeline/stage_references.h"
#include "r1forge/rl/teacher_topk.h"
#include "r1forge/sampling/backends.h"
#include "r1forge/sampling/engine.h"

namespace r1forge {
namespace fs = std::filesystem;

void check_same_tokenizer(const Tokenizer& student,
                          const Tokenizer& teacher,
                          const std::string& where) {
  R1F_CHECK_CONFIG(student.vocab_size() == teacher.vocab_size(), where,
                   ": the teacher's tokenizer has ", teacher.vocab_size(), " ids, the student's ",
                   student.vocab_size(), "; distillation needs one shared tokenizer");
  for (int64_t id = 0; id < student.vocab_size(); ++id) {
    R1F_CHECK_CONFIG(student.id_to_token(id) == teacher.id_to_token(id), where, ": token ", id,
                     " is '", student.id_to_token(id), "' for the student but '",
                     teacher.id_to_token(id),
                     "' for the teacher; distillation needs one tokenizer");
  }
}

namespace {

// The teacher's top-k over `batch`'s positions, honouring packing (segment ids, positions).
TeacherTopK teacher_targets(Transformer& teacher,
                            const SftBatch& batch,
                            const DistillConfig& distill) {
  at::NoGradGuard no_grad;
  ForwardInputs inputs;
  inputs.input_ids = batch.input_ids.to(teacher->device());
  inputs.positions = batch.positions.to(teacher->device());
  if (batch.segment_ids.defined()) inputs.segment_ids = batch.segment_ids.to(teacher->device());
  at::Tensor hidden = teacher->hidden_states(inputs);  // [N, T, E_teacher]
  return teacher_topk_from_hidden(hidden, teacher->output_embedding(), distill.teacher_top_k,
                                  distill.teacher_temperature, distill.loss.chunk_rows);
}

// On-policy batch: the student's own completion for each example's prompt; loss positions are
// those predicting a generated token.
SftBatch student_sample_batch(Engine& engine,
                              const SftBatch& traces,
                              int64_t pad_id,
                              const DistillConfig& distill,
                              uint64_t seed) {
  std::vector<SftExample> examples;
  std::vector<GenerationRequest> requests;
  const int64_t rows = traces.rows();
  for (int64_t n = 0; n < rows; ++n) {
    // Prompt = the row's leading untargeted tokens (unpacked rows: the example's prompt).
    const auto ids = traces.input_ids[n];
    const auto mask = traces.loss_mask[n];
    int64_t prompt = 0;
    while (prompt < mask.size(0) && !mask[prompt].item<bool>()) ++prompt;
    GenerationRequest request;
    for (int64_t t = 0; t <= prompt && t < ids.size(0); ++t) {
      request.prompt_ids.push_back(ids[t].item<int64_t>());
    }
    request.params = distill.generation.sampling_params(
        derive_seed(seed, "student-sample", {static_cast<uint64_t>(n)}));
    requests.push_back(request);
  }
  std::vector<GeneratedSample> samples = engine.generate(requests);
  for (const auto& sample : samples) {
    SftExample example;
    example.ids = requests[sample.prompt_index].prompt_ids;
    example.prompt_length = static_cast<int64_t>(example.ids.size());
    example.ids.insert(example.ids.end(), sample.token_ids.begin(), sample.token_ids.end());
    if (example.ids.size() < 2) example.ids.push_back(pad_id);
    examples.push_back(std::move(example));
  }
  std::vector<std::vector<int64_t>> layout;
  for (size_t i = 0; i < examples.size(); ++i) layout.push_back({static_cast<int64_t>(i)});
  return make_sft_batch(examples, layout, pad_id, /*completion_only=*/true, /*packed=*/false);
}

}  // namespace

void run_distill_stage(const Config& config, const StageConfig& stage) {
  R1F_CHECK_CONFIG(stage.sft && stage.distill, "stage '", stage.name,
                   "' (distill) needs sft: and distill: sections");
  const DistillConfig& distill = *stage.distill;
  const std::string where = "stage '" + stage.name + "' distill";
  StageModel student = load_stage_model(config, stage);
  SftTrainer trainer(*stage.sft, student, stage_directory(config, stage), stage.name,
                     derive_seed(config.run.seed, "stage:" + stage.name), /*text_rows=*/false);
  trainer.set_nll_weight(distill.sft_weight);
  trainer.set_stage_config(to_yaml(portable_stage(config, stage)));
  R1F_LOG_INFO(stage.name, ": student of ", parameter_count(student.model->config()),
               " parameters (", student.model->config().num_hidden_layers, " layers, width ",
               student.model->config().hidden_size, ")");

  Transformer teacher{nullptr};
  std::unique_ptr<ModelBackend> backend;
  std::unique_ptr<Engine> engine;
  if (distill.logit_weight > 0) {
    R1F_CHECK_CONFIG(!distill.teacher.empty() && fs::is_directory(distill.teacher), where,
                     ".teacher '", distill.teacher,
                     "' is not a model folder (name an earlier stage or a folder)");
    StageConfig teacher_stage = stage;
    teacher_stage.init = distill.teacher;
    // The teacher's own tokenizer files, not model.tokenizer (which the student may use):
    // otherwise the check below would compare the student's tokenizer with itself.
    Config teacher_config = config;
    for (const char* file : {"tokenizer.model", "tokenizer.json"}) {
      if (fs::exists(fs::path(distill.teacher) / file)) teacher_config.model.tokenizer.clear();
    }
    StageModel loaded = load_stage_model(teacher_config, teacher_stage);
    check_same_tokenizer(*student.tokenizer, *loaded.tokenizer, where);
    // Teacher top-k ids index the student's logits: rows past the student's would be out of range.
    R1F_CHECK_CONFIG(loaded.model->config().vocab_size <= student.model->config().vocab_size, where,
                     ": the teacher has ", loaded.model->config().vocab_size,
                     " embedding rows, the student ", student.model->config().vocab_size,
                     "; set the stage's architecture.vocab_size to ",
                     loaded.model->config().vocab_size);
    teacher = loaded.model;
    for (auto& parameter : teacher->parameters()) parameter.set_requires_grad(false);
    R1F_LOG_INFO(stage.name, ": logit distillation (", distill.loss.kind, ", top ",
                 distill.teacher_top_k, ", on ", distill.on, ") from the teacher ", distill.teacher,
                 " of ", parameter_count(teacher->config()), " parameters");
    if (distill.samples_student()) {
      backend = make_model_backend(config.sampling, student.model);
      engine = std::make_unique<Engine>(*backend, student.tokenizer.get(), student.eos_ids,
                                        config.sampling.engine());
    }
    const uint64_t seed = derive_seed(config.run.seed, "stage:" + stage.name + ":samples");
    // Samples are seeded per (step, micro-batch), so a run resumed from a checkpoint, or run
    // by another number of processes, draws exactly what an uninterrupted one would.
    trainer.set_auxiliary_loss([&, seed](const SftBatch& traces, const at::Tensor& hidden,
                                         MetricValues& sums) -> at::Tensor {
      const uint64_t sample_seed =
          derive_seed(seed, "call",
                      {static_cast<uint64_t>(trainer.current_step()),
                       static_cast<uint64_t>(trainer.current_micro_batch())});
      at::Tensor student_hidden = hidden;
      SftBatch batch = traces;
      if (engine) {
        {
          at::NoGradGuard no_grad;
          batch = student_sample_batch(*engine, traces, student.pad_id, distill, sample_seed);
        }
        ForwardInputs inputs;
        inputs.input_ids = batch.input_ids.to(student.model->device());
        inputs.positions = batch.positions.to(student.model->device());
        student_hidden = student.model->hidden_states(inputs);
      }
      TeacherTopK targets = teacher_targets(teacher, batch, distill);
      DistillLossResult result =
          distillation_loss(student_hidden, student.model->output_embedding(), targets,
                            batch.loss_mask.to(student_hidden.device()), distill.loss);
      // Weighted by the micro-batch's trace targets, which the trainer divides by (the step's
      // total): the logged values are then means over positions. On traces the divergence's
      // positions are those targets; on student samples they are not (another length), and
      // weighting by their count would scale the loss and its log by samples / traces.
      const double weight = static_cast<double>(traces.target_tokens);
      sums["distill/loss"] += result.stats.loss * weight;
      sums["distill/teacher_topk_mass"] += result.stats.teacher_topk_mass * weight;
      sums["distill/top1_agreement"] += result.stats.top1_agreement * weight;
      return result.loss * (weight * distill.logit_weight);
    });
  }
  trainer.run();
}

}  // namespace r1forge
