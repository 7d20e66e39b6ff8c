// The subcommand registry of the r1forge binary. Each command file registers itself with a
// static CommandRegistration; main() adds them to the CLI in `order` and runs the chosen one.
// Adding a command touches only its own file (src/apps/commands/<name>.cpp).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace r1forge::app {

// What a command's setup returns: the action to run when its subcommand was chosen. The
// action throws r1forge::Error on bad input; main() turns that into a message and exit code.
using CommandAction = std::function<void()>;
// Adds the subcommand (and its flags, bound to variables the action captures) to `root`.
using CommandSetup = std::function<CommandAction(CLI::App& root)>;

struct CommandEntry {
  int order;  // position in `r1forge --help`
  CommandSetup setup;
};

inline std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> registry;
  return registry;
}

// The binary's exit code after a command's action returned normally: 0 unless the action set
// another (`launch` passes on its failing worker's code).
inline int& command_exit_code() {
  static int code = 0;
  return code;
}
inline void set_command_exit_code(int code) {
  command_exit_code() = code;
}

struct CommandRegistration {
  CommandRegistration(int order, CommandSetup setup) {
    command_registry().push_back({order, std::move(setup)});
  }
};

}  // namespace r1forge::app
