// `r1forge bench distill`: peak resident-memory growth and time of one forward + backward of
// the distillation loss, chunked (rl/distill_loss.h) vs naive (full [N, T, V] logits, fp32
// log-softmax, gather, 1 − Σ rest bucket, autograd). Each variant runs in its own forked
// child (bench_memory.h); peak growth = peak RSS − RSS after the inputs were allocated.
// The teacher's top-k are synthetic (distinct ids, random log-probs summing to 1 with the
// rest), drawn without any [N, T, V] tensor, so only the loss shows in the peak.
// Not here: teacher inference cost (teacher_topk is a chunked forward like log-probs).
#include "bench_distill.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_memory.h"
#include "bench_stats.h"
#include "r1forge/core/check.h"
#include "r1forge/core/rng.h"
#include "r1forge/core/threads.h"
#include "r1forge/core/timer.h"
#include "r1forge/rl/distill_loss.h"

namespace r1forge::app {
namespace {

struct BenchDistillOptions {
  int64_t rows = 8;               // N
  int64_t sequence_length = 512;  // T
  int64_t vocab = 32768;          // V
  int64_t width = 256;            // E (qwen2-10m's width)
  int64_t top_k = 64;             // K
  DistillLossConfig loss;         // kind, tail, temperature, chunk_rows (C)
  int64_t steps = 2;              // passes per process: the first is measured for memory
  int64_t repeats = 1;            // processes per variant, interleaved
  int64_t threads = 0;
};

// The naive reference: the whole [N, T, V] log-softmax and autograd through it.
at::Tensor naive_distill_loss(const at::Tensor& hidden,
                              const at::Tensor& weight,
                              const TeacherTopK& teacher,
                              const DistillLossConfig& config) {
  at::Tensor logits = at::matmul(hidden, weight.t());  // [N, T, V]
  if (config.temperature != 1.0) logits = logits / config.temperature;
  at::Tensor logq = at::log_softmax(logits, /*dim=*/-1, at::kFloat);  // [N, T, V]
  at::Tensor on_set = logq.gather(-1, teacher.ids);                   // [N, T, K]
  at::Tensor lq, lp;                                                  // [N, T, B]
  if (config.tail == "rest") {
    lq = at::cat({on_set, at::log1p(-at::logsumexp(on_set, {-1}, true).exp())}, -1);
    lp = at::cat({teacher.logprobs, teacher.rest_logprobs.unsqueeze(-1)}, -1);
  } else {
    lq = on_set - at::logsumexp(on_set, {-1}, true);
    lp = teacher.logprobs - at::logsumexp(teacher.logprobs, {-1}, true);
  }
  const double beta = config.jsd_beta;
  at::Tensor per;  // [N, T]
  if (config.kind == "forward_kl") {
    per = (lp.exp() * (lp - lq)).sum(-1);
  } else if (config.kind == "reverse_kl") {
    per = (lq.exp() * (lq - lp)).sum(-1);
  } else {
    at::Tensor log_m = at::logaddexp(lp + std::log(beta), lq + std::log1p(-beta));
    per = beta * (lp.exp() * (lp - log_m)).sum(-1) + (1 - beta) * (lq.exp() * (lq - log_m)).sum(-1);
  }
  return per.mean();
}

// One variant in this (child) process: inputs, then `steps` forward + backward passes.
nlohmann::json distill_variant(const BenchDistillOptions& o, bool chunked) {
  const int64_t threads = set_thread_count(o.threads);
  at::Generator generator = make_cpu_generator(0, "bench-distill");
  const int64_t n = o.rows, t = o.sequence_length, k = o.top_k;
  at::Tensor hidden = at::randn({n, t, o.width}, generator, at::kFloat).requires_grad_();
  at::Tensor weight = (at::randn({o.vocab, o.width}, generator, at::kFloat) /
                       std::sqrt(static_cast<double>(o.width)))
                          .requires_grad_();
  // Distinct ids: a random start plus K steps of V / K, wrapping at most once.
  TeacherTopK teacher;
  teacher.ids = (at::randint(0, o.vocab, {n, t, 1}, generator, at::kLong) +
                 at::arange(k, at::kLong) * (o.vocab / k))
                    .remainder(o.vocab);  // [N, T, K]
  at::Tensor logp = at::log_softmax(at::randn({n, t, k + 1}, generator, at::kFloat) * 2, -1);
  teacher.logprobs = logp.narrow(-1, 0, k).contiguous();    // [N, T, K]
  teacher.rest_logprobs = logp.select(-1, k).contiguous();  // [N, T]
  at::Tensor mask = at::ones({n, t}, at::kBool);
  const int64_t baseline = bench_resident_bytes();
  int64_t peak = 0;
  std::vector<double> seconds;
  double loss_value = 0;
  for (int64_t step = 0; step < o.steps; ++step) {
    hidden.mutable_grad().reset();
    weight.mutable_grad().reset();
    Timer timer;
    at::Tensor loss = chunked ? distillation_loss(hidden, weight, teacher, mask, o.loss).loss
                              : naive_distill_loss(hidden, weight, teacher, o.loss);
    loss.backward();
    loss_value = loss.item<double>();
    seconds.push_back(timer.seconds());
    if (step == 0) peak = bench_peak_resident_bytes();
  }
  return {{"implementation", chunked ? "chunked" : "naive"},
          {"threads", threads},
          {"baseline_rss_bytes", baseline},
          {"peak_rss_bytes", peak},
          {"peak_growth_bytes", peak - baseline},
          {"median_seconds", median(seconds)},
          {"loss", loss_value}};
}

void run_bench_distill(const BenchDistillOptions& o) {
  R1F_CHECK_USAGE(o.rows > 0 && o.sequence_length > 0 && o.vocab > 0 && o.width > 0 &&
                      o.top_k > 0 && o.top_k <= o.vocab && o.steps > 0 && o.repeats > 0,
                  "bench distill: sizes and counts must be positive, top-k at most the vocab");
  parse_distill_kind(o.loss.kind);  // bad names fail here, not in a child
  parse_distill_tail(o.loss.tail);
  std::vector<nlohmann::json> runs[2];  // [0] chunked, [1] naive
  for (int64_t r = 0; r < o.repeats; ++r) {
    runs[0].push_back(bench_run_in_child([&] { return distill_variant(o, true); }, "chunked"));
    runs[1].push_back(bench_run_in_child([&] { return distill_variant(o, false); }, "naive"));
  }
  nlohmann::json summary = {
      {"bench", "distill"},  {"rows", o.rows},       {"sequence_length", o.sequence_length},
      {"vocab", o.vocab},    {"width", o.width},     {"top_k", o.top_k},
      {"kind", o.loss.kind}, {"tail", o.loss.tail},  {"chunk_rows", o.loss.chunk_rows},
      {"steps", o.steps},    {"repeats", o.repeats}, {"threads", runs[0][0]["threads"]}};
  std::printf(
      "| variant | N x T | V | E | K | C | loss | fwd+bwd ms | peak RSS growth MiB | baseline "
      "RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|\n");
  double time[2], memory[2];
  for (int v = 0; v < 2; ++v) {
    time[v] = median_of(runs[v], "median_seconds");
    memory[v] = median_of(runs[v], "peak_growth_bytes");
    const char* name = v == 0 ? "chunked" : "naive";
    std::printf("| %s | %lld x %lld | %lld | %lld | %lld | %s | %.6f | %.1f | %.1f | %.1f |\n",
                name, static_cast<long long>(o.rows), static_cast<long long>(o.sequence_length),
                static_cast<long long>(o.vocab), static_cast<long long>(o.width),
                static_cast<long long>(o.top_k),
                v == 0 ? std::to_string(o.loss.chunk_rows).c_str() : "-",
                runs[v][0]["loss"].get<double>(), time[v] * 1e3, memory[v] / (1 << 20),
                median_of(runs[v], "baseline_rss_bytes") / (1 << 20));
    summary[name] = {
        {"median_seconds", time[v]}, {"peak_growth_bytes", memory[v]}, {"runs", runs[v]}};
  }
  const double memory_ratio = memory[0] / memory[1], time_ratio = time[0] / time[1];
  std::printf("chunked / naive: peak memory %.3f, time %.3f\n", memory_ratio, time_ratio);
  summary["memory_ratio"] = memory_ratio;
  summary["time_ratio"] = time_ratio;
  std::printf("%s\n", summary.dump().c_str());
  std::fflush(stdout);
}

}  // namespace

CommandAction add_bench_distill(CLI::App& bench) {
  auto o = std::make_shared<BenchDistillOptions>();
  CLI::App* distill = bench.add_subcommand(
      "distill", "Peak memory and time of forward + backward, chunked distillation loss vs naive");
  distill->add_option("--rows", o->rows, "sequences (N)");
  distill->add_option("--seq-len", o->sequence_length, "positions (T)");
  distill->add_option("--vocab", o->vocab, "vocabulary (V)");
  distill->add_option("--width", o->width, "hidden width (E)");
  distill->add_option("--top-k", o->top_k, "teacher ids per position (K)");
  distill->add_option("--kind", o->loss.kind, "forward_kl | reverse_kl | jsd");
  distill->add_option("--tail", o->loss.tail, "rest | renormalize");
  distill->add_option("--chunk-rows", o->loss.chunk_rows, "rows per chunk (C)");
  distill->add_option("--steps", o->steps, "passes per process (first measured for memory)");
  distill->add_option("--repeats", o->repeats, "processes per variant, interleaved (medians)");
  distill->add_option("--threads", o->threads, "CPU threads; 0 = all cores");
  return [o, distill] {
    if (distill->parsed()) run_bench_distill(*o);
  };
}

}  // namespace r1forge::app
