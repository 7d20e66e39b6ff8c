#!/usr/bin/env bash
# CLI test of `r1forge chat-template`: renders formats.md §6's conversation with the Qwen3 and
# DeepSeek-V3 testdata folders (expected strings written out in formats.md §6.2/§6.4), with
# --enable-thinking and --var, and checks that bad input exits 1 or 2 naming the file or flag.
# Usage: chat_template_cli_test.sh PATH/TO/r1forge TESTDATA_DIR
set -uo pipefail
bin="$1"
testdata="$2"
source "$(dirname "${BASH_SOURCE[0]}")/cli_util.sh"

expect_output() {  # the last command's stdout must be exactly $1 (printf escapes allowed)
  printf "$1" >"$work/want"
  cmp -s "$work/out" "$work/want" || fail "output $(od -c "$work/out" | head -5) != $1"
}

cat >"$work/messages.json" <<'JSON'
[{"role": "user", "content": "What is 2+2?"},
 {"role": "assistant", "content": "<think>\nadd\n</think>\n\n4"},
 {"role": "user", "content": "And 3+3?"}]
JSON
qwen3="$testdata/tokenizers/qwen3"
qwen3_text='<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n'

expect_exit 0 chat-template "$qwen3" --messages "$work/messages.json" --add-generation-prompt
expect_output "$qwen3_text"
expect_exit 0 chat-template "$qwen3" --messages "$work/messages.json" --add-generation-prompt \
  --enable-thinking false
expect_output "$qwen3_text<think>\\n\\n</think>\\n\\n"
expect_exit 0 chat-template "$qwen3" --messages - <"$work/messages.json"
expect_output '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n'
# DeepSeek-V3 keeps the reasoning and has no <think> in the generation prompt.
expect_exit 0 chat-template "$testdata/tokenizers/deepseek_v3" --messages "$work/messages.json" \
  --add-generation-prompt
expect_output '<｜begin▁of▁sentence｜><｜User｜>What is 2+2?<｜Assistant｜><think>\nadd\n</think>\n\n4<｜end▁of▁sentence｜><｜User｜>And 3+3?<｜Assistant｜>'
# A template variable from --var.
mkdir -p "$work/custom"
printf '{"chat_template": "{{ greeting }} {{ messages | length }}"}' >"$work/custom/tokenizer_config.json"
expect_exit 0 chat-template "$work/custom" --messages "$work/messages.json" --var 'greeting="hi"'
expect_output 'hi 3'

# ---- bad input
expect_exit 2 chat-template "$work" --messages "$work/messages.json"
expect_message "no chat template"
echo '[{"role": "user"' >"$work/bad.json"
expect_exit 1 chat-template "$qwen3" --messages "$work/bad.json"
expect_message "bad.json: malformed JSON"
expect_exit 2 chat-template "$qwen3" --messages "$work/messages.json" --enable-thinking maybe
expect_message "--enable-thinking must be true or false"
expect_exit 2 chat-template "$work/custom" --messages "$work/messages.json" --var greeting=hi
expect_message "--var greeting"
printf '{"chat_template": "line one\\n{%% bogus %%}"}' >"$work/custom/tokenizer_config.json"
expect_exit 2 chat-template "$work/custom" --messages "$work/messages.json"
expect_message "tokenizer_config.json (chat_template):2: unknown tag 'bogus'"

finish "chat-template CLI"
