// Tests of the run config (pipeline/run_config.h): loading files, the shipped configs, the resolved
// config written to the run folder, the runtime settings, and docs/config.md staying in sync.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <random>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/core/log.h"
#include "r1forge/core/threads.h"
#include "r1forge/pipeline/config_diff.h"
#include "r1forge/pipeline/run_config.h"
#include "test_util.h"

namespace r1forge {
namespace {

using testing::source_dir;

using testing::TempDir;

TEST(ConfigTest, LoadsTinyBaseWithOverride) {
  Config config = load_config(source_dir() / "configs/tiny/base.yaml", {"run.threads=1"});
  EXPECT_EQ(config.run.threads, 1);
  EXPECT_EQ(config.run.dir, "runs/tiny");
  EXPECT_EQ(config.model.init, "tiny-qwen2");
  EXPECT_EQ(config.model.device, "cpu");
}

TEST(ConfigTest, EveryShippedConfigValidates) {
  int64_t count = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(source_dir() / "configs")) {
    if (entry.path().extension() != ".yaml" && entry.path().extension() != ".yml") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_config(entry.path()));
    ++count;
  }
  EXPECT_GE(count, 1);
}

TEST(ConfigTest, FileErrorsNameTheFile) {
  TempDir dir;
  EXPECT_THROW(load_config(dir / "missing.yaml"), IoError);
  try {
    load_config(dir / "missing.yaml");
  } catch (const IoError& error) {
    EXPECT_NE(std::string(error.what()).find("missing.yaml"), std::string::npos) << error.what();
  }
  EXPECT_THROW(load_config(dir.path()), IoError);  // a folder, not a file
  atomic_write_file(dir / "bad.yaml", "run:\n  thredas: 2\n");
  try {
    load_config(dir / "bad.yaml");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()), (dir / "bad.yaml").string() +
                                             ":2:3: unknown key 'run.thredas' (did you mean "
                                             "'threads'?)");
  }
  EXPECT_EQ(exit_code_for(ErrorKind::CONFIG), 2);
}

