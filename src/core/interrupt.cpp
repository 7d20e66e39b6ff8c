// SIGINT/SIGTERM handling for graceful stops; see core/interrupt.h.
#include "r1forge/core/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace r1forge {
namespace {

std::atomic<int> received_signal{0};
std::mutex scope_mutex;
int scope_depth = 0;
struct sigaction previous_int, previous_term;

void handle_signal(int number) {
  if (number == SIGINT && received_signal.load() != 0) {
    // Second Ctrl-C: the user wants out now. Default action, re-raised (exit by signal).
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
    return;
  }
  received_signal.store(number);
  const char* message =
      number == SIGINT
          ? "\nr1forge: SIGINT received; finishing the current step, then saving and stopping "
            "(press Ctrl-C again to stop at once)\n"
          : "\nr1forge: SIGTERM received; finishing the current step, then saving and stopping\n";
  ssize_t ignored = write(STDERR_FILENO, message, std::strlen(message));  // async-signal-safe
  (void)ignored;
}

}  // namespace

InterruptScope::InterruptScope() {
  std::lock_guard<std::mutex> lock(scope_mutex);
  if (scope_depth++ > 0) return;
  struct sigaction action {};
  action.sa_handler = handle_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking reads (reward scorers) resume after the handler
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

InterruptScope::~InterruptScope() {
  std::lock_guard<std::mutex> lock(scope_mutex);
  if (--scope_depth > 0) return;
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

bool interrupt_requested() {
  return received_signal.load() != 0;
}

const char* interrupt_signal_name() {
  switch (received_signal.load()) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "";
  }
}

}  // namespace r1forge
