# Sourced by the tokenizer CLI tests (cli_test.sh, bpe_cli_test.sh, chat_template_cli_test.sh)
# after they set `bin` (the r1forge binary): a scratch folder $work removed at exit, failure
# counting, and running the binary against an expected exit code and message.
# Not here: what each test checks.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# Runs the binary, expecting exit code $1; stdout goes to $work/out, stderr to $work/err.
expect_exit() {
  local want="$1"; shift
  "$bin" "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want: $(cat "$work/err")"
}
expect_message() {  # the last command's stderr must contain $1
  grep -qF -- "$1" "$work/err" || fail "message lacks '$1': $(cat "$work/err")"
}

# finish NAME: the summary line, and exit 1 when a check failed.
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  echo "$1: all checks passed"
}
