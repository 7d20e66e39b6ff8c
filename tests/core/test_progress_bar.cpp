// Progress bars and their plain-log form (core/progress_bar.h): the exact text, so a change to
// what a user reads is a deliberate one.
#include <gtest/gtest.h>

#include "r1forge/core/progress_bar.h"

namespace r1forge {
namespace {

std::string repeat(const char* glyph, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += glyph;
  return out;
}

TEST(ProgressBar, DurationsReadAsAPersonWouldSayThem) {
  EXPECT_EQ(format_duration(0.04), "0.0s");
  EXPECT_EQ(format_duration(3.25), "3.2s");  // %.1f: 3.25 is 3.2499... in binary
  EXPECT_EQ(format_duration(45.4), "45s");
  EXPECT_EQ(format_duration(151), "2m31s");
  EXPECT_EQ(format_duration(3725), "1h02m");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(ProgressBar, BarFillsItsShareAndEstimatesTheRest) {
  // 612 of 1024 after 3.2 s: 59% (integer), ETA 3.2 x 412 / 612 = 2.15 s. Width 80: the tail
  // " 612/1024 samples  59% 3.2s ETA 2.2s" is 36 columns, the label 7, the bar's frame 3 and
  // one column stays free: 33 cells, capped at 30; 30 x 612 / 1024 = 17.9 -> 17 filled.
  EXPECT_EQ(format_progress_bar("rollout", 612, 1024, "samples", 3.2, 80),
            "rollout |" + repeat("\u2588", 17) + repeat("\u2591", 13) +
                "| 612/1024 samples  59% 3.2s ETA 2.2s");
}

TEST(ProgressBar, NarrowTerminalCutsTheLabelNotTheCounts) {
  // Width 60, label of 23, tail " 1024/1024 samples 100% 4.0s" of 28 (done: no ETA):
  // 60 - 1 - 23 - 3 - 28 = 5 cells, below the 10 minimum, so 5 characters of label go.
  EXPECT_EQ(format_progress_bar("a-very-long-phase-label", 1024, 1024, "samples", 4.0, 60),
            "a-very-long-phase- |" + repeat("\u2588", 10) + "| 1024/1024 samples 100% 4.0s");
}

TEST(ProgressBar, PlainLineForLogsThatAreNotTerminals) {
  EXPECT_EQ(format_progress_plain("rejection_sampling rs", 300, 1200, "samples", 40.0),
            "rejection_sampling rs: 300/1200 samples (25%), 40s, ETA 2m00s");
  EXPECT_EQ(format_progress_plain("eval", 5, 5, "samples", 1.0), "eval: 5/5 samples (100%), 1.0s");
}

TEST(ProgressBar, NoEtaBeforeFivePercentAndANoteAtTheEnd) {
  // 1 of 1600 after 0.2 s would say 5m20s: generation finishes samples in waves, so the
  // first ones say little. 80 of 1600 is 5%: ETA 4 x 1520 / 80 = 76 s. Width 60 with the
  // note: 60 - 1 - 2 ("rs") - 3 - 35 (tail) = 19 cells.
  EXPECT_EQ(format_progress_plain("eval", 1, 1600, "samples", 0.2),
            "eval: 1/1600 samples (0%), 0.2s");
  EXPECT_EQ(format_progress_plain("eval", 80, 1600, "samples", 4.0, "12 accepted"),
            "eval: 80/1600 samples (5%), 4.0s, ETA 1m16s, 12 accepted");
  EXPECT_EQ(format_progress_bar("rs", 8, 8, "samples", 1.0, 60, "3 accepted"),
            "rs |" + repeat("\u2588", 19) + "| 8/8 samples 100% 1.0s | 3 accepted");
}

TEST(ProgressBar, CountsClampToTheTotal) {
  ProgressBar bar("test", 10, "items");
  bar.set(4);
  bar.add(3);
  EXPECT_EQ(bar.done(), 7);
  bar.add(100);
  EXPECT_EQ(bar.done(), 10);
  bar.set(-5);
  EXPECT_EQ(bar.done(), 0);
}

}  // namespace
}  // namespace r1forge
