// The run report (pipeline/run_report.h) over a synthetic run folder: an sft stage and a grpo
// stage with metrics.jsonl and eval.json files written here. report.md keeps its table and
// embeds the SVG chart each stage got, report.html inlines the same charts and table values,
// report.json names the plots, plots/panels.json lists each panel's metrics (the stage type's
// panels, and only those logged), and `r1forge report`'s folder reader refuses a folder that
// is not a run folder, naming the file, without touching the report already there.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/json_file.h"
#include "r1forge/pipeline/run_config.h"
#include "r1forge/pipeline/run_report.h"
#include "test_util.h"

namespace r1forge {
namespace {
namespace fs = std::filesystem;

size_t count_of(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++count;
  }
  return count;
}

class RunReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path run = dir_ / "run";
    fs::create_directories(run / "stages/01-tune");
    fs::create_directories(run / "stages/02-think");
    atomic_write_file(run / "pipeline_state.json",
                      R"({"version": 2, "stages": [{"name": "tune", "seconds": 12.5},
                          {"name": "think", "seconds": 30.25}]})");
    std::ofstream tune(run / "stages/01-tune/metrics.jsonl");
    for (int step = 1; step <= 3; ++step) {
      nlohmann::json line = {{"step", step},
                             {"loss", 3.0 - step * 0.5},
                             {"grad_norm", 1.0},
                             {"learning_rate", 1e-3},
                             {"tokens_per_second", 1000.0}};
      if (step == 3) line["eval/loss"] = 2.0;
      tune << line.dump() << "\n";
    }
    atomic_write_file(run / "stages/01-tune/eval.json",
                      R"({"pass_at_1": 0.577, "cons_at_k": 0.6, "format_rate": 0.993,
                          "k": 8, "problems": 200})");
    std::ofstream think(run / "stages/02-think/metrics.jsonl");
    for (int step = 1; step <= 50; ++step) {
      nlohmann::json line = {{"step", step},
                             {"reward", 0.5 + step * 0.01},
                             {"reward_std", 0.3},
                             {"rewards/accuracy/mean", step * 0.01},
                             {"rewards/format/mean", 1.0},
                             {"entropy", 0.07},
                             {"clip_ratio/region_mean", 0.0},
                             {"clip_ratio/low_mean", 0.0},
                             {"clip_ratio/high_mean", 0.0},
                             {"completions/mean_length", 30.0},
                             {"completions/min_length", 20.0},
                             {"completions/max_length", 40.0},
                             {"grad_norm", 0.5},
                             {"learning_rate", 2e-5}};
      if (step % 25 == 0) line["eval/reward"] = 0.9;
      think << line.dump() << "\n";
    }
    atomic_write_file(run / "stages/02-think/eval.json",
                      R"({"pass_at_1": 0.9625, "cons_at_k": 0.96, "format_rate": 0.995,
                          "k": 8, "problems": 200})");
    config_ = load_config_text(
        "run: {dir: " + run.string() + "}\nmodel: {init: tiny-qwen2}\n" +
            "stages:\n"
            "  - name: tune\n    type: sft\n    sft: {data: {path: sft.jsonl}}\n"
            "  - name: think\n    type: grpo\n    init: tune\n"
            "    grpo: {data: {path: prompts.jsonl}, rewards: [{name: accuracy}]}\n",
        "report.yaml");
  }
  testing::TempDir dir_;
  Config config_;
};

TEST_F(RunReportTest, MarkdownAndHtmlShowTheTableAndEachStagesChart) {
  write_report(config_);
  const fs::path run = dir_ / "run";
  const std::string markdown = read_file(run / "report.md");
  EXPECT_NE(markdown.find("| tune | sft | 12.5 | 57.7% | 60.0% | 99.3% | 8 | 200 |"),
            std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| think | grpo | 30.2 | 96.2% | 96.0% | 99.5% | 8 | 200 |"),
            std::string::npos)
      << markdown;
  for (const char* stage : {"01-tune", "02-think"}) {
    const std::string plot = std::string("plots/") + stage + ".svg";
    EXPECT_NE(markdown.find("](" + plot + ")"), std::string::npos) << plot;
    const std::string svg = read_file(run / plot);
    EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u) << plot;
  }
  EXPECT_NE(read_file(run / "plots/02-think.svg").find("think (grpo, 50 steps)"),
            std::string::npos);

  const std::string html = read_file(run / "report.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count_of(html, "<svg xmlns"), 2u);  // both charts inline
  EXPECT_NE(html.find(read_file(run / "plots/01-tune.svg")), std::string::npos);
  EXPECT_NE(html.find(read_file(run / "plots/02-think.svg")), std::string::npos);
  for (const char* cell :
       {"<td>12.5</td>", "<td>57.7%</td>", "<td>96.2%</td>", "<td>99.5%</td>", "<td>200</td>"}) {
    EXPECT_NE(html.find(cell), std::string::npos) << cell;
  }
  // Self-contained: nothing fetched, no scripts.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));

  const nlohmann::json report = read_json_file(run / "report.json");
  EXPECT_EQ(report["stages"][0]["plot"], "plots/01-tune.svg");
  EXPECT_EQ(report["stages"][1]["eval"]["pass_at_1"], 0.9625);
}

