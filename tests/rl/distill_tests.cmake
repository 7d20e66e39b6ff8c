# CTest entry for the distillation loss beyond the gtest binary (included from tests.cmake):
# the TRL generalized_jsd_loss fixture must still be what the installed TRL computes.
if(R1F_PYTHON)
  add_test(NAME rl.distill_fixture_matches_trl
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/make_distill_fixtures.py --check)
  set_tests_properties(rl.distill_fixture_matches_trl PROPERTIES TIMEOUT 120
                       ENVIRONMENT TRL_EXPERIMENTAL_SILENCE=1)
endif()
