// The r1forge binary: builds the CLI from the command registry, runs the chosen subcommand,
// and is the single place that catches errors. Exit codes: 0 success, 2 usage or config
// error, 1 any other failure. Commands live in src/apps/commands/, one file each.
#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <exception>
#include <iostream>

#include "command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/core/threads.h"
#include "r1forge/kernels/cuda_loader.h"

namespace {

void print_error(const char* what, const char* file = nullptr, int line = 0) {
  r1forge::log::flush();
  std::cerr << "r1forge: error: " << what << "\n";
  if (file && *file) std::cerr << "  (raised at " << file << ":" << line << ")\n";
}

int run(int argc, char** argv) {
  using namespace r1forge;
  CLI::App root{"r1forge: train reasoning language models the DeepSeek-R1 way (C++/LibTorch)"};
  root.require_subcommand(1);
  root.option_defaults()->always_capture_default();
  root.set_version_flag("--version", "r1forge 0.1.0");

  auto entries = app::command_registry();
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, app::CommandAction>> commands;
  for (const auto& entry : entries) {
    size_t before = root.get_subcommands({}).size();
    app::CommandAction action = entry.setup(root);
    auto subcommands = root.get_subcommands({});
    R1F_CHECK(subcommands.size() == before + 1, "a command setup must add one subcommand");
    commands.emplace_back(subcommands.back(), std::move(action));
  }

  // CLI11 answers an unknown first word with "A subcommand is required"; name the word instead.
  if (argc >= 2 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const auto& [subcommand, action] : commands) {
      known = known || subcommand->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + subcommand->get_name();
    }
    if (!known) R1F_THROW(UsageError, "unknown command '", argv[1], "'; commands: ", names);
  }
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = root.exit(error);  // prints help/version (code 0) or the usage error
    return code == 0 ? 0 : 2;
  }
  log::setup_console(log::Level::INFO);
  kernels::CudaLoadResult cuda =
      kernels::load_cuda_support();  // CPU-only machines skip it at no cost
  R1F_LOG_DEBUG("CUDA support: ", cuda.loaded ? "loaded " : "not loaded: ", cuda.detail);
  for (auto& [subcommand, action] : commands) {
    if (subcommand->parsed()) action();
  }
  log::flush();
  return app::command_exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  r1forge::use_passive_openmp_wait(argv);  // re-executes once; see core/threads.h
  try {
    return run(argc, argv);
  } catch (const r1forge::Error& error) {
    print_error(error.what(), error.file(), error.line());
    return r1forge::exit_code_for(error.kind());
  } catch (const c10::Error& error) {
    print_error(error.what_without_backtrace());
    return 1;
  } catch (const std::exception& error) {
    print_error(error.what());
    return 1;
  }
}
