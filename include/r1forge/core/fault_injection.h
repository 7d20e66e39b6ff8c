// Test hooks for the reliability tests (docs/reliability.md), read from the environment once.
// Product code calls them at fixed points; with the variables unset they do nothing.
//
//   R1F_TEST_STALL_AT=[STAGE/]POINT:N   at the named point for step N (of stage STAGE, if
//                               given), print "r1forge: test stall at STAGE/POINT:N" to stderr,
//                               write $R1F_TEST_STALL_MARKER if set, then sleep until a signal:
//                               SIGKILL ends it, SIGTERM/SIGINT inside an InterruptScope let the
//                               step go on to its graceful stop. With R1F_TEST_STALL_SECONDS=S
//                               it stalls S seconds instead, whatever signals arrive.
//   R1F_TEST_STALL_RANK=N       only data-parallel rank N stalls (core/distributed.h).
//   R1F_TEST_NONFINITE_GRADIENTS=A-B   optimizer steps A..B (1-based calls) see NaN gradients.
// Points: mid_step (after backward, before the update), after_step (metrics written, before
// any checkpoint), checkpoint_write (files in the staging folder, no manifest yet),
// checkpoint_commit (renamed, `latest` not yet updated), stage_done:N (pipeline stage N
// finished, not yet recorded in pipeline_state.json).
// Not here: signal handling (core/interrupt.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace r1forge {

// Names the stage now running, for STAGE/ in R1F_TEST_STALL_AT (run_stage sets it).
void set_test_stage(std::string_view name);
// Stalls when R1F_TEST_STALL_AT names `point` and `step` (and the current stage, if given).
void test_stall_point(std::string_view point, int64_t step);
// True when optimizer step `call` (1-based) must see non-finite gradients.
bool test_nonfinite_gradient(int64_t call);

}  // namespace r1forge
