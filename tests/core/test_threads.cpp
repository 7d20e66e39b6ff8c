// Thread counts and waiting (core/threads.h): the CPU quota a container sets, and OpenMP
// threads that sleep while they wait (use_passive_openmp_wait): the
// binary's libgomp, which reads its settings when it is loaded, must end up with spin count 0
// unless the user chose a policy. libgomp prints its settings at load time when
// OMP_DISPLAY_ENV=verbose is set, so the test reads them from the binary's stderr: the first
// load (before the re-exec) shows libgomp's default spin count 300000, the second 0.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "r1forge/core/threads.h"

namespace r1forge {
namespace {

// stderr+stdout of `r1forge --version` under `environment` (VAR=value ...).
std::string run_binary(const std::string& environment) {
  const std::string command = "env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT OMP_DISPLAY_ENV=verbose " +
                              environment + " " + R1F_BINARY + " --version 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (pipe && fgets(buffer, sizeof buffer, pipe)) output += buffer;
  if (pipe) EXPECT_EQ(pclose(pipe), 0) << output;
  return output;
}

// The values of `NAME = '...'` lines in libgomp's display, in order.
std::vector<std::string> displayed(const std::string& output, const std::string& name) {
  std::vector<std::string> values;
  const std::regex line("  " + name + " = '([^']*)'");
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
       it != std::sregex_iterator(); ++it) {
    values.push_back((*it)[1]);
  }
  return values;
}

TEST(ThreadsTest, CoresFromACgroupCpuQuota) {
  EXPECT_EQ(cores_from_cpu_max("200000 100000\n"), 2);  // --cpus=2
  EXPECT_EQ(cores_from_cpu_max("150000 100000"), 2);    // 1.5 CPUs: rounded up
  EXPECT_EQ(cores_from_cpu_max("50000 100000"), 1);
  EXPECT_EQ(cores_from_cpu_max("max 100000"), std::nullopt);  // v2: no quota
  EXPECT_EQ(cores_from_cpu_max("-1 100000"), std::nullopt);   // v1: no quota
  EXPECT_EQ(cores_from_cpu_max(""), std::nullopt);            // no such file
  EXPECT_EQ(cores_from_cpu_max("100000 100000 7"), std::nullopt);
  EXPECT_GE(available_cores(), 1);
}

TEST(OpenMpWaitTest, TheBinaryReExecutesItselfWithPassiveWaiting) {
  const std::string output = run_binary("");
  // Loaded twice: libgomp's default, then after the re-exec the passive policy.
  EXPECT_EQ(displayed(output, "GOMP_SPINCOUNT"), (std::vector<std::string>{"300000", "0"}))
      << output;
  EXPECT_NE(output.find("r1forge 0.1.0"), std::string::npos) << output;
}

TEST(OpenMpWaitTest, APolicyTheUserChoseIsKept) {
  std::string output = run_binary("OMP_WAIT_POLICY=active");
  EXPECT_EQ(displayed(output, "OMP_WAIT_POLICY"), (std::vector<std::string>{"ACTIVE"})) << output;
  output = run_binary("GOMP_SPINCOUNT=1000");
  EXPECT_EQ(displayed(output, "GOMP_SPINCOUNT"), (std::vector<std::string>{"1000"})) << output;
}

}  // namespace
}  // namespace r1forge