TEST_F(RunReportTest, PanelsFollowTheStageTypeAndWhatWasLogged) {
  write_report(config_);
  const nlohmann::json panels = read_json_file(dir_ / "run/plots/panels.json");
  ASSERT_EQ(panels["stages"].size(), 2u);
  auto titles = [](const nlohmann::json& stage) {
    std::vector<std::string> out;
    for (const auto& panel : stage["panels"]) out.push_back(panel["title"]);
    return out;
  };
  const nlohmann::json& tune = panels["stages"][0];
  EXPECT_EQ(tune["metrics"], "stages/01-tune/metrics.jsonl");
  // No distill/* metrics: those panels are left out.
  EXPECT_EQ(titles(tune), (std::vector<std::string>{"loss (nats/token)", "grad norm",
                                                    "learning rate", "tokens / s"}));
  const nlohmann::json& loss = tune["panels"][0]["series"];
  ASSERT_EQ(loss.size(), 2u);
  EXPECT_EQ(loss[1]["key"], "eval/loss");
  EXPECT_TRUE(loss[1]["held_out"].get<bool>());
  EXPECT_EQ(loss[1]["color"], loss[0]["color"]);  // the held-out twin shares its color
  EXPECT_FALSE(tune["panels"][2]["series"][0]["smooth"].get<bool>());  // the lr schedule

  const nlohmann::json& think = panels["stages"][1];
  // No kl logged (beta 0), so no KL panel; no truncation share either.
  EXPECT_EQ(titles(think),
            (std::vector<std::string>{"reward", "mean of each reward", "entropy (nats/token)",
                                      "clip ratio", "completion length (tokens)", "grad norm",
                                      "learning rate"}));
  EXPECT_EQ(think["panels"][0]["bands"][0]["center"], "reward");
  EXPECT_EQ(think["panels"][0]["bands"][0]["spread"], "reward_std");
  EXPECT_EQ(think["panels"][0]["series"][1]["key"], "eval/reward");
  EXPECT_TRUE(think["panels"][1]["y_unit_interval"].get<bool>());  // rewards within [0, 1]
  EXPECT_EQ(think["panels"][4]["bands"][0]["low"], "completions/min_length");
}

TEST_F(RunReportTest, TheFolderReaderUsesTheFolderItIsGiven) {
  // The run moved: its resolved config still names the old run.dir.
  write_resolved_config(config_, dir_ / "run");
  fs::rename(dir_ / "run", dir_ / "moved");
  write_run_folder_report(dir_ / "moved");
  EXPECT_NE(read_file(dir_ / "moved/report.md").find((dir_ / "moved").string()), std::string::npos);
  EXPECT_TRUE(fs::exists(dir_ / "moved/plots/02-think.svg"));
  EXPECT_FALSE(fs::exists(dir_ / "run"));
}

TEST_F(RunReportTest, ABadFolderIsRefusedNamingTheFileAndTheReportStays) {
  auto error_of = [](const fs::path& folder) -> std::string {
    try {
      write_run_folder_report(folder);
    } catch (const Error& error) {
      return error.what();
    }
    return "(no error)";
  };
  EXPECT_NE(error_of(dir_ / "nowhere").find("nowhere: no such folder"), std::string::npos);
  const fs::path run = dir_ / "run";
  EXPECT_NE(error_of(run).find((run / "config.resolved.yaml").string() + ": not found"),
            std::string::npos)
      << error_of(run);

  write_resolved_config(config_, run);
  write_report(config_);
  const std::string before = read_file(run / "report.md");
  atomic_write_file(run / "pipeline_state.json", "{\"version\": 2, \"stages\": [");
  EXPECT_NE(error_of(run).find((run / "pipeline_state.json").string()), std::string::npos)
      << error_of(run);
  atomic_write_file(run / "pipeline_state.json", "{\"version\": 2}");
  EXPECT_NE(error_of(run).find("pipeline_state.json: no \"stages\" list"), std::string::npos)
      << error_of(run);
  atomic_write_file(run / "pipeline_state.json",
                    R"({"version": 2, "stages": [{"name": "tune", "seconds": 1}]})");
  atomic_write_file(run / "stages/01-tune/eval.json", "{");
  EXPECT_NE(error_of(run).find((run / "stages/01-tune/eval.json").string()), std::string::npos)
      << error_of(run);
  EXPECT_EQ(read_file(run / "report.md"), before);  // nothing was rewritten
}

}  // namespace
}  // namespace r1forge
