// `r1forge bench sha256`; see bench_sha256.h. One thread: checkpoint.cpp hashes each file of a
// checkpoint on its own thread, so per-core throughput is the figure that scales.
#include "bench_sha256.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/sha256.h"
#include "r1forge/core/sha256_reference.h"
#include "r1forge/core/timer.h"

namespace r1forge::app {
namespace {

struct BenchSha256Options {
  int64_t mebibytes = 256;  // bytes hashed per repeat
  int64_t repeats = 3;      // interleaved; medians reported
  std::string folder;       // where the file goes; empty = the system's temporary folder
};

// Seconds to hash `bytes` with digest type Hash in 4 MiB updates (as sha256_file reads).
template <typename Hash>
double time_in_memory(const std::string& bytes, std::string* digest) {
  Timer timer;
  Hash hash;
  constexpr size_t kChunk = 4 << 20;
  for (size_t at = 0; at < bytes.size(); at += kChunk) {
    hash.update(bytes.data() + at, std::min(kChunk, bytes.size() - at));
  }
  *digest = hash.hex_digest();
  return timer.seconds();
}

void run_bench_sha256(const BenchSha256Options& options) {
  R1F_CHECK_USAGE(options.mebibytes > 0 && options.repeats > 0,
                  "bench sha256: --mebibytes and --repeats must be positive");
  const size_t size = static_cast<size_t>(options.mebibytes) << 20;
  std::string bytes(size, '\0');
  std::mt19937_64 random(1);
  for (size_t at = 0; at + 8 <= size; at += 8) {
    const uint64_t word = random();
    std::memcpy(bytes.data() + at, &word, 8);
  }
  namespace fs = std::filesystem;
  const fs::path folder =
      options.folder.empty() ? fs::temp_directory_path() : fs::path(options.folder);
  const fs::path file = folder / ("r1forge-bench-sha256-" + std::to_string(::getpid()) + ".bin");
  atomic_write_file(file, bytes);

  std::vector<double> openssl, reference, from_file;
  std::string openssl_digest, reference_digest, file_digest;
  for (int64_t repeat = 0; repeat < options.repeats; ++repeat) {
    openssl.push_back(time_in_memory<Sha256>(bytes, &openssl_digest));
    reference.push_back(time_in_memory<Sha256Reference>(bytes, &reference_digest));
    Timer timer;
    file_digest = sha256_file(file);  // page-cache reads: the file was just written
    from_file.push_back(timer.seconds());
  }
  std::error_code ignored;
  fs::remove(file, ignored);
  R1F_CHECK(openssl_digest == reference_digest && file_digest == openssl_digest,
            "bench sha256: the implementations disagree (", openssl_digest, " vs ",
            reference_digest, " vs ", file_digest, ")");

  const double megabytes = static_cast<double>(size) / 1e6;
  const double openssl_rate = megabytes / median(openssl);
  const double reference_rate = megabytes / median(reference);
  const double file_rate = megabytes / median(from_file);
  // A 1.5B-parameter model's bf16 weights: 3.09 GB (Qwen2.5-1.5B has 1.54B parameters).
  const double model_gigabytes = 1.54e9 * 2 / 1e9;
  std::printf("| SHA-256, 1 thread, %lld MiB, median of %lld | MB/s | 1.5B bf16 weights (s) |\n",
              static_cast<long long>(options.mebibytes), static_cast<long long>(options.repeats));
  std::printf("|---|---|---|\n");
  std::printf("| OpenSSL (%s), in memory | %.0f | %.2f |\n", sha256_implementation().c_str(),
              openssl_rate, model_gigabytes * 1e3 / openssl_rate);
  std::printf("| OpenSSL, sha256_file (page cache) | %.0f | %.2f |\n", file_rate,
              model_gigabytes * 1e3 / file_rate);
  std::printf("| portable reference, in memory | %.0f | %.2f |\n", reference_rate,
              model_gigabytes * 1e3 / reference_rate);
  std::printf("OpenSSL / reference: %.2fx\n", openssl_rate / reference_rate);
  nlohmann::json summary = {{"bench", "sha256"},
                            {"mebibytes", options.mebibytes},
                            {"repeats", options.repeats},
                            {"implementation", sha256_implementation()},
                            {"openssl_megabytes_per_second", openssl_rate},
                            {"file_megabytes_per_second", file_rate},
                            {"reference_megabytes_per_second", reference_rate},
                            {"speedup", openssl_rate / reference_rate},
                            {"digest", openssl_digest}};
  std::printf("%s\n", summary.dump().c_str());
  std::fflush(stdout);
}

}  // namespace

CommandAction add_bench_sha256(CLI::App& bench) {
  auto o = std::make_shared<BenchSha256Options>();
  CLI::App* sha256 = bench.add_subcommand(
      "sha256", "Checkpoint hashing MB/s: OpenSSL vs the portable reference, one thread");
  sha256->add_option("--mebibytes", o->mebibytes, "bytes hashed per repeat (MiB)");
  sha256->add_option("--repeats", o->repeats, "interleaved repeats (medians reported)");
  sha256->add_option("--folder", o->folder, "folder for the hashed file (default: temp folder)");
  return [o, sha256] {
    if (sha256->parsed()) run_bench_sha256(*o);
  };
}

}  // namespace r1forge::app
