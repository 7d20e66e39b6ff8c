# CTest entries for the CUDA kernel module beyond the gtest binary.

# kernels depend on core alone (the model calls them, never the reverse).
add_test(NAME kernels.include_only_core
         COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/check_layers.sh ${CMAKE_SOURCE_DIR} kernels)

# The CUDA module's loading path, forced on a machine without a GPU driver.
if(R1F_CUDA_ENABLED)
  add_test(NAME kernels.cuda_module_loads
           COMMAND r1forge_tests --gtest_filter=CudaLoader.*)
  set_tests_properties(kernels.cuda_module_loads PROPERTIES ENVIRONMENT "R1F_LOAD_CUDA=1")
endif()
