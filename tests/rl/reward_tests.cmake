# CTest entries for the rewards beyond the gtest binary (included from tests/rl/tests.cmake).

# ---- the math-verify fixtures must still be what the installed TRL accuracy_reward and
# math-verify say (reruns each generator with --check).
if(R1F_PYTHON)
  add_test(NAME rl.reward_math_verify_fixture_matches
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/make_math_verify_fixtures.py --check)
  set_tests_properties(rl.reward_math_verify_fixture_matches PROPERTIES TIMEOUT 180)
  # The everyday-answer set (\pm, binomials, sets, products, trig, logs, percent, ...).
  add_test(NAME rl.reward_math_verify_everyday_fixture_matches
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/make_math_verify_everyday_fixtures.py
                   --check)
  set_tests_properties(rl.reward_math_verify_everyday_fixture_matches PROPERTIES TIMEOUT 300)
endif()

# ---- answer fuzzer (extraction, normalization, grammar, equivalence, UTF-8): built with clang
# (libFuzzer + ASan + UBSan) whenever clang++ is found; the smoke test runs it for a few seconds.
find_program(R1F_CLANGXX NAMES clang++ clang++-14)
if(R1F_CLANGXX)
  set(R1F_REWARD_FUZZER ${CMAKE_BINARY_DIR}/bin/reward_answer_fuzz)
  set(R1F_REWARD_FUZZ_SOURCES
      ${CMAKE_CURRENT_LIST_DIR}/fuzz/reward_answer_fuzz.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/answer_normalization.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_answer.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_equivalence.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_evaluate.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_parse.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_parse_commands.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_parse_expression.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_plus_minus.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/math_set_union.cpp
      ${CMAKE_SOURCE_DIR}/src/rl/rewards/unicode_script.cpp)
  file(GLOB R1F_REWARD_FUZZ_HEADERS ${CMAKE_SOURCE_DIR}/include/r1forge/rl/rewards/*.h
       ${CMAKE_SOURCE_DIR}/src/rl/rewards/*.h)
  add_custom_command(
    OUTPUT ${R1F_REWARD_FUZZER}
    COMMAND ${R1F_CLANGXX} -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -I${CMAKE_SOURCE_DIR}/include
            ${R1F_REWARD_FUZZ_SOURCES} -o ${R1F_REWARD_FUZZER}
    DEPENDS ${R1F_REWARD_FUZZ_SOURCES} ${R1F_REWARD_FUZZ_HEADERS}
    COMMENT "Building libFuzzer target reward_answer_fuzz with clang"
    VERBATIM)
  add_custom_target(reward_answer_fuzz ALL DEPENDS ${R1F_REWARD_FUZZER})
  # Corpus copied to a scratch folder: libFuzzer adds new inputs to its first corpus folder.
  add_test(NAME fuzz.reward_answer_smoke
           COMMAND bash -c
                   "rm -rf \"$1\" && mkdir -p \"$1\" && cp \"$2\"/* \"$1\"/ && \"$0\" -max_total_time=5 -timeout=10 -rss_limit_mb=2048 \"$1\""
                   ${R1F_REWARD_FUZZER} ${CMAKE_BINARY_DIR}/fuzz/reward_answer_corpus
                   ${CMAKE_CURRENT_LIST_DIR}/fuzz/corpus/reward_answer)
  set_tests_properties(fuzz.reward_answer_smoke PROPERTIES TIMEOUT 60)
endif()
