// Graceful stops on SIGINT and SIGTERM: while an InterruptScope lives, the first signal only
// sets a flag that the training loops poll between steps (they finish the step, save a
// checkpoint and throw InterruptedError, exit 75); a second SIGINT stops the process at once.
// Outside a scope the default handlers apply, so commands without a loop stop immediately.
// Not here: what a stage saves (pipeline/training_state.h), exit codes (core/check.h).
#pragma once

namespace r1forge {

// Installs the handlers (nested scopes share them); restores the previous ones on destruction.
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

// True once SIGINT or SIGTERM arrived inside a scope (async-signal-safe flag).
bool interrupt_requested();
// "SIGINT" or "SIGTERM" for messages; "" when none arrived.
const char* interrupt_signal_name();

}  // namespace r1forge
