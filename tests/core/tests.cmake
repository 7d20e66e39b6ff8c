# CTest entries for core beyond the gtest binary: the `r1forge config` command end to end.
add_test(NAME core.config_cli
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/core/config_cli_test.sh
                 $<TARGET_FILE:r1forge> ${CMAKE_SOURCE_DIR})
set_tests_properties(core.config_cli PROPERTIES TIMEOUT 60)
