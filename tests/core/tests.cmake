# CTest entries for core beyond the gtest binary: the `r1forge config` command end to end.
add_test(NAME core.config_cli
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/core/config_cli_test.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_SOURCE_DIR})
set_tests_properties(core.config_cli PROPERTIES TIMEOUT 60)

# The CUDA module's loading path, forced on a machine without a GPU driver.
if(R1F_CUDA_ENABLED)
  add_test(NAME core.cuda_module_loads
           COMMAND r1forge_tests --gtest_filter=CudaLoader.*)
  set_tests_properties(core.cuda_module_loads PROPERTIES ENVIRONMENT "R1F_LOAD_CUDA=1")
endif()
