// The `external` reward; see include/r1forge/rl/rewards/external.h for the protocol.
#include "r1forge/rl/rewards/external.h"

#include <cmath>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/log.h"
#include "r1forge/rl/rewards/external_process.h"

namespace r1forge {
namespace {

class ExternalReward : public RewardFunction {
 public:
  ExternalReward(std::string command,
                 double timeout_seconds,
                 int64_t max_restarts,
                 std::string where)
      : command_(std::move(command)),
        timeout_(std::chrono::duration_cast<ScorerProcess::Clock::duration>(
            std::chrono::duration<double>(timeout_seconds))),
        max_restarts_(max_restarts),
        where_(std::move(where)),
        process_(command_) {}

  std::vector<RewardScore> score(const std::vector<RewardSample>& batch) override {
    std::vector<RewardScore> scores(batch.size());
    if (batch.empty()) return scores;
    const auto deadline = ScorerProcess::Clock::now() + timeout_;
    if (process_.started() && process_.exited()) {
      ++crashes_;
      ++failures_in_a_row_;
      R1F_LOG_WARN(where_, ": external scorer ", process_.status_text(), " between batches");
      process_.kill_now();
    }
    ensure_running();

    const int64_t first_id = next_id_;
    std::string input;
    for (const RewardSample& sample : batch) {
      nlohmann::json request = {
          {"id", next_id_++},
          {"prompt", sample.prompt},
          {"completion", sample.completion},
          {"metadata", sample.metadata ? *sample.metadata : nlohmann::json::object()},
          {"completion_tokens", sample.completion_tokens},
          {"truncated", sample.truncated},
          {"max_completion_tokens", sample.max_completion_tokens}};
      // Invalid UTF-8 in a completion becomes U+FFFD rather than an exception.
      input += request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      input += '\n';
    }
    // A reply naming an id from before this batch is a late answer (its sample already scored
    // none); dropping it keeps the replies of this batch in step with its requests.
    auto is_stale = [first_id](const std::string& line) {
      nlohmann::json parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      return parsed.is_object() && parsed.contains("id") && parsed["id"].is_number_integer() &&
             parsed["id"].get<int64_t>() < first_id;
    };
    size_t stale = 0;
    ScorerProcess::Exchange reply =
        process_.exchange(input, batch.size(), deadline, is_stale, &stale);
    if (stale > 0) {
      bad_replies_ += static_cast<int64_t>(stale);
      R1F_LOG_WARN(where_, ": external scorer wrote ", stale,
                   " late or unrequested line(s); ignored (one reply per request, stdout only)");
    }
    const size_t answered = std::min(reply.lines.size(), batch.size());
    for (size_t i = 0; i < answered; ++i) {
      scores[i] = parse_reply(reply.lines[i], first_id + static_cast<int64_t>(i));
    }
    if (reply.lines.size() > batch.size()) {
      bad_replies_ += static_cast<int64_t>(reply.lines.size() - batch.size());
      R1F_LOG_WARN(where_, ": external scorer wrote ", reply.lines.size() - batch.size(),
                   " extra line(s); ignored");
    }
    if (answered < batch.size()) {
      handle_failure(reply, answered, batch.size());
    } else {
      failures_in_a_row_ = 0;
    }
    for (const RewardScore& score : scores) {
      if (!score) ++none_;
    }
    return scores;
  }

  std::map<std::string, double> diagnostics() const override {
    return {{"timeouts", static_cast<double>(timeouts_)},
            {"restarts", static_cast<double>(restarts_)},
            {"crashes", static_cast<double>(crashes_)},
            {"bad_replies", static_cast<double>(bad_replies_)},
            {"none", static_cast<double>(none_)}};
  }

 private:
  std::string command_;
  ScorerProcess::Clock::duration timeout_;
  int64_t max_restarts_;
  std::string where_;
  ScorerProcess process_;
  int64_t next_id_ = 0;
  bool ever_started_ = false;
  int64_t failures_in_a_row_ = 0;
  int64_t timeouts_ = 0, restarts_ = 0, crashes_ = 0, bad_replies_ = 0, none_ = 0;

