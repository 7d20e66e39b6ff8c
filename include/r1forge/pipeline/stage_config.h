// One item of the run config's `stages:` list: a named stage of a given type, the model it
// starts from (base, an earlier stage's name, a model folder or a preset), and the section of
// its type (`sft:` for pretrain and sft, `grpo:`, `rejection_sampling:`, `distill:` with
// `sft:`, `reward_model:`), plus an optional `eval:` run on the stage's final model.
// Not here: running a stage (stage.h), resolving references (stage_references.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "r1forge/core/yaml_fields.h"
#include "r1forge/model/architecture_config.h"
#include "r1forge/pipeline/distill_config.h"
#include "r1forge/pipeline/eval_config.h"
#include "r1forge/pipeline/grpo_config.h"
#include "r1forge/pipeline/rejection_config.h"
#include "r1forge/pipeline/reward_model_config.h"
#include "r1forge/pipeline/sft_config.h"

namespace r1forge {

struct StageConfig {
  std::string name;           // unique in the run; [a-z0-9_] (names the stage's folder)
  std::string type = "grpo";  // the stage's algorithm; its section must be present
  // base = the top-level model (model.init); or a model folder path
  std::string init = "base";
  // Shape overrides when init is a preset (e.g. a distillation student); 0 = the preset's.
  ArchitectureConfig architecture;
  std::optional<SftConfig> sft;          // required when type is sft or pretrain (and distill)
  std::optional<GrpoConfig> grpo;        // required when type is grpo
  std::optional<DistillConfig> distill;  // required when type is distill (with sft:)
  std::optional<EvalConfig> eval;        // required when type is eval; any stage: evaluate after it
  // required when type is rejection_sampling
  std::optional<RejectionSamplingConfig> rejection_sampling;
  std::optional<RewardModelConfig> reward_model;  // required when type is reward_model

  bool operator==(const StageConfig&) const = default;
  template <class Visitor>
  void visit(Visitor& v) {
    v.field("name", name, "stage name, unique in the run ([a-z0-9_])");
    v.field(
        "type", type, "stage algorithm",
        OneOf{"pretrain", "sft", "grpo", "rejection_sampling", "distill", "eval", "reward_model"});
    v.field("init", init,
            "starting model: base (= model.init), an earlier stage's name, a folder or a preset");
    v.field("architecture", architecture, "shape overrides when init is a preset");
    v.field("sft", sft, "supervised training settings (types pretrain, sft, distill)");
    v.field("grpo", grpo, "GRPO settings (type grpo)");
    v.field("distill", distill, "teacher and logit distillation (type distill, with sft:)");
    v.field("rejection_sampling", rejection_sampling,
            "rejection sampling settings (type rejection_sampling)");
    v.field("reward_model", reward_model,
            "reward model (Bradley-Terry) training settings (type reward_model)");
    v.field("eval", eval, "evaluation (type eval: of init; other types: of the final model)");
  }
};

// Fills the defaults that depend on other keys of a stage (GrpoConfig::resolve_defaults), so
// the resolved config names what each stage runs. load_config does this.
void resolve_stage_defaults(std::vector<StageConfig>& stages);

// A stage named `name` with every optional section present at its defaults: the item that
// listings of every possible key start from (config --dump-defaults, the settings tests).
StageConfig stage_with_every_section(std::string name);

// ConfigError (naming `source` and `stages[i]`) for an empty or malformed name, a duplicate
// name, a missing section for the type or a section of another type, and the type's own
// cross-field checks.
void validate_stages(const std::vector<StageConfig>& stages, const std::string& source);

}  // namespace r1forge
