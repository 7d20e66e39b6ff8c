// `r1forge config`: validates a YAML config with overrides and prints (or writes) the resolved
// config, every default filled in and each key commented. `--markdown` prints the key
// reference table that docs/config.md embeds, `--dump-defaults` every key with its default and
// comment as YAML (the same list of fields). Nothing here trains or loads a model.
#include <iostream>
#include <optional>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/pipeline/config_diff.h"
#include "r1forge/pipeline/run_config.h"

namespace r1forge::app {
namespace {

struct ConfigOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out_path;
  bool markdown = false;
  bool dump_defaults = false;
};

const char* kDescription =
    "Validate CONFIG.yaml with overrides and print the resolved config (every key, defaults\n"
    "filled in, commented). Precedence: struct defaults < the file < overrides, left to right.\n"
    "Overrides (Hydra grammar; values use YAML rules: 0.01, true, null, 'text', [a, b], {a: 1}):\n"
    "  a.b=v     set a.b            +a.b=v   add a.b (error if the file sets it)\n"
    "  ++a.b=v   set a.b regardless ~a.b     remove a.b (back to its default)\n"
    "  a.b=      the empty string   stages.2.grpo.beta=0.01  list item 2 (never a[2])\n"
    "Bad keys, types, values or overrides exit 2 with file:line and the closest valid key.";

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<ConfigOptions>();
  CLI::App* command = root.add_subcommand("config", "Validate a config and print it resolved");
  command->description(kDescription);
  command->add_option("config", options->config_path, "the YAML config file");
  command->add_option("overrides", options->overrides, "overrides: a.b=v, +a.b=v, ++a.b=v, ~a.b");
  command->add_option("--out", options->out_path,
                      "write the resolved YAML to this file (atomically) instead of stdout");
  command->add_flag("--markdown", options->markdown,
                    "print the table of every key (type, default, meaning) and exit");
  command->add_flag("--dump-defaults", options->dump_defaults,
                    "print every key with its default and comment as YAML and exit");
  return [options] {
    R1F_CHECK_USAGE(!(options->markdown && options->dump_defaults),
                    "config: --markdown and --dump-defaults print different things; give one");
    if (options->markdown) {
      std::cout << config_reference_markdown();
      return;
    }
    if (options->dump_defaults) {
      std::cout << config_defaults_yaml();
      return;
    }
    R1F_CHECK_USAGE(!options->config_path.empty(), "config: missing CONFIG.yaml (see --help)");
    Config config = load_config(options->config_path, options->overrides);
    std::string text = config_to_yaml(config);
    if (options->out_path.empty()) {
      std::cout << text;
    } else {
      atomic_write_file(options->out_path, text);
    }
  };
}

const CommandRegistration registration(90, setup);

}  // namespace
}  // namespace r1forge::app
