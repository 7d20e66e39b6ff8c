// `r1forge bench sha256`: throughput of checkpoint hashing, OpenSSL (core/sha256.h) against the
// portable reference (core/sha256_reference.h) on the same bytes in one run, in memory and
// through a file in the page cache (sha256_file, the checkpoint path). Added to the `bench`
// subcommand by bench.cpp's setup; implemented in bench_sha256.cpp.
#pragma once

#include "../command.h"

namespace r1forge::app {

// Adds `sha256` under `bench`; the returned action runs it when that subcommand was parsed.
CommandAction add_bench_sha256(CLI::App& bench);

}  // namespace r1forge::app
