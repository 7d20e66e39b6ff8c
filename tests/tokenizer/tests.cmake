# Tokenizer CTest entries beyond the gtest binary: the CLI script (train-tokenizer, tokenize,
# decode round trip, spm_encode as the oracle, bad-input exit codes and messages).
add_test(NAME tokenizer.cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh $<TARGET_FILE:r1forge>)
set_tests_properties(tokenizer.cli PROPERTIES TIMEOUT 120)
