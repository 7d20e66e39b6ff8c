# Extra CTest entries for the model area (included by tests/CMakeLists.txt).

# ---- safetensors header fuzzer: built with clang (libFuzzer + ASan + UBSan) whenever clang++ is
# found, as part of `all`; the smoke test runs it for a few seconds over the seed corpus.
find_program(R1F_CLANGXX NAMES clang++ clang++-14)
if(R1F_CLANGXX)
  set(R1F_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)
  set(R1F_SAFETENSORS_FUZZER ${CMAKE_BINARY_DIR}/bin/safetensors_header_fuzz)
  set(R1F_SAFETENSORS_FUZZ_SOURCES
      ${CMAKE_SOURCE_DIR}/src/model/safetensors_header.cpp
      ${R1F_FUZZ_DIR}/safetensors_header_fuzz.cpp)
  add_custom_command(
    OUTPUT ${R1F_SAFETENSORS_FUZZER}
    COMMAND ${R1F_CLANGXX} -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -I${CMAKE_SOURCE_DIR}/include
            ${R1F_SAFETENSORS_FUZZ_SOURCES} -o ${R1F_SAFETENSORS_FUZZER}
    DEPENDS ${R1F_SAFETENSORS_FUZZ_SOURCES}
            ${CMAKE_SOURCE_DIR}/include/r1forge/model/safetensors_header.h
            ${CMAKE_SOURCE_DIR}/include/r1forge/core/check.h
    COMMENT "Building libFuzzer target safetensors_header_fuzz with clang"
    VERBATIM)
  add_custom_target(safetensors_header_fuzz ALL DEPENDS ${R1F_SAFETENSORS_FUZZER})
  # Corpus copied to a scratch folder: libFuzzer adds new inputs to its first corpus folder.
  add_test(NAME fuzz.safetensors_header_smoke
           COMMAND bash -c
                   "rm -rf \"$1\" && mkdir -p \"$1\" && cp \"$2\"/* \"$1\"/ && \"$0\" -max_total_time=5 -timeout=10 -rss_limit_mb=2048 \"$1\""
                   ${R1F_SAFETENSORS_FUZZER} ${CMAKE_BINARY_DIR}/fuzz/safetensors_header_corpus
                   ${R1F_FUZZ_DIR}/corpus/safetensors_header)
  set_tests_properties(fuzz.safetensors_header_smoke PROPERTIES TIMEOUT 60)
endif()

# ---- safetensors interop with the Python `safetensors` package (both directions) --------------
# tests/CMakeLists.txt's GLOB_RECURSE also picks up tests/*/tools/*.cpp (programs with their own
# main()); keep them out of the gtest binary. (Better done in that glob's filter: see report.)
get_target_property(R1F_GTEST_SOURCES r1forge_tests SOURCES)
list(FILTER R1F_GTEST_SOURCES EXCLUDE REGEX "/tests/[^/]+/tools/")
set_property(TARGET r1forge_tests PROPERTY SOURCES ${R1F_GTEST_SOURCES})
add_executable(safetensors_tool ${CMAKE_SOURCE_DIR}/tests/model/tools/safetensors_tool.cpp)
target_link_libraries(safetensors_tool PRIVATE r1forge_lib)
target_compile_options(safetensors_tool PRIVATE ${R1F_WARNINGS})
target_precompile_headers(safetensors_tool REUSE_FROM r1forge_lib)
if(R1F_PYTHON)
  add_test(NAME interop.safetensors_python
           COMMAND ${R1F_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/check_safetensors.py
                   --tool $<TARGET_FILE:safetensors_tool>
                   --workdir ${CMAKE_BINARY_DIR}/safetensors_interop)
  set_tests_properties(interop.safetensors_python PROPERTIES TIMEOUT 120)
endif()

# ---- real architectures against transformers: tiny random Qwen2.5, Qwen3, Llama-3 and
# R1-distill-Qwen folders made by scripts/make_tiny_models.py at test time (no downloads) --------
add_executable(train_step_tool ${CMAKE_SOURCE_DIR}/tests/model/tools/train_step_tool.cpp)
target_link_libraries(train_step_tool PRIVATE r1forge_lib)
target_compile_options(train_step_tool PRIVATE ${R1F_WARNINGS})
target_precompile_headers(train_step_tool REUSE_FROM r1forge_lib)
if(R1F_PYTHON)
  foreach(arch qwen2.5 qwen3 llama3 r1-distill-qwen)
    add_test(NAME interop.real_model.${arch}
             COMMAND ${R1F_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/check_real_models.py
                     --arch ${arch} --r1forge $<TARGET_FILE:r1forge>
                     --train-step-tool $<TARGET_FILE:train_step_tool>
                     --workdir ${CMAKE_BINARY_DIR}/real_models/${arch})
    set_tests_properties(interop.real_model.${arch} PROPERTIES TIMEOUT 300)
  endforeach()
endif()

# ---- reward-model folders saved by r1forge against transformers' *ForSequenceClassification
# (scores within 1e-4), and the committed classifier fixtures against a fresh transformers build.
add_executable(reward_model_tool ${CMAKE_SOURCE_DIR}/tests/model/tools/reward_model_tool.cpp)
target_link_libraries(reward_model_tool PRIVATE r1forge_lib)
target_compile_options(reward_model_tool PRIVATE ${R1F_WARNINGS})
target_precompile_headers(reward_model_tool REUSE_FROM r1forge_lib)
if(R1F_PYTHON)
  add_test(NAME interop.reward_model_folder_loads_in_transformers
           COMMAND ${R1F_PYTHON} ${CMAKE_SOURCE_DIR}/tests/python/check_reward_model_interop.py
                   --tool $<TARGET_FILE:reward_model_tool>
                   --workdir ${CMAKE_BINARY_DIR}/reward_model_interop)
  add_test(NAME model.reward_model_fixtures_match_transformers
           COMMAND ${R1F_PYTHON} ${CMAKE_SOURCE_DIR}/tests/model/make_reward_model_fixtures.py
                   --check)
  set_tests_properties(interop.reward_model_folder_loads_in_transformers
                       model.reward_model_fixtures_match_transformers PROPERTIES TIMEOUT 180)
endif()
