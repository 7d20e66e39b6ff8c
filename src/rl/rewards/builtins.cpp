// Registers the built-in rewards; see include/r1forge/rl/rewards/builtins.h. Referencing every
// factory from here is also what makes the linker keep the rewards' object files.
#include "r1forge/rl/rewards/builtins.h"

#include "r1forge/rl/reward.h"
#include "r1forge/rl/rewards/accuracy.h"
#include "r1forge/rl/rewards/countdown.h"
#include "r1forge/rl/rewards/external.h"
#include "r1forge/rl/rewards/format.h"
#include "r1forge/rl/rewards/instruction.h"
#include "r1forge/rl/rewards/language_consistency.h"
#include "r1forge/rl/rewards/length.h"
#include "r1forge/rl/rewards/repetition.h"
#include "r1forge/rl/rewards/reward_model.h"
#include "r1forge/rl/rewards/soft_overlong.h"
#include "r1forge/rl/rewards/tag_count.h"

namespace r1forge {

void register_builtin_rewards() {
  register_reward("accuracy", kAccuracyHelp, make_accuracy_reward);
  register_reward("format", kFormatHelp, make_format_reward);
  register_reward("tag_count", kTagCountHelp, make_tag_count_reward);
  register_reward("language_consistency", kLanguageConsistencyHelp,
                  make_language_consistency_reward);
  register_reward("countdown", kCountdownHelp, make_countdown_reward);
  register_reward("length", kLengthHelp, make_length_reward);
  register_reward("repetition", kRepetitionHelp, make_repetition_reward);
  register_reward("soft_overlong", kSoftOverlongHelp, make_soft_overlong_reward);
  register_reward("external", kExternalHelp, make_external_reward);
  register_reward("instruction", kInstructionHelp, make_instruction_reward);
  register_reward("reward_model", kRewardModelHelp, make_reward_model_reward);
}

}  // namespace r1forge
