# Every benchmark of scripts/bench.sh at toy size, through the script itself with the built
# binary (R1F_BENCH_BINARY) and the venv's Python (peers included): each must still run and
# print its table. Nothing about speed is asserted; the real figures come from
# `scripts/bench.sh NAME` (docs/performance.md). Label `bench`: `ctest -L bench` runs them.
if(R1F_PYTHON)
  set(R1F_BENCH_SMOKE_DIR ${CMAKE_BINARY_DIR}/bench_smoke)
  # NAME|environment of that benchmark's toy run, its variables separated by commas. A NAME
  # with a dot is a variant: the benchmark is the part before it (sft.varied runs `sft`).
  set(R1F_BENCH_SMOKE_RUNS
      "train|PRESET=tiny-qwen2,BATCH=2,SEQ=16,STEPS=1,REPEATS=1"
      "generate|PRESET=tiny-qwen2,NEW_TOKENS=8,BATCHES=1 8"
      "logprobs|REPEATS=1,LOGPROBS_FLAGS=--rows 2 --seq-len 16 --vocab 64 --width 8 --chunk-rows 8 --steps 1"
      "distill|REPEATS=1,DISTILL_FLAGS=--rows 2 --seq-len 16 --vocab 64 --width 8 --top-k 4 --chunk-rows 8 --steps 1"
      "grpo|PRESET=tiny-qwen2,PROMPTS_PER_STEP=2,GENERATIONS=2,COMPLETION_LENGTH=8,MICRO_BATCH=4,GRPO_STEPS=2,WARMUP=1,REPEATS=1"
      "sft|PRESET=tiny-qwen2,BATCH=2,SEQ=64,STEPS=2,WARMUP=1,REPEATS=1"
      "sft.varied|LENGTHS=varied,PRESET=tiny-qwen2,BATCH=2,SEQ=128,EXAMPLES=16,WARMUP=1,REPEATS=1"
      "scaling|PRESET=tiny-qwen2,BASE_G=2,BASE_COMPLETION=8,BASE_PROMPTS=2,BASE_LAYERS=1,GRPO_STEPS=2,WARMUP=1"
      "sha256|MEBIBYTES=1,REPEATS=1"
      "zero|STEPS=1")
  foreach(run ${R1F_BENCH_SMOKE_RUNS})
    string(REPLACE "|" ";" parts "${run}")
    list(GET parts 0 name)
    list(GET parts 1 environment)
    string(REPLACE "," ";" environment "${environment}")
    string(REGEX REPLACE "\\..*$" "" benchmark "${name}")
    add_test(NAME bench.${name}
             COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/bench.sh ${benchmark})
    set_tests_properties(bench.${name} PROPERTIES
      LABELS bench TIMEOUT 600
      ENVIRONMENT "R1F_BENCH_BINARY=$<TARGET_FILE:r1forge>;R1F_PYTHON=${R1F_PYTHON};R1F_BENCH_DIR=${R1F_BENCH_SMOKE_DIR}/${name};THREADS=1;${environment}")
  endforeach()
endif()