  void ensure_running() {
    if (process_.started()) return;
    if (ever_started_) {
      if (failures_in_a_row_ > max_restarts_) {
        R1F_THROW(IoError, where_, ": the external scorer `", command_, "` failed ",
                  failures_in_a_row_, " batches in a row (", timeouts_, " timeouts, ", crashes_,
                  " crashes so far); giving up after max_restarts=", max_restarts_,
                  " restarts. Run the command by hand on a JSONL request to debug it, or raise "
                  "timeout_seconds / max_restarts.");
      }
      ++restarts_;
      R1F_LOG_WARN(where_, ": restarting the external scorer (restart ", restarts_, ")");
    }
    process_.start();
    ever_started_ = true;
  }

  RewardScore parse_reply(const std::string& line, int64_t id) {
    nlohmann::json reply = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    std::string problem;
    if (reply.is_discarded() || !reply.is_object()) {
      problem = "is not a JSON object";
    } else if (!reply.contains("id") || !reply["id"].is_number_integer() ||
               reply["id"].get<int64_t>() != id) {
      problem = "does not carry id " + std::to_string(id) + " (replies come in request order)";
    } else if (!reply.contains("score") ||
               !(reply["score"].is_number() || reply["score"].is_null())) {
      problem = "has no \"score\": number or null";
    } else if (reply["score"].is_null()) {
      return std::nullopt;
    } else {
      double value = reply["score"].get<double>();
      if (std::isfinite(value)) return value;
      problem = "has a non-finite score";
    }
    ++bad_replies_;
    R1F_LOG_WARN(where_, ": external scorer reply for id ", id, " ", problem,
                 "; score none: ", line.substr(0, 200));
    return std::nullopt;
  }

  void handle_failure(const ScorerProcess::Exchange& reply, size_t answered, size_t total) {
    ++failures_in_a_row_;
    std::string what;
    if (reply.timed_out) {
      ++timeouts_;
      what = detail::concat("did not answer within ",
                            std::chrono::duration<double>(timeout_).count(), " s");
      process_.kill_now();
    } else {
      ++crashes_;
      process_.stop(std::chrono::milliseconds(200));
      what = "stopped (" + process_.status_text() + ")";
    }
    R1F_LOG_WARN(where_, ": external scorer `", command_, "` ", what, " after ", answered, " of ",
                 total, " replies; the rest score none; killed, restarting on the next batch");
  }
};

}  // namespace

const char* const kExternalHelp =
    "Scores from a user program (option command, run once via /bin/sh -c) speaking JSON lines: "
    "request {id, prompt, completion, metadata, completion_tokens, truncated, "
    "max_completion_tokens}, reply {id, score: number|null}, one per request in order. On a "
    "timeout or crash the scorer is killed, unanswered samples get none and it restarts next "
    "batch. Options: command (required), timeout_seconds (30, per batch), max_restarts (3, "
    "failed batches in a row before an error). Diagnostics: timeouts, restarts, crashes, "
    "bad_replies, none.";

std::unique_ptr<RewardFunction> make_external_reward(RewardOptions& options) {
  std::string command = options.get_string("command", "");
  if (command.find_first_not_of(" \t") == std::string::npos) {
    options.fail("command", "required: the scorer command line (run with /bin/sh -c)");
  }
  double timeout_seconds = options.get_double("timeout_seconds", 30.0);
  if (timeout_seconds <= 0) options.fail("timeout_seconds", "must be positive");
  int64_t max_restarts = options.get_int("max_restarts", 3);
  if (max_restarts < 0) options.fail("max_restarts", "must be >= 0");
  return std::make_unique<ExternalReward>(std::move(command), timeout_seconds, max_restarts,
                                          options.where());
}

}  // namespace r1forge