TEST(ConfigTest, ChoicesAndRangesOfTheRealStructs) {
  EXPECT_THROW(load_config_text("model: {dtype: float64}\n", "c.yaml"), ConfigError);
  EXPECT_THROW(load_config_text("run: {threads: -1}\n", "c.yaml"), ConfigError);
  EXPECT_THROW(load_config_text("run: {log_level: verbose}\n", "c.yaml"), ConfigError);
  EXPECT_THROW(load_config_text("model: {gradient_checkpointing: 1}\n", "c.yaml"), ConfigError);
  Config config = load_config_text("model: {device: auto, dtype: bfloat16}\n", "c.yaml");
  EXPECT_EQ(config.model.device, "auto");
  EXPECT_EQ(config.model.dtype, "bfloat16");
  EXPECT_THROW(load_config_text("model: {mixed_precision: float16}\n", "c.yaml"), ConfigError);
  // Mixed precision computes from fp32 master weights: bf16 weights are refused by name.
  try {
    load_config_text("model: {dtype: bfloat16, mixed_precision: bfloat16}\n", "c.yaml");
    ADD_FAILURE() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("c.yaml: model.mixed_precision"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(
      load_config_text("model: {mixed_precision: bfloat16}\n", "c.yaml").model.mixed_precision,
      "bfloat16");
}

TEST(ConfigTest, ResolvedConfigHasEveryKeyAndReloadsEqual) {
  TempDir dir;
  // A stage of each type with one reward, so that every optional section and list-item keys
  // (stages[].grpo.rewards[].name) exist; eval: sections are written only when present.
  Config config = load_config_text(
      "run: {seed: 7}\n"
      // Each task's options under its own task (only that one may be given).
      "make_data: {dir: d, tasks: [{task: arithmetic, train: 8, test: 2, arithmetic: {}},\n"
      "                            {task: corpus, train: 8, corpus: {}},\n"
      "                            {task: countdown, train: 8, test: 2, countdown: {}},\n"
      "                            {task: instructions, train: 8, test: 2, instructions: {}},\n"
      "                            {task: preferences, train: 8, test: 2, preferences: {}}],\n"
      "            mixes: [{file: m.jsonl, parts: [{file: arithmetic/train.jsonl}]}],\n"
      "            tokenizer: {inputs: [corpus/corpus.jsonl]}}\n"
      "stages: [{name: s, grpo: {data: {path: p.jsonl}, rewards: [{name: accuracy}]},\n"
      "          eval: {data: {path: e.jsonl}, rewards: [{name: accuracy}, {name: format}]}},\n"
      "         {name: t, type: sft, sft: {data: {path: p.jsonl}}},\n"
      "         {name: r, type: rejection_sampling,\n"
      "          rejection_sampling: {data: {path: p.jsonl}, rewards: [{name: accuracy}]}},\n"
      "         {name: d, type: distill, sft: {data: {path: p.jsonl}}, distill: {teacher: s}},\n"
      "         {name: m, grpo: {sources: [{name: a, data: {path: p.jsonl},\n"
      "                                     rewards: [{name: accuracy}]}]}},\n"
      "         {name: rm, type: reward_model, reward_model: {data: {path: q.jsonl}}}]\n",
      "c.yaml", {"model.dtype=float16"});
  write_resolved_config(config, dir / "run");
  std::filesystem::path written = dir / "run" / "config.resolved.yaml";
  ASSERT_TRUE(std::filesystem::exists(written));
  YAML::Node tree = YAML::LoadFile(written.string());
  Config defaults;
  // Walks `run.seed` -> tree["run"]["seed"]; a list key matches when any item has the rest
  // (each stage type's optional section is present in its own stage only).
  std::function<bool(YAML::Node, const std::string&, size_t)> defined =
      [&](YAML::Node node, const std::string& path, size_t start) {
        size_t dot = path.find('.', start);
        std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
        const bool item = key.size() > 2 && key.compare(key.size() - 2, 2, "[]") == 0;
        if (item) key.resize(key.size() - 2);
        YAML::Node child = node[key];
        if (!child.IsDefined()) return false;
        if (!item) return dot == std::string::npos || defined(child, path, dot + 1);
        for (size_t i = 0; i < child.size(); ++i) {
          if (dot == std::string::npos || defined(child[i], path, dot + 1)) return true;
        }
        return false;
      };
  for (const auto& row : describe_fields<Config>()) {
    // Every key the structs declare must be written.
    EXPECT_TRUE(defined(tree, row.path, 0)) << row.path;
    std::string text = read_file(written);
    EXPECT_NE(text.find("# " + row.help), std::string::npos) << "help comment of " << row.path;
  }
  EXPECT_EQ(tree["run"]["seed"].Scalar(), "7");
  EXPECT_EQ(tree["run"]["dir"].Scalar(), defaults.run.dir);  // default filled in
  EXPECT_EQ(tree["model"]["dtype"].Scalar(), "float16");
  EXPECT_EQ(load_config(written), config);
}

TEST(ConfigTest, ApplyRuntimeSetsThreadsAndLogLevel) {
  RunConfig run;
  run.threads = 1;
  run.log_level = "off";
  apply_runtime(run);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_FALSE(log::enabled(log::Level::ERROR));
  run.threads = 0;  // 0 = all cores
  run.log_level = "info";
  apply_runtime(run);
  EXPECT_EQ(at::get_num_threads(), available_cores());
  EXPECT_TRUE(log::enabled(log::Level::INFO));
  EXPECT_FALSE(log::enabled(log::Level::DEBUG));
}

TEST(ConfigTest, DocsTableMatchesTheStructs) {
  // docs/config.md embeds `r1forge config --markdown` between these markers; regenerate it
  // with that command when a struct changes.
  std::string docs = read_file(source_dir() / "docs/config.md");
  const std::string begin = "<!-- keys:begin (generated by `r1forge config --markdown`) -->\n";
  const std::string end = "<!-- keys:end -->";
  size_t from = docs.find(begin);
  size_t to = docs.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(docs.substr(from + begin.size(), to - from - begin.size()),
            config_reference_markdown());
}

TEST(ConfigTest, DocsDefaultsMatchTheStructs) {
  // docs/config.md also embeds `r1forge config --dump-defaults` (every key's default as YAML,
  // in a fenced block); regenerate it with that command when a struct changes.
  std::string docs = read_file(source_dir() / "docs/config.md");
  const std::string begin =
      "<!-- defaults:begin (generated by `r1forge config --dump-defaults`) -->\n```yaml\n";
  const std::string end = "```\n<!-- defaults:end -->";
  size_t from = docs.find(begin);
  size_t to = docs.find(end);
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  EXPECT_EQ(docs.substr(from + begin.size(), to - from - begin.size()), config_defaults_yaml());
}

}  // namespace
}  // namespace r1forge
