// `r1forge plan CONFIG [overrides]`: each stage's memory per rank (weights, gradients, AdamW
// state, activations with and without checkpointing, KV cache, log-prob chunks, reference,
// teacher, reward models) against the device's memory, the knobs to turn where it does not
// fit, and the time per step from this machine's measured rates; `--measure` also runs one
// real step of each stage shape and prints its measured peak beside the estimate.
// Every torch computation runs in a forked child (core/child_run.h), so the readings of one do
// not leak into the next. Not here: the formulas (pipeline/memory_plan.h), the measuring
// (pipeline/plan_measure.h).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "../command.h"
#include "r1forge/core/check.h"
#include "r1forge/core/child_run.h"
#include "r1forge/model/transformer.h"
#include "r1forge/pipeline/memory_plan.h"
#include "r1forge/pipeline/plan_measure.h"
#include "r1forge/pipeline/run_config.h"

namespace r1forge::app {
namespace {

struct PlanCommandOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string device_memory;
  int64_t world_size = 1;
  bool json = false;
  bool measure = false;
  bool no_benchmark = false;
  bool strict = false;
};

const char* kDescription =
    "Estimate each stage's memory per rank (weights, gradients, AdamW state, activations with\n"
    "and without gradient checkpointing, KV cache, log-prob chunks, reference/teacher/reward\n"
    "models) against the device's memory, name the config keys that would make a stage fit,\n"
    "and estimate the time per step from this machine's measured matmul and copy rates.\n"
    "--measure runs one real step of each stage shape (random weights) and prints its measured\n"
    "peak memory beside the estimate. Exit 0 with warnings when something does not fit;\n"
    "--strict exits 4 then. docs/plan.md explains every figure.";

struct StageTime {
  double train = 0, scoring = 0, generation = 0;
  double step() const { return train + scoring + generation; }
  bool measured = false;
};

// Seconds per step from the machine's rates: training and scoring FLOPs at the measured matmul
// peak and the configured maximum lengths, decode steps at the roofline of matmul and memory
// traffic.
StageTime derived_time(const StageMemoryPlan& plan,
                       const MachineRates& rates,
                       const Config& config) {
  StageTime time;
  const auto& w = plan.work;
  if (rates.matmul_flops_per_second <= 0) return time;
  if (w.train_tokens_per_step > 0) {
    double flops = training_flops_per_token(plan.model, w.train_sequence_length) *
                   static_cast<double>(w.train_tokens_per_step);
    if (plan.gradient_checkpointing) flops *= 4.0 / 3.0;  // one more forward
    time.train = flops / rates.matmul_flops_per_second;
    time.scoring = training_flops_per_token(plan.model, w.train_sequence_length) / 3.0 *
                   static_cast<double>(w.scored_tokens_per_step) / rates.matmul_flops_per_second;
  }
  if (w.decode_steps_per_step > 0 && rates.memory_bytes_per_second > 0) {
    const double b = static_cast<double>(dtype_bytes(config.model.dtype));
    const double matmul = training_flops_per_token(plan.model, w.decode_capacity) / 3.0 *
                          static_cast<double>(w.decode_slots) / rates.matmul_flops_per_second;
    int64_t kv = 0;
    for (const auto& item : plan.items) {
      if (item.name == "kv_cache") kv = item.bytes;
    }
    // Every decode step reads the weights once and, on average, half of the cache.
    const double bytes = static_cast<double>(plan.parameters) * b + 0.5 * static_cast<double>(kv);
    const double step = std::max(matmul, bytes / rates.memory_bytes_per_second);
    time.generation = step * static_cast<double>(w.decode_steps_per_step);
  }
  return time;
}

StageTime measured_time(const StageMemoryPlan& plan,
                        const StageTime& derived,
                        const MeasuredStep& step) {
  StageTime time = derived;
  const auto& w = plan.work;
  if (step.micro_batch_seconds > 0 && w.micro_batch_rows > 0) {
    const int64_t per_micro = w.micro_batch_rows * w.train_sequence_length;
    const double micro_batches =
        static_cast<double>((w.train_tokens_per_step + per_micro - 1) / per_micro);
    time.train = step.micro_batch_seconds * micro_batches;
    time.scoring = step.micro_batch_seconds / 3.0 * static_cast<double>(w.scored_tokens_per_step) /
                   static_cast<double>(per_micro);
  }
  if (step.decode_step_seconds > 0) {
    time.generation = step.decode_step_seconds * static_cast<double>(w.decode_steps_per_step);
  }
  time.measured = true;
  return time;
}

std::string seconds_text(double seconds) {
  char text[32];
  if (seconds <= 0) return "-";
  if (seconds < 1) {
    std::snprintf(text, sizeof text, "%.0f ms", seconds * 1e3);
  } else if (seconds < 120) {
    std::snprintf(text, sizeof text, "%.1f s", seconds);
  } else if (seconds < 7200) {
    std::snprintf(text, sizeof text, "%.1f min", seconds / 60);
  } else {
    std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
  }
  return text;
}

int64_t item_bytes(const StageMemoryPlan& plan,
                   std::initializer_list<const char*> names,
                   bool prefix = false) {
  int64_t total = 0;
  for (const auto& item : plan.items) {
    for (const char* name : names) {
      const bool match = prefix ? item.name.rfind(name, 0) == 0 : item.name == name;
      if (match && item.in_peak) total += item.bytes;
    }
  }
  return total;
}

std::string cell(int64_t bytes) {
  return bytes > 0 ? format_bytes(bytes) : "-";
}

void print_table(const RunMemoryPlan& run,
                 const std::vector<StageTime>& times,
                 const std::vector<std::optional<MeasuredStep>>& measured,
                 const std::optional<MachineRates>& rates,
                 const PlanCommandOptions& options,
                 const Config& config) {
  std::printf(
      "r1forge plan %s: %lld rank(s), model.dtype %s, model.device %s, "
      "gradient_checkpointing %s\n",
      options.config_path.c_str(), static_cast<long long>(run.world_size),
      config.model.dtype.c_str(), config.model.device.c_str(),
      config.model.gradient_checkpointing ? "on" : "off");
  std::printf(
      "device memory per rank: %s (%s)\n",
      run.device_memory_bytes > 0 ? format_bytes(run.device_memory_bytes).c_str() : "unknown",
      !options.device_memory.empty() ? "--device-memory"
      : rates                        ? "this machine, measured"
                                     : "this machine");
  if (rates) {
    std::printf(
        "machine (measured): matmul %.1f GFLOP/s (%s, %lld threads), memory copy %.1f GB/s\n",
        rates->matmul_flops_per_second / 1e9, rates->device.c_str(),
        static_cast<long long>(rates->threads), rates->memory_bytes_per_second / 1e9);
  }
  std::printf("\n%-22s %-18s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %-5s %9s %9s\n", "stage",
              "type", "params", "weights", "grads", "optimizer", "acts", "acts(alt)", "log-prob",
              "kv_cache", "other", "peak", "fits", "step", "stage");
  for (size_t i = 0; i < run.stages.size(); ++i) {
    const StageMemoryPlan& s = run.stages[i];
    const int64_t alt = s.activations_bytes == 0   ? 0
                        : s.gradient_checkpointing ? s.activations_without_checkpointing
                                                   : s.activations_with_checkpointing;
    const int64_t other =
        item_bytes(s, {"reward model"}, true) +
        item_bytes(s, {"reference model", "teacher", "teacher outputs", "decode logits"});
    const bool fits = run.device_memory_bytes <= 0 || s.peak_bytes <= run.device_memory_bytes;
    char params[32];
    std::snprintf(params, sizeof params, "%.3gM", static_cast<double>(s.parameters) / 1e6);
    const double step = times[i].step();
    std::printf(
        "%-22s %-18s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %-5s %9s %9s\n", s.stage.c_str(),
        s.type.c_str(), params, cell(item_bytes(s, {"weights"})).c_str(),
        cell(item_bytes(s, {"gradients"})).c_str(), cell(item_bytes(s, {"optimizer"})).c_str(),
        cell(s.activations_bytes).c_str(), cell(alt).c_str(),
        cell(item_bytes(s, {"log-prob chunks"})).c_str(), cell(item_bytes(s, {"kv_cache"})).c_str(),
        cell(other).c_str(), format_bytes(s.peak_bytes).c_str(),
        run.device_memory_bytes <= 0 ? "?"
        : fits                       ? "yes"
                                     : "NO",
        seconds_text(step).c_str(),
        s.work.steps > 0 ? seconds_text(step * static_cast<double>(s.work.steps)).c_str() : "-");
  }
  std::printf(
      "\nacts(alt): activations with model.gradient_checkpointing %s. other: reference, "
      "teacher, reward models on this device, decode logits.\n",
      config.model.gradient_checkpointing ? "off" : "on");
  bool any_measured = false;
  for (size_t i = 0; i < run.stages.size(); ++i) {
    if (i < measured.size() && measured[i]) any_measured = true;
  }
  std::printf("step, stage: %s; stage = step x steps where the config fixes the steps.\n",
              !rates         ? "not estimated (--no-benchmark)"
              : any_measured ? "from the measured step of each stage (--measure)"
                             : "derived from the measured matmul and copy rates at 100% "
                               "efficiency and the configured maximum lengths (shorter "
                               "sequences run faster, small models below the matmul rate; "
                               "--measure times a real step)");
  if (any_measured) {
    std::printf("\n%-22s %12s %12s %8s %12s %12s %12s  %s\n", "measured (--measure)", "estimate",
                "measured", "ratio", "rss growth", "micro-batch", "decode step",
                "estimate leaves out");
    for (size_t i = 0; i < run.stages.size(); ++i) {
      if (i >= measured.size() || !measured[i]) continue;
      const MeasuredStep& m = *measured[i];
      std::printf("%-22s %12s %12s %8.3f %12s %12s %12s  %s\n", run.stages[i].stage.c_str(),
                  format_bytes(m.estimate_bytes).c_str(), format_bytes(m.peak_bytes).c_str(),
                  m.peak_bytes > 0 ? static_cast<double>(m.estimate_bytes) / m.peak_bytes : 0.0,
                  cell(m.rss_growth_bytes).c_str(), seconds_text(m.micro_batch_seconds).c_str(),
                  seconds_text(m.decode_step_seconds).c_str(),
                  m.left_out.empty() ? "-" : m.left_out.c_str());
    }
  }
  for (const StageMemoryPlan& s : run.stages) {
    for (const auto& item : s.items) {
      if (!item.in_peak) {
        std::printf("\nnote: %s: %s %s (%s), not counted in this device's peak", s.stage.c_str(),
                    item.name.c_str(), format_bytes(item.bytes).c_str(), item.note.c_str());
      }
    }
  }
  for (const StageMemoryPlan& s : run.stages) {
    if (s.knobs.empty()) continue;
    std::printf("\nwarning: stage %s needs %s per rank, over the %s device memory by %s. Knobs:\n",
                s.stage.c_str(), format_bytes(s.peak_bytes).c_str(),
                format_bytes(run.device_memory_bytes).c_str(),
                format_bytes(s.peak_bytes - run.device_memory_bytes).c_str());
    for (const PlanKnob& knob : s.knobs) {
      std::printf("  %s=%s (now %s) saves about %s\n", knob.key.c_str(), knob.suggested.c_str(),
                  knob.now.c_str(), format_bytes(knob.saves_bytes).c_str());
    }
  }
  std::printf("\n");
}

nlohmann::json plan_json(const RunMemoryPlan& run,
                         const std::vector<StageTime>& times,
                         const std::vector<std::optional<MeasuredStep>>& measured,
                         const std::optional<MachineRates>& rates) {
  nlohmann::json out = {{"world_size", run.world_size},
                        {"device_memory_bytes", run.device_memory_bytes},
                        {"stages", nlohmann::json::array()}};
  if (rates) out["machine"] = to_json(*rates);
  for (size_t i = 0; i < run.stages.size(); ++i) {
    const StageMemoryPlan& s = run.stages[i];
    nlohmann::json stage = {
        {"stage", s.stage},
        {"type", s.type},
        {"parameters", s.parameters},
        {"dtype", s.dtype},
        {"gradient_checkpointing", s.gradient_checkpointing},
        {"activations_bytes", s.activations_bytes},
        {"activations_without_checkpointing_bytes", s.activations_without_checkpointing},
        {"activations_with_checkpointing_bytes", s.activations_with_checkpointing},
        {"peak_bytes", s.peak_bytes},
        {"fits", run.device_memory_bytes <= 0
                     ? nlohmann::json(nullptr)
                     : nlohmann::json(s.peak_bytes <= run.device_memory_bytes)},
        {"items", nlohmann::json::array()},
        {"knobs", nlohmann::json::array()},
        {"notes", s.notes},
        {"steps", s.work.steps}};
    for (const auto& item : s.items) {
      stage["items"].push_back({{"name", item.name},
                                {"bytes", item.bytes},
                                {"note", item.note},
                                {"in_peak", item.in_peak}});
    }
    for (const auto& knob : s.knobs) {
      stage["knobs"].push_back({{"key", knob.key},
                                {"now", knob.now},
                                {"suggested", knob.suggested},
                                {"saves_bytes", knob.saves_bytes}});
    }
    if (i < times.size() && times[i].step() > 0) {
      stage["time"] = {{"train_seconds", times[i].train},
                       {"scoring_seconds", times[i].scoring},
                       {"generation_seconds", times[i].generation},
                       {"step_seconds", times[i].step()},
                       {"from", times[i].measured ? "measured step" : "measured rates"}};
    }
    if (i < measured.size() && measured[i]) stage["measured"] = to_json(*measured[i]);
    out["stages"].push_back(stage);
  }
  return out;
}

CommandAction setup(CLI::App& root) {
  auto options = std::make_shared<PlanCommandOptions>();
  CLI::App* command = root.add_subcommand("plan", "Memory and time plan of a config before launch");
  command->description(kDescription);
  command->add_option("config", options->config_path, "the YAML config file");
  command->add_option("overrides", options->overrides, "overrides: a.b=v, +a.b=v, ++a.b=v, ~a.b");
  command->add_option("--device-memory", options->device_memory,
                      "memory of each rank's device, e.g. 80GiB, 24GB (default: this machine's)");
  command->add_option("--world-size", options->world_size,
                      "data-parallel ranks (ZeRO-1 shards AdamW state over them)");
  command->add_flag("--json", options->json, "print the plan as one JSON object");
  command->add_flag("--measure", options->measure,
                    "also run one real step of each stage shape and print its measured peak");
  command->add_flag("--no-benchmark", options->no_benchmark,
                    "skip measuring this machine (no time estimates; seconds faster)");
  command->add_flag("--strict", options->strict, "exit 4 when a stage does not fit");
  return [options] {
    R1F_CHECK_USAGE(!options->config_path.empty(), "plan: missing CONFIG.yaml (see --help)");
    R1F_CHECK_USAGE(options->world_size >= 1 && options->world_size <= (1 << 20),
                    "plan: --world-size must be in 1..1048576, got ", options->world_size);
    int64_t device_memory = 0;
    if (!options->device_memory.empty()) {
      device_memory = parse_byte_size(options->device_memory, "plan: --device-memory");
    }
    const Config config = load_config(options->config_path, options->overrides);
    PlanOptions plan_options;
    plan_options.world_size = options->world_size;
    plan_options.device_memory_bytes = device_memory;
    std::optional<MachineRates> rates;
    if (!options->no_benchmark) {
      rates = machine_rates_from_json(
          run_in_child([&] { return to_json(measure_machine(config)); }, "plan machine benchmark"));
      if (device_memory == 0) plan_options.device_memory_bytes = rates->device_memory_bytes;
    } else if (device_memory == 0 && config.model.device == "cpu") {
      plan_options.device_memory_bytes = device_memory_bytes("cpu");
    }
    const RunMemoryPlan run = plan_memory(config, plan_options);
    std::vector<std::optional<MeasuredStep>> measured;
    std::vector<StageTime> times;
    for (const StageMemoryPlan& stage : run.stages) {
      StageTime time = rates ? derived_time(stage, *rates, config) : StageTime{};
      std::optional<MeasuredStep> step;
      if (options->measure) {
        try {
          step = measured_step_from_json(
              run_in_child([&] { return to_json(measure_stage_step(config, stage)); },
                           "plan stage " + stage.stage));
          time = measured_time(stage, time, *step);
        } catch (const std::exception& error) {
          std::fprintf(stderr, "plan: measuring stage %s failed: %s\n", stage.stage.c_str(),
                       error.what());
        }
      }
      measured.push_back(step);
      times.push_back(time);
    }
    if (options->json) {
      std::cout << plan_json(run, times, measured, rates).dump(2) << "\n";
    } else {
      print_table(run, times, measured, rates, *options, config);
    }
    bool fits = true;
    for (const auto& stage : run.stages) {
      if (run.device_memory_bytes > 0 && stage.peak_bytes > run.device_memory_bytes) fits = false;
    }
    if (options->strict && !fits) set_command_exit_code(4);
  };
}

const CommandRegistration registration(92, setup);

}  // namespace
}  // namespace r1forge::app
