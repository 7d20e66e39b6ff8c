// The task registry behind `r1forge make-data` (data/tasks/task_registry.h): names, option docs,
// unknown tasks, and the files it writes: byte-identical for one seed, different for another.
#include <gtest/gtest.h>

#include "r1forge/core/check.h"
#include "r1forge/core/fs.h"
#include "r1forge/data/jsonl.h"
#include "r1forge/data/tasks/task_registry.h"
#include "test_util.h"

namespace r1forge::tasks {
namespace {

TEST(TaskRegistry, NamesOptionsAndUnknownTask) {
  std::vector<std::string> names;
  for (const TaskInfo& task : registered_tasks()) {
    names.push_back(task.name);
    EXPECT_FALSE(task.help.empty()) << task.name;
    EXPECT_FALSE(task.options.empty()) << task.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"arithmetic", "corpus", "countdown", "instructions",
                                             "preferences"}));
  try {
    find_task("arithmetics");
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what())
                  .find("unknown task 'arithmetics'; tasks: arithmetic, corpus, countdown, "
                        "instructions, preferences"),
              std::string::npos)
        << error.what();
  }
  const TaskInfo& arithmetic = find_task("arithmetic");
  EXPECT_EQ(arithmetic.options[0].path, "min_terms");
  EXPECT_EQ(arithmetic.options[0].default_value, "3");
}

TEST(TaskRegistry, FilesAreByteIdenticalPerSeed) {
  testing::TempDir dir;
  for (const char* name : {"arithmetic", "countdown", "instructions", "preferences"}) {
    const TaskInfo& task = find_task(name);
    write_task_files(dir / "a", task.generate({120, 30, 5, {}}));
    write_task_files(dir / "b", task.generate({120, 30, 5, {}}));
    write_task_files(dir / "c", task.generate({120, 30, 6, {}}));
    for (const char* file : {"train.jsonl", "test.jsonl"}) {
      const std::string a = read_file(dir / "a" / file);
      EXPECT_EQ(a, read_file(dir / "b" / file)) << name << " " << file;
      EXPECT_NE(a, read_file(dir / "c" / file)) << name << " " << file;
      JsonlReader reader(dir / "a" / file);
      JsonlLine line;
      int64_t lines = 0;
      while (reader.next(line)) {
        EXPECT_EQ(line.value["task"], name);
        ++lines;
      }
      EXPECT_EQ(lines, std::string(file) == "train.jsonl" ? 120 : 30) << name;
    }
  }
}

TEST(TaskRegistry, DocsListEveryTaskAndOption) {
  const std::string docs = read_file(testing::source_dir() / "docs" / "tasks.md");
  for (const TaskInfo& task : registered_tasks()) {
    const size_t section = docs.find("\n## " + task.name + "\n");
    ASSERT_NE(section, std::string::npos) << "docs/tasks.md has no section for " << task.name;
    const size_t end = docs.find("\n## ", section + 1);
    const std::string text = docs.substr(section, end - section);
    for (const FieldDoc& option : task.options) {
      // A nested section is documented as one row, `section.*`.
      if (option.path.find('.') != std::string::npos) continue;
      const std::string key = option.type == "section" ? option.path + ".*" : option.path;
      EXPECT_NE(text.find("| `" + key + "` |"), std::string::npos)
          << "docs/tasks.md, section " << task.name << ", lacks option " << key;
    }
  }
}

}  // namespace
}  // namespace r1forge::tasks
