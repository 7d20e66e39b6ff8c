# libFuzzer targets for the input loaders (included by tests/CMakeLists.txt): the JSON Lines
# reader, the YAML config loader with its overrides, and the tokenizer.json loader. Built with clang (libFuzzer + ASan +
# UBSan) from the listed sources only, as part of `all`, whenever clang++ and ld.lld are found;
# each gets a CTest smoke entry that runs it for 5 s over a scratch copy of its seed corpus.
# The safetensors header fuzzer lives in tests/model/tests.cmake. Long runs: tests/fuzz/README.md.
find_program(R1F_CLANGXX NAMES clang++ clang++-14)
find_program(R1F_LLD NAMES ld.lld ld.lld-14)
if(NOT R1F_CLANGXX OR NOT R1F_LLD)
  message(STATUS "r1forge: clang++ or ld.lld not found, loader fuzzers not built")
  return()
endif()

set(R1F_FUZZ_DIR ${CMAKE_SOURCE_DIR}/tests/fuzz)
set(R1F_FUZZ_FLAGS -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined
                   -fno-sanitize-recover=undefined -I${CMAKE_SOURCE_DIR}/include)

# r1f_add_loader_fuzzer(NAME SOURCES src... DEPENDS hdr... FLAGS flag... LIBS lib...)
# Builds bin/NAME and registers fuzz.<short>_smoke (NAME minus the _fuzz suffix), whose corpus
# is tests/fuzz/corpus/<short>/.
function(r1f_add_loader_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;FLAGS;LIBS" ${ARGN})
  string(REGEX REPLACE "_fuzz$" "" short ${name})
  set(binary ${CMAKE_BINARY_DIR}/bin/${name})
  add_custom_command(
    OUTPUT ${binary}
    COMMAND ${R1F_CLANGXX} ${R1F_FUZZ_FLAGS} ${ARG_FLAGS} ${ARG_SOURCES} ${ARG_LIBS} -o ${binary}
    DEPENDS ${ARG_SOURCES} ${ARG_DEPENDS}
    COMMENT "Building libFuzzer target ${name} with clang"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${binary})
  # Corpus copied to a scratch folder: libFuzzer adds new inputs to its first corpus folder.
  add_test(NAME fuzz.${short}_smoke
           COMMAND bash -c
                   "rm -rf \"$1\" && mkdir -p \"$1\" && cp \"$2\"/* \"$1\"/ && \"$0\" -max_total_time=5 -timeout=10 -rss_limit_mb=2048 \"$1\""
                   ${binary} ${CMAKE_BINARY_DIR}/fuzz/${short}_corpus ${R1F_FUZZ_DIR}/corpus/${short})
  set_tests_properties(fuzz.${short}_smoke PROPERTIES TIMEOUT 60)
endfunction()

# ---- JSON Lines reader: torch-free sources (jsonl.cpp needs fs.cpp for its atomic writer).
r1f_add_loader_fuzzer(jsonl_reader_fuzz
  SOURCES ${R1F_FUZZ_DIR}/jsonl_reader_fuzz.cpp
          ${CMAKE_SOURCE_DIR}/src/data/jsonl.cpp
          ${CMAKE_SOURCE_DIR}/src/core/fs.cpp
  DEPENDS ${CMAKE_SOURCE_DIR}/include/r1forge/data/jsonl.h
          ${CMAKE_SOURCE_DIR}/include/r1forge/core/fs.h
          ${CMAKE_SOURCE_DIR}/include/r1forge/core/check.h)

# ---- YAML config loader and overrides. The config structs' headers include LibTorch headers
# (grpo_config.h -> policy_loss.h, sft_config.h -> sft_dataset.h, ...), so these sources compile
# against LibTorch's headers, but nothing links LibTorch: the only functions in them that call
# into it or into spdlog (apply_runtime, GrpoConfig::policy_loss_config/advantage_config) are
# unreachable from load_config_text, and lld's --gc-sections drops them before it resolves
# symbols. A loader change that really calls into LibTorch shows up here as a link error.
set(R1F_FUZZ_TORCH_FLAGS -fuse-ld=lld -ffunction-sections -fdata-sections -Wl,--gc-sections)
foreach(dir ${TORCH_INCLUDE_DIRS})
  list(APPEND R1F_FUZZ_TORCH_FLAGS -isystem ${dir})
endforeach()
separate_arguments(R1F_FUZZ_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")
list(APPEND R1F_FUZZ_TORCH_FLAGS ${R1F_FUZZ_TORCH_CXX_FLAGS})
file(GLOB_RECURSE R1F_FUZZ_CONFIG_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/include/r1forge/*.h)
# The make_data: section validates each task's options through the task registry.
file(GLOB R1F_FUZZ_TASK_SOURCES ${CMAKE_SOURCE_DIR}/src/data/tasks/*.cpp)
r1f_add_loader_fuzzer(config_yaml_fuzz
  SOURCES ${R1F_FUZZ_DIR}/config_yaml_fuzz.cpp
          ${CMAKE_SOURCE_DIR}/src/pipeline/run_config.cpp
          ${CMAKE_SOURCE_DIR}/src/core/config_overrides.cpp
          ${CMAKE_SOURCE_DIR}/src/core/yaml_io.cpp
          ${CMAKE_SOURCE_DIR}/src/core/yaml_origin.cpp
          ${CMAKE_SOURCE_DIR}/src/core/fs.cpp
          ${CMAKE_SOURCE_DIR}/src/pipeline/stage_config.cpp
          ${CMAKE_SOURCE_DIR}/src/pipeline/eval_config.cpp
          ${CMAKE_SOURCE_DIR}/src/pipeline/rejection_config.cpp
          ${CMAKE_SOURCE_DIR}/src/sampling/sampling_config.cpp
          ${CMAKE_SOURCE_DIR}/src/data/make_data_config.cpp
          ${R1F_FUZZ_TASK_SOURCES}
          ${CMAKE_SOURCE_DIR}/src/core/rng.cpp
  DEPENDS ${R1F_FUZZ_CONFIG_HEADERS}
  FLAGS ${R1F_FUZZ_TORCH_FLAGS}
  LIBS $<TARGET_LINKER_FILE:yaml-cpp>)

# ---- tokenizer.json loader and the BPE tokenizer built from it: torch-free sources, plus
# Oniguruma and utf8proc (the libraries r1forge_lib links for the same code).
file(GLOB R1F_FUZZ_TOKENIZER_SOURCES ${CMAKE_SOURCE_DIR}/src/tokenizer/*.cpp)
list(FILTER R1F_FUZZ_TOKENIZER_SOURCES EXCLUDE REGEX "/(sentencepiece.*|tokenizer|chat_template.*|jinja.*)\\.cpp$")
file(GLOB R1F_FUZZ_TOKENIZER_HEADERS ${CMAKE_SOURCE_DIR}/include/r1forge/tokenizer/*.h)
r1f_add_loader_fuzzer(tokenizer_json_fuzz
  SOURCES ${R1F_FUZZ_DIR}/tokenizer_json_fuzz.cpp
          ${R1F_FUZZ_TOKENIZER_SOURCES}
          ${CMAKE_SOURCE_DIR}/src/core/fs.cpp
  DEPENDS ${R1F_FUZZ_TOKENIZER_HEADERS}
          ${CMAKE_SOURCE_DIR}/include/r1forge/core/fs.h
          ${CMAKE_SOURCE_DIR}/include/r1forge/core/check.h
  LIBS ${R1F_ONIG_LINK_LIBRARIES} ${R1F_UTF8PROC_LINK_LIBRARIES})
