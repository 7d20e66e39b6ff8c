// `r1forge launch --nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P]
// -- COMMAND...`: starts N copies of COMMAND on this node with torchrun's environment (RANK,
// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT; plus
// NODE_RANK and R1F_LAUNCHED=1), prefixes their output lines with "[rank K] ", and stops all
// of them when one fails, exiting with its code. Multi-node: one launcher per node (Slurm:
// scripts/slurm/r1forge.sbatch). Not here: spawning and supervision (core/worker_supervisor.h),
// the workers' rendezvous (core/distributed.h), restarts (rerun: stages resume).
#include <unistd.h>

#include <climits>
#include <cmath>
#include <iostream>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/worker_supervisor.h"

namespace r1forge::app {
namespace {

struct LaunchOptions {
  int64_t nproc_per_node = 0;  // required
  int64_t nnodes = 1;
  int64_t node_rank = 0;
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;  // torchrun's default; 0 = a free loopback port (one node only)
  double grace_seconds = 30;
  bool no_prefix = false;
  std::vector<std::string> command;
};

// The launcher's own binary, for `-- r1forge ...` when no r1forge is on PATH (a build tree).
std::string own_executable() {
  char path[PATH_MAX];
  ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  R1F_CHECK_IO(length > 0, "launch: cannot read /proc/self/exe");
  return std::string(path, static_cast<size_t>(length));
}

void validate(const LaunchOptions& options) {
  R1F_CHECK_USAGE(options.nproc_per_node >= 1 && options.nproc_per_node <= 4096,
                  "launch: --nproc-per-node must be in [1, 4096], got ", options.nproc_per_node);
  R1F_CHECK_USAGE(options.nnodes >= 1 && options.nnodes <= 1'000'000,
                  "launch: --nnodes must be in [1, 1000000], got ", options.nnodes);
  R1F_CHECK_USAGE(options.node_rank >= 0 && options.node_rank < options.nnodes,
                  "launch: --node-rank must be in [0, --nnodes) = [0, ", options.nnodes, "), got ",
                  options.node_rank);
  R1F_CHECK_USAGE(!options.master_addr.empty(), "launch: --master-addr is empty");
  R1F_CHECK_USAGE(options.master_port >= 0 && options.master_port <= 65535,
                  "launch: --master-port must be in [0, 65535], got ", options.master_port);
  R1F_CHECK_USAGE(options.master_port != 0 || options.nnodes == 1,
                  "launch: --master-port 0 (pick a free port) works on a single node only: with "
                  "--nnodes ",
                  options.nnodes, " every node's launcher must be given the same port");
  R1F_CHECK_USAGE(std::isfinite(options.grace_seconds) && options.grace_seconds >= 0,
                  "launch: --grace-seconds must be a finite number >= 0, got ",
                  options.grace_seconds);
  R1F_CHECK_USAGE(!options.command.empty(),
                  "launch: no command to run; put it after '--', e.g. r1forge launch "
                  "--nproc-per-node 2 -- r1forge run CONFIG.yaml");
}

int run_launch(const LaunchOptions& options) {
  validate(options);
  std::string program = options.command[0];
  if (program == "r1forge" && find_on_path(program).empty()) program = own_executable();
  R1F_CHECK_USAGE(!find_on_path(program).empty(), "launch: the command '", program,
                  "' was not found", program.find('/') == std::string::npos ? " on PATH" : "",
                  " or is not executable");
  int64_t port = options.master_port;
  if (port == 0) port = pick_free_loopback_port();

  const int64_t world_size = options.nnodes * options.nproc_per_node;
  std::vector<WorkerCommand> workers;
  for (int64_t local_rank = 0; local_rank < options.nproc_per_node; ++local_rank) {
    int64_t rank = options.node_rank * options.nproc_per_node + local_rank;
    WorkerCommand worker;
    worker.name = "rank " + std::to_string(rank);
    worker.output_prefix = options.no_prefix ? "" : "[rank " + std::to_string(rank) + "] ";
    worker.program = program;
    worker.argv = options.command;
    worker.environment = {{"RANK", std::to_string(rank)},
                          {"WORLD_SIZE", std::to_string(world_size)},
                          {"LOCAL_RANK", std::to_string(local_rank)},
                          {"LOCAL_WORLD_SIZE", std::to_string(options.nproc_per_node)},
                          {"GROUP_RANK", std::to_string(options.node_rank)},
                          {"NODE_RANK", std::to_string(options.node_rank)},
                          {"MASTER_ADDR", options.master_addr},
                          {"MASTER_PORT", std::to_string(port)},
                          {"R1F_LAUNCHED", "1"}};
    workers.push_back(std::move(worker));
  }
  int64_t first = options.node_rank * options.nproc_per_node;
  std::cerr << "r1forge launch: starting ranks " << first << ".."
            << first + options.nproc_per_node - 1 << " of " << world_size << " (node "
            << options.node_rank << " of " << options.nnodes << "), master " << options.master_addr
            << ":" << port << std::endl;
  SupervisorOptions supervisor;
  supervisor.grace_seconds = options.grace_seconds;
  return run_workers(workers, supervisor);
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<LaunchOptions>();
  CLI::App* command = root.add_subcommand(
      "launch", "Start N worker processes per node with torchrun's environment and supervise them");
  command->description(
      "Start --nproc-per-node copies of COMMAND (given after '--') on this node, each with\n"
      "torchrun's environment: RANK = node_rank * nproc_per_node + LOCAL_RANK, WORLD_SIZE =\n"
      "nnodes * nproc_per_node, LOCAL_RANK, LOCAL_WORLD_SIZE, GROUP_RANK and NODE_RANK (the\n"
      "node rank), MASTER_ADDR, MASTER_PORT, and R1F_LAUNCHED=1; the rest of the environment\n"
      "is inherited, stdin is /dev/null. Each line a worker writes to stdout or stderr is\n"
      "copied to the same stream behind '[rank K] '. When a worker exits non-zero or is\n"
      "killed, the others get SIGTERM (r1forge workers save a checkpoint), then SIGKILL after\n"
      "--grace-seconds; SIGINT, SIGTERM and SIGHUP (as SIGTERM) to the launcher are forwarded\n"
      "the same way. Exit code: 0 when every worker exited 0, else that of the first worker\n"
      "that failed (128+N for signal N). A COMMAND starting with 'r1forge' runs this binary\n"
      "when no r1forge is on PATH. Several nodes: one launcher per node with the same\n"
      "--nnodes, --master-addr and --master-port (scripts/slurm/r1forge.sbatch).");
  command
      ->add_option("--nproc-per-node", options->nproc_per_node,
                   "worker processes on this node (one per GPU), >= 1")
      ->required();
  command->add_option("--nnodes", options->nnodes, "nodes in the job, each running one launcher");
  command->add_option("--node-rank", options->node_rank, "this node's rank, in [0, --nnodes)");
  command->add_option("--master-addr", options->master_addr,
                      "address of node 0, where rank 0 serves the rendezvous store");
  command->add_option("--master-port", options->master_port,
                      "TCP port of the rendezvous store; 0 picks a free port on 127.0.0.1 "
                      "(single node only: rejected with --nnodes > 1)");
  command->add_option("--grace-seconds", options->grace_seconds,
                      "seconds between SIGTERM and SIGKILL when stopping the workers");
  command->add_flag("--no-prefix", options->no_prefix,
                    "copy worker output lines without the '[rank K] ' prefix");
  command->add_option("command", options->command,
                      "the worker command and its arguments, after '--'");
  return [options] { set_command_exit_code(run_launch(*options)); };
}

const CommandRegistration registration(6, setup);  // after run and stage

}  // namespace
}  // namespace r1forge::app
