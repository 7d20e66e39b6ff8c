// The built-in rewards, one registry entry each (names as in YAML: accuracy, format, tag_count,
// language_consistency, countdown, length, repetition, soft_overlong, external, instruction,
// reward_model).
// register_builtin_rewards() is called once by the registry itself on first use (rl/reward.cpp);
// a static initialiser would be dropped by the linker from the static library.
// Not here: the rewards' code (rl/rewards/<name>.h).
#pragma once

namespace r1forge {

void register_builtin_rewards();

}  // namespace r1forge
