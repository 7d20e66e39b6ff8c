# CTest entries for rl/ beyond the gtest binary: the advantage oracle fixture must still match
# what the installed TRL computes (reruns tests/rl/make_advantage_fixtures.py --check).
if(R1F_PYTHON)
  add_test(NAME rl.advantage_fixture_matches_trl
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/rl/make_advantage_fixtures.py --check)
  set_tests_properties(rl.advantage_fixture_matches_trl PROPERTIES TIMEOUT 120)
endif()

# The policy-loss TRL parity fixtures (scripts/make_trl_fixtures.py --check).
include(${CMAKE_CURRENT_LIST_DIR}/policy_loss_tests.cmake)

# The rewards' math-verify fixture (tests/rl/make_math_verify_fixtures.py --check).
include(${CMAKE_CURRENT_LIST_DIR}/reward_tests.cmake)

# The distillation loss TRL fixture (tests/rl/make_distill_fixtures.py --check).
include(${CMAKE_CURRENT_LIST_DIR}/distill_tests.cmake)

# The Bradley–Terry loss fixture must still be what the installed TRL's RewardTrainer computes.
if(R1F_PYTHON)
  add_test(NAME rl.bradley_terry_fixture_matches_trl
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/make_bradley_terry_fixtures.py --check)
  set_tests_properties(rl.bradley_terry_fixture_matches_trl PROPERTIES TIMEOUT 120)
endif()
