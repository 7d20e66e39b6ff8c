# CTest entries for the rewards beyond the gtest binary: the math-verify fixture must still be
# what the installed TRL accuracy_reward / math-verify say (reruns the generator with --check).
if(R1F_PYTHON)
  add_test(NAME rl.reward_math_verify_fixture_matches
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/make_math_verify_fixtures.py --check)
  set_tests_properties(rl.reward_math_verify_fixture_matches PROPERTIES TIMEOUT 180)
endif()
