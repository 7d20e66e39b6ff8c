# End-to-end CLI checks (bash): exit codes, messages naming file and line, no damaged output.
add_test(NAME integration.cli_errors
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_errors.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/cli_errors)

# The rollout/trainer mismatch guard end to end: generate's log-probs equal logprobs' values.
add_test(NAME integration.generate_logprobs_parity
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/check_generate_parity.py
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/generate_parity)

# `r1forge stage` with a GRPO stage end to end: built-in and external rewards, the stage's
# files, a stalled external scorer that must not hang the run, and bad-input exit codes.
add_test(NAME integration.grpo_stage_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/grpo_stage_cli.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/grpo_stage_cli)
set_tests_properties(integration.grpo_stage_cli PROPERTIES TIMEOUT 300)

# `r1forge make-data`: every task's files, disjoint splits, determinism, bad-input exit codes.
add_test(NAME integration.make_data_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/make_data_cli.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/make_data_cli)

# A config's make_data: section through the binary: the same bytes as make-data --task and
# train-tokenizer, current on rerun, made by `r1forge stage`, a kill before the swap, bad input.
add_test(NAME integration.make_data_config
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/make_data_config.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/make_data_config)
set_tests_properties(integration.make_data_config PROPERTIES TIMEOUT 300)

# The learning canary: configs/tiny/canary.yaml's GRPO must raise held-out pass@1 by 20 points
# (about a minute on 2 cores), so a change that stops learning fails CI.
add_test(NAME integration.learning_canary
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/learning_canary.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/learning_canary)
set_tests_properties(integration.learning_canary PROPERTIES TIMEOUT 400)

# Every committed config (configs/**/*.yaml) end to end at toy scale: shape, steps and data
# shrunk by overrides read off its resolved form, toy inputs in the field names it declares.
if(R1F_PYTHON)
  add_test(NAME integration.every_config
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/every_config.py
                   $<TARGET_FILE:r1forge> ${CMAKE_SOURCE_DIR}/configs ${CMAKE_BINARY_DIR}/every_config
                   ${CMAKE_SOURCE_DIR}/../shared/testdata)
  set_tests_properties(integration.every_config PROPERTIES TIMEOUT 900)
endif()

# The seven R1 stages at toy size through `r1forge run` (configs/tiny/smoke.yaml) from an empty
# folder: the data first, the report, every stage's outputs, resume-by-skipping, and a bad
# reference failing before training.
add_test(NAME integration.pipeline_smoke
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/pipeline_smoke.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/pipeline_smoke)
set_tests_properties(integration.pipeline_smoke PROPERTIES TIMEOUT 300)

# Exact resume after SIGKILL (mid-step, mid-save, between stages, at fixed delays), SIGTERM,
# double SIGINT, a full disk and NaN gradients, on configs/tiny/resume.yaml.
add_test(NAME integration.kill_resume
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/kill_resume.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/kill_resume ${R1F_PYTHON})
set_tests_properties(integration.kill_resume PROPERTIES TIMEOUT 900)

# Bad input through the binary, per loader (YAML and overrides, sft/grpo JSONL, safetensors,
# config.json, tokenizer files, CLI flags): exit 1..127, file and line/key named, no output left.
add_test(NAME integration.bad_input
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bad_input.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/bad_input)
set_tests_properties(integration.bad_input PROPERTIES TIMEOUT 300)

# The run folder across attempts: locks against a second process (and none left by SIGKILL),
# a log file per attempt, extending a finished GRPO stage, run.on_change, a moved folder.
add_test(NAME integration.run_folder
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run_folder.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/run_folder)
set_tests_properties(integration.run_folder PROPERTIES TIMEOUT 300)

# Data parallel in 2 processes (r1forge launch, Gloo on loopback) against 1 process: weights
# within 1e-6, the same rollouts, bit-exact resume in 2 processes and the same remaining data
# in 1, and a SIGKILLed rank named by the survivor (configs/tiny/resume.yaml).
add_test(NAME integration.data_parallel
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/data_parallel.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/data_parallel ${R1F_PYTHON})
set_tests_properties(integration.data_parallel PROPERTIES TIMEOUT 900)

# ZeRO-1 (distributed.zero_stage=1): the same weights as replicated data parallel and one
# process, whole optimizer state in checkpoints, half the AdamW state per rank, and resumes
# across ZeRO-1 and one process both ways.
add_test(NAME integration.zero_sharding
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/zero_sharding.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/zero_sharding)
set_tests_properties(integration.zero_sharding PROPERTIES TIMEOUT 600)

# `r1forge launch` with bash workers: torchrun's environment per rank, "[rank K] " prefixes,
# --master-port 0, a failing or SIGKILLed worker stopping the rest (nothing left running),
# signals to the launcher forwarded once, bad flags, long lines, the Slurm example's syntax.
add_test(NAME integration.launch_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/launch_cli.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/launch_cli)
set_tests_properties(integration.launch_cli PROPERTIES TIMEOUT 120)

# `r1forge report RUN_DIR` on a synthetic run folder: the SVG charts parse as XML with their
# points inside the picture, report.md links them, report.html inlines them with the table;
# bad folders exit non-zero naming the file and leave the report alone; with the venv,
# scripts/plot_metrics.py draws the same panels as PNG.
add_test(NAME integration.report_cli
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/report_cli.py
                 $<TARGET_FILE:r1forge> ${CMAKE_BINARY_DIR}/report_cli ${R1F_PYTHON})
set_tests_properties(integration.report_cli PROPERTIES TIMEOUT 120)
