# Tokenizer CTest entries beyond the gtest binary: the CLI scripts (train-tokenizer, tokenize,
# decode round trip, spm_encode as the oracle, bad-input exit codes and messages; the same for
# tokenizer.json with the shared Qwen3/DeepSeek-V3 files), and the golden-file check.
add_test(NAME tokenizer.cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh $<TARGET_FILE:r1forge>)
set_tests_properties(tokenizer.cli PROPERTIES TIMEOUT 120)
add_test(NAME tokenizer.bpe_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/bpe_cli_test.sh $<TARGET_FILE:r1forge>
                 ${CMAKE_SOURCE_DIR}/../shared/testdata)
set_tests_properties(tokenizer.bpe_cli PROPERTIES TIMEOUT 120)
# The committed tests/golden/tokenizers/*.json must be what tokenizers (the oracle) gives now.
if(R1F_PYTHON)
  add_test(NAME golden.tokenizers_regenerate_matches_committed
           COMMAND ${R1F_PYTHON} ${CMAKE_SOURCE_DIR}/scripts/tokenizer_golden.py --check
                   --testdata ${CMAKE_SOURCE_DIR}/../shared/testdata)
  set_tests_properties(golden.tokenizers_regenerate_matches_committed PROPERTIES TIMEOUT 300)
endif()

# `r1forge chat-template` on the testdata folders, and its errors.
add_test(NAME tokenizer.chat_template_cli
         COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/chat_template_cli_test.sh $<TARGET_FILE:r1forge>
                 ${CMAKE_SOURCE_DIR}/../shared/testdata)
set_tests_properties(tokenizer.chat_template_cli PROPERTIES TIMEOUT 60)
# The committed chat-template goldens are what transformers renders now (needs the venv).
if(R1F_PYTHON)
  add_test(NAME tokenizer.chat_template_golden_matches_transformers
           COMMAND ${R1F_PYTHON} ${CMAKE_SOURCE_DIR}/scripts/chat_template_golden.py --check)
  set_tests_properties(tokenizer.chat_template_golden_matches_transformers PROPERTIES TIMEOUT 120)
endif()
