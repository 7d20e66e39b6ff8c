# CTest entries for core beyond the gtest binary: the `r1forge config` command end to end and the
# module layering check.
add_test(NAME core.config_cli
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/core/config_cli_test.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_SOURCE_DIR})
set_tests_properties(core.config_cli PROPERTIES TIMEOUT 60)

# Module layering (DESIGN.md): core includes nothing above it; and every other module only
# the modules below it (scripts/check_layers.sh's table).
add_test(NAME core.includes_nothing_above_core
         COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/check_layers.sh ${CMAKE_SOURCE_DIR} core)
add_test(NAME core.every_module_includes_only_lower_modules
         COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/check_layers.sh ${CMAKE_SOURCE_DIR})

# TensorBoard event files read back by TensorBoard's own reader (EventAccumulator) from the venv.
# tensorboard_tool (tests/core/tools/, its own main(); kept out of the gtest binary by the glob's
# filter in tests/CMakeLists.txt) writes the steps the Python script makes up.
add_executable(tensorboard_tool ${CMAKE_CURRENT_SOURCE_DIR}/core/tools/tensorboard_tool.cpp)
target_link_libraries(tensorboard_tool PRIVATE r1forge_lib)
target_compile_options(tensorboard_tool PRIVATE ${R1F_WARNINGS})
if(R1F_PYTHON)
  add_test(NAME core.tensorboard_reader_round_trip
           COMMAND ${R1F_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/core/check_tensorboard.py
                   --tool $<TARGET_FILE:tensorboard_tool>
                   --workdir ${CMAKE_BINARY_DIR}/tensorboard_round_trip)
  set_tests_properties(core.tensorboard_reader_round_trip PROPERTIES TIMEOUT 120)
endif()

# core/distributed.h across real processes (Gloo over loopback): distributed_tool runs one
# scenario per process; the script starts them with the launcher's environment variables.
add_executable(distributed_tool ${CMAKE_CURRENT_SOURCE_DIR}/core/tools/distributed_tool.cpp)
target_link_libraries(distributed_tool PRIVATE r1forge_lib)
target_compile_options(distributed_tool PRIVATE ${R1F_WARNINGS})
add_test(NAME core.distributed_processes
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/core/distributed_test.sh
                 $<TARGET_FILE:distributed_tool> ${CMAKE_BINARY_DIR}/distributed_processes)
set_tests_properties(core.distributed_processes PROPERTIES TIMEOUT 180)
