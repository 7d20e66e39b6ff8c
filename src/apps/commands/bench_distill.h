// `r1forge bench distill`: peak memory and time of forward + backward of the chunked
// distillation loss (rl/distill_loss.h) against a naive [N, T, V] implementation. Added to the
// `bench` subcommand by bench.cpp's setup; implemented in bench_distill.cpp.
#pragma once

#include "../command.h"

namespace r1forge::app {

// Adds `distill` under `bench`; the returned action runs it when that subcommand was parsed.
CommandAction add_bench_distill(CLI::App& bench);

}  // namespace r1forge::app
