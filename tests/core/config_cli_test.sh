#!/usr/bin/env bash
# CLI test of `r1forge config`: a valid config with an override prints the resolved YAML; an
# unknown key and a malformed override exit 2 with messages naming file:line and the fix.
# Usage: config_cli_test.sh R1FORGE_BINARY SOURCE_DIR
set -uo pipefail
r1forge="$1"
source_dir="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# 1. Valid config plus an override: exit 0 and the resolved value printed.
out="$("$r1forge" config "$source_dir/configs/tiny/base.yaml" run.threads=1 2>"$work/err")"
code=$?
[ "$code" -eq 0 ] || fail "valid config exited $code: $(cat "$work/err")"
grep -q '^  threads: 1  #' <<<"$out" || fail "resolved YAML lacks 'threads: 1': $out"
grep -q '^  gradient_checkpointing: false' <<<"$out" || fail "defaults not filled in: $out"

# 2. --out writes the same text to a file.
"$r1forge" config "$source_dir/configs/tiny/base.yaml" run.threads=1 --out "$work/resolved.yaml" ||
  fail "--out exited non-zero"
[ "$(cat "$work/resolved.yaml")" == "$out" ] || fail "--out text differs from stdout"

# 3. Unknown key: exit 2, file:line:col and the suggestion.
printf 'run:\n  dir: x\n  thredas: 2\n' >"$work/bad.yaml"
"$r1forge" config "$work/bad.yaml" >"$work/out" 2>"$work/err"
code=$?
[ "$code" -eq 2 ] || fail "unknown key exited $code, expected 2"
grep -qF "$work/bad.yaml:3:3: unknown key 'run.thredas' (did you mean 'threads'?)" "$work/err" ||
  fail "unknown-key message: $(cat "$work/err")"

# 4. Malformed override: exit 2 and the override named.
"$r1forge" config "$source_dir/configs/tiny/base.yaml" 'run[0]=1' >"$work/out" 2>"$work/err"
code=$?
[ "$code" -eq 2 ] || fail "malformed override exited $code, expected 2"
grep -qF "command-line override 'run[0]=1'" "$work/err" || fail "override message: $(cat "$work/err")"

# 5. Missing file: exit 1 (an IO error), naming the file.
"$r1forge" config "$work/nope.yaml" >"$work/out" 2>"$work/err"
code=$?
[ "$code" -eq 1 ] || fail "missing file exited $code, expected 1"
grep -qF "nope.yaml" "$work/err" || fail "missing-file message: $(cat "$work/err")"

[ "$failures" -eq 0 ] && echo "config CLI: all checks passed"
exit "$failures"
