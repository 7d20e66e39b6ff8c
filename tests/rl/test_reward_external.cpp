// Tests of the `external` reward (rl/rewards/external.h) against small scorer scripts written
// into a temp folder: a good scorer (one process for many batches, ids that keep growing), one
// that sleeps forever, one that crashes mid-batch, one that prints garbage or wrong ids, one
// that never reads its stdin (SIGPIPE), one that leaves a grandchild behind, and the restart
// limit. Every case must come back within its timeout; no case may hang or kill the test.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "r1forge/core/check.h"
#include "reward_test_util.h"
#include "test_util.h"

namespace r1forge {
namespace {

using testing::OwnedSample;
using Clock = std::chrono::steady_clock;

bool have_python() {
  return std::system("python3 -c pass >/dev/null 2>&1") == 0;
}

// A Python scorer: `body` runs once per request with `req` parsed; it prints the reply.
std::string write_scorer(const testing::TempDir& dir,
                         const std::string& name,
                         const std::string& body) {
  std::filesystem::path path = dir / name;
  std::ofstream out(path);
  out << "import json, os, sys, time\n"
         "for n, line in enumerate(sys.stdin):\n"
         "    req = json.loads(line)\n";
  std::string indented = "    " + body;
  for (size_t at = 0; (at = indented.find('\n', at)) != std::string::npos; at += 5) {
    indented.replace(at, 1, "\n    ");
  }
  out << indented << "\n";
  return "python3 " + path.string();
}

std::vector<OwnedSample> batch_of(int n, const std::string& text = "abc") {
  std::vector<OwnedSample> samples;
  for (int i = 0; i < n; ++i) {
    OwnedSample sample;
    sample.prompt = std::to_string(i);
    sample.prompt.insert(sample.prompt.begin(), 'p');
    sample.completion = text;
    sample.completion += std::to_string(i);
    sample.metadata = {{"answer", i}};
    samples.push_back(std::move(sample));
  }
  return samples;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(RewardExternal, GoodScorerKeepsOneProcessAndSeesEveryField) {
  if (!have_python()) GTEST_SKIP() << "python3 not found";
  testing::TempDir dir;
  std::string command = write_scorer(
      dir, "good.py",
      "score = req['metadata']['answer'] + len(req['completion']) / 10 + req['id'] * 0\n"
      "assert req['prompt'].startswith('p') and 'completion_tokens' in req\n"
      "print(json.dumps({'id': req['id'], 'score': score if n != 2 else None}))\n"
      "sys.stderr.write('scored %d\\n' % req['id'])");
  auto reward = testing::build_reward("external", {{"command", command}});
  std::vector<RewardScore> first = testing::score_all(*reward, batch_of(3));
  EXPECT_EQ(first, (std::vector<RewardScore>{0.4, 1.4, std::nullopt}));  // null -> none
  std::vector<RewardScore> second = testing::score_all(*reward, batch_of(2, "abcdef"));
  EXPECT_EQ(second, (std::vector<RewardScore>{0.7, 1.7}));
  EXPECT_TRUE(testing::score_all(*reward, {}).empty());
  std::map<std::string, double> d = reward->diagnostics();
  EXPECT_EQ(d.at("restarts"), 0.0);
  EXPECT_EQ(d.at("timeouts"), 0.0);
  EXPECT_EQ(d.at("crashes"), 0.0);
  EXPECT_EQ(d.at("none"), 1.0);
}

TEST(RewardExternal, RepliesInRequestOrderWithGrowingIds) {
  if (!have_python()) GTEST_SKIP() << "python3 not found";
  testing::TempDir dir;
  std::string command =
      write_scorer(dir, "ids.py", "print(json.dumps({'id': req['id'], 'score': req['id']}))");
  auto reward = testing::build_reward("external", {{"command", command}});
  EXPECT_EQ(testing::score_all(*reward, batch_of(2)), (std::vector<RewardScore>{0.0, 1.0}));
  EXPECT_EQ(testing::score_all(*reward, batch_of(2)), (std::vector<RewardScore>{2.0, 3.0}));
}

TEST(RewardExternal, ScorerThatSleepsForeverTimesOutAndRestarts) {
  testing::TempDir dir;
  auto reward = testing::build_reward(
      "external", {{"command", "sleep 1000"}, {"timeout_seconds", "0.3"}, {"max_restarts", "5"}});
  const auto start = Clock::now();
  EXPECT_EQ(testing::score_all(*reward, batch_of(3)), (std::vector<RewardScore>(3, std::nullopt)));
  EXPECT_LT(seconds_since(start), 3.0);
  EXPECT_EQ(testing::score_all(*reward, batch_of(1)), (std::vector<RewardScore>{std::nullopt}));
  std::map<std::string, double> d = reward->diagnostics();
  EXPECT_EQ(d.at("timeouts"), 2.0);
  EXPECT_EQ(d.at("restarts"), 1.0);
  EXPECT_EQ(d.at("none"), 4.0);
}

TEST(RewardExternal, CrashMidBatchGivesNoneForTheRestAndRestarts) {
  if (!have_python()) GTEST_SKIP() << "python3 not found";
  testing::TempDir dir;
  std::string command =
      write_scorer(dir, "crash.py",
                   "if n == 2: sys.exit(3)\n"
                   "print(json.dumps({'id': req['id'], 'score': 1}), flush=True)");
  auto reward =
      testing::build_reward("external", {{"command", command}, {"timeout_seconds", "10"}});
  const auto start = Clock::now();
  EXPECT_EQ(testing::score_all(*reward, batch_of(4)),
            (std::vector<RewardScore>{1.0, 1.0, std::nullopt, std::nullopt}));
  EXPECT_LT(seconds_since(start), 5.0);  // a crash is seen at once, not at the deadline
  EXPECT_EQ(reward->diagnostics().at("crashes"), 1.0);
  // The restarted scorer answers the next batch (it crashes on its third request only).
  EXPECT_EQ(testing::score_all(*reward, batch_of(2)), (std::vector<RewardScore>{1.0, 1.0}));
  EXPECT_EQ(reward->diagnostics().at("restarts"), 1.0);
}

TEST(RewardExternal, GarbageAndWrongRepliesScoreNone) {
  if (!have_python()) GTEST_SKIP() << "python3 not found";
  testing::TempDir dir;
  std::string command = write_scorer(dir, "garbage.py",
                                     "replies = ['not json at all', '[1, 2]',\n"
                                     "           json.dumps({'id': req['id'] + 100, 'score': 1}),\n"
                                     "           json.dumps({'id': req['id']}),\n"
                                     "           json.dumps({'id': req['id'], 'score': 'high'}),\n"
                                     "           json.dumps({'id': req['id'], 'score': 0.25})]\n"
                                     "print(replies[n % 6])");
  auto reward = testing::build_reward("external", {{"command", command}});
  EXPECT_EQ(testing::score_all(*reward, batch_of(6)),
            (std::vector<RewardScore>{std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                                      std::nullopt, 0.25}));
  EXPECT_EQ(reward->diagnostics().at("bad_replies"), 5.0);
  EXPECT_EQ(reward->diagnostics().at("crashes"), 0.0);
}

TEST(RewardExternal, PartialLinesAndLateRepliesAreHandled) {
  if (!have_python()) GTEST_SKIP() << "python3 not found";
  testing::TempDir dir;
  // Writes each reply in two pieces with a pause; after the second request it repeats its
  // first reply (a late duplicate), which must not be taken for the next batch's answer.
  std::string command =
      write_scorer(dir, "pieces.py",
                   "text = json.dumps({'id': req['id'], 'score': 2})\n"
                   "sys.stdout.write(text[:5]); sys.stdout.flush(); time.sleep(0.05)\n"
                   "sys.stdout.write(text[5:] + '\\n'); sys.stdout.flush()\n"
                   "if n == 1: time.sleep(0.1); print(json.dumps({'id': 0, 'score': 9}))");
  auto reward = testing::build_reward("external", {{"command", command}});
  EXPECT_EQ(testing::score_all(*reward, batch_of(2)), (std::vector<RewardScore>{2.0, 2.0}));
  EXPECT_EQ(testing::score_all(*reward, batch_of(1)), (std::vector<RewardScore>{2.0}));
  EXPECT_EQ(reward->diagnostics().at("bad_replies"), 1.0);  // the late duplicate, dropped
  EXPECT_EQ(reward->diagnostics().at("none"), 0.0);
}

// A scorer that exits without reading: writing a large batch hits EPIPE, not SIGPIPE.
TEST(RewardExternal, ScorerThatStopsReadingDoesNotKillUs) {
  auto reward =
      testing::build_reward("external", {{"command", "exit 0"}, {"timeout_seconds", "5"}});
  std::vector<OwnedSample> big = batch_of(4, std::string(1 << 20, 'x'));
  const auto start = Clock::now();
  EXPECT_EQ(testing::score_all(*reward, big), (std::vector<RewardScore>(4, std::nullopt)));
  EXPECT_LT(seconds_since(start), 4.0);
  EXPECT_EQ(reward->diagnostics().at("crashes"), 1.0);
}

TEST(RewardExternal, KillReachesTheWholeProcessGroup) {
  testing::TempDir dir;
  std::filesystem::path pid_file = dir / "grandchild.pid";
  std::string command = "sleep 1000 & echo $! > " + pid_file.string() + "; wait";
  {
    auto reward = testing::build_reward(
        "external", {{"command", command}, {"timeout_seconds", "0.5"}, {"max_restarts", "0"}});
    testing::score_all(*reward, batch_of(1));
    EXPECT_EQ(reward->diagnostics().at("timeouts"), 1.0);
  }
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  ASSERT_TRUE(in >> grandchild);
  // Dead, or a zombie waiting for init to reap it.
  for (int i = 0; i < 100 && ::kill(grandchild, 0) == 0; ++i) {
    std::ifstream status("/proc/" + std::to_string(grandchild) + "/status");
    std::string line;
    bool zombie = false;
    while (std::getline(status, line)) {
      if (line.rfind("State:", 0) == 0) zombie = line.find('Z') != std::string::npos;
    }
    if (zombie) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_LT(i, 99) << "grandchild " << grandchild << " survived the kill";
  }
}

TEST(RewardExternal, GivesUpAfterMaxRestartsWithAClearError) {
  auto reward = testing::build_reward(
      "external", {{"command", "exit 1"}, {"timeout_seconds", "2"}, {"max_restarts", "1"}});
  testing::score_all(*reward, batch_of(1));  // fails
  testing::score_all(*reward, batch_of(1));  // restart 1, fails
  try {
    testing::score_all(*reward, batch_of(1));
    FAIL() << "expected IoError";
  } catch (const IoError& error) {
    std::string message = error.what();
    EXPECT_NE(message.find("failed 2 batches in a row"), std::string::npos) << message;
    EXPECT_NE(message.find("max_restarts=1"), std::string::npos) << message;
  }
  EXPECT_EQ(reward->diagnostics().at("restarts"), 1.0);
}

TEST(RewardExternal, MissingCommandAndBadOptionsAreConfigErrors) {
  EXPECT_THROW(testing::build_reward("external"), ConfigError);
  EXPECT_THROW(testing::build_reward("external", {{"command", "  "}}), ConfigError);
  EXPECT_THROW(testing::build_reward("external", {{"command", "cat"}, {"timeout_seconds", "0"}}),
               ConfigError);
  EXPECT_THROW(testing::build_reward("external", {{"command", "cat"}, {"max_restarts", "-1"}}),
               ConfigError);
  // Constructing does not start the scorer: a command that does not exist fails on first use.
  auto reward = testing::build_reward("external", {{"command", "/no/such/scorer"}});
  EXPECT_EQ(testing::score_all(*reward, batch_of(1)), (std::vector<RewardScore>{std::nullopt}));
}

}  // namespace
}  // namespace r1forge
