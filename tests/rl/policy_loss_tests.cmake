# CTest entries for the GRPO policy loss (included by tests/CMakeLists.txt; the lead adds it).
# Reruns TRL's own GRPOTrainer._compute_loss via the fixture script and compares its output with
# the committed fixtures that the C++ parity test (PolicyLoss.MatchesTrlGrpoTrainerFixtures)
# reads, so a TRL upgrade that changes the loss shows up as a failing test, not silent drift.
if(R1F_PYTHON)
  add_test(NAME rl.trl_loss_fixtures_match_committed
           COMMAND ${R1F_PYTHON} ${CMAKE_SOURCE_DIR}/scripts/make_trl_fixtures.py
                   --check ${CMAKE_SOURCE_DIR}/tests/golden/trl_loss)
  set_tests_properties(rl.trl_loss_fixtures_match_committed PROPERTIES TIMEOUT 300)
endif()
