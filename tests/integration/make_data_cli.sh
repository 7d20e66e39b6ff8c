#!/usr/bin/env bash
# `r1forge make-data` end to end through the binary: each task writes its files with the asked
# sizes, train and test never share a prompt, one seed gives byte-identical files and another
# seed different ones, --options lists the options, and bad input (unknown option, unknown task,
# a corpus with --test) exits 2 with a message naming it and writes nothing.
# Usage: make_data_cli.sh R1FORGE WORKDIR
set -euo pipefail
r1forge="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
lines() { wc -l < "$1" | tr -d ' '; }

"$r1forge" make-data --task arithmetic --out a --train 200 --test 50 --seed 3 \
  --set style=words --set 'languages=[en, zh]' 2>/dev/null
[ "$(lines a/train.jsonl)" = 200 ] || fail "arithmetic train.jsonl has $(lines a/train.jsonl) lines"
[ "$(lines a/test.jsonl)" = 50 ] || fail "arithmetic test.jsonl has $(lines a/test.jsonl) lines"
"$r1forge" make-data --task arithmetic --out b --train 200 --test 50 --seed 3 \
  --set style=words --set 'languages=[en, zh]' 2>/dev/null
"$r1forge" make-data --task arithmetic --out c --train 200 --test 50 --seed 4 \
  --set style=words --set 'languages=[en, zh]' 2>/dev/null
cmp -s a/train.jsonl b/train.jsonl || fail "same seed gave different train.jsonl"
cmp -s a/test.jsonl b/test.jsonl || fail "same seed gave different test.jsonl"
cmp -s a/train.jsonl c/train.jsonl && fail "different seeds gave the same train.jsonl"

for task in countdown instructions; do
  "$r1forge" make-data --task "$task" --out "$task" --train 120 --test 30 --seed 5 2>/dev/null
  [ "$(lines "$task/train.jsonl")" = 120 ] || fail "$task train.jsonl size"
  [ "$(lines "$task/test.jsonl")" = 30 ] || fail "$task test.jsonl size"
done
"$r1forge" make-data --task corpus --out corpus --train 100 --seed 3 2>/dev/null
[ "$(lines corpus/corpus.jsonl)" = 100 ] || fail "corpus.jsonl size"
[ -e corpus/train.jsonl ] && fail "the corpus wrote a train.jsonl"

python3 - <<'PY' || fail "split or row check"
import json
def rows(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]
for folder, key in [("a", "prompt"), ("countdown", "prompt"), ("instructions", "prompt")]:
    train, test = rows(f"{folder}/train.jsonl"), rows(f"{folder}/test.jsonl")
    shared = {r[key] for r in train} & {r[key] for r in test}
    assert not shared, (folder, sorted(shared)[:3])
    for r in train + test:
        assert r["completion"].startswith("<think>") and r["completion"].endswith("</answer>"), r
        assert "<answer>" + str(r["answer"]) + "</answer>" in r["completion"], r
languages = {r["language"] for r in rows("a/train.jsonl")}
assert languages == {"en", "zh"}, languages
for r in rows("a/train.jsonl"):
    expression = r["prompt"].removeprefix("What is ").removesuffix("?")
    expression = expression.removeprefix("计算 ").removesuffix(" 的和。")
    assert str(eval(expression)) == r["answer"], r  # the test's own oracle; digits and + only
test_problems = set()
for r in rows("a/test.jsonl"):
    e = r["prompt"].removeprefix("What is ").removesuffix("?")
    test_problems.add(e.removeprefix("计算 ").removesuffix(" 的和。"))
for r in rows("corpus/corpus.jsonl"):
    text = r["text"]
    assert set(text) <= set("0123456789+-=: "), text
    head = text.split(":")[0].split("=")[0]
    assert head not in test_problems, text
PY

"$r1forge" make-data --task countdown --options > options.txt
grep -q "max_numbers (int, default 4" options.txt || fail "--options does not list max_numbers"

# Bad input: exit 2, a message naming the problem, nothing written.
set +e
"$r1forge" make-data --task arithmetic --out bad --train 10 --test 5 --set digit=2 2> err.txt
code=$?
set -e
[ "$code" = 2 ] || fail "unknown option exited $code"
grep -q "unknown option 'digit'" err.txt || fail "message lacks the key: $(cat err.txt)"
grep -q "known options: min_terms, max_terms, digits" err.txt || fail "message lacks the known keys"
[ -e bad ] && fail "a failed make-data left output behind"

set +e
"$r1forge" make-data --task arithmetix --out bad --train 10 2> err.txt
code=$?
set -e
[ "$code" = 2 ] || fail "unknown task exited $code"
grep -q "unknown task 'arithmetix'; tasks: arithmetic, corpus, countdown, instructions, preferences" err.txt ||
  fail "unknown task message: $(cat err.txt)"

set +e
"$r1forge" make-data --task corpus --out bad --train 10 --test 3 2> err.txt
code=$?
set -e
[ "$code" = 2 ] || fail "corpus with --test exited $code"
grep -q "test must be 0" err.txt || fail "corpus --test message: $(cat err.txt)"

set +e
"$r1forge" make-data --task arithmetic --out bad --train 10 --set digits=0 2> err.txt
code=$?
set -e
[ "$code" = 2 ] || fail "out-of-range option exited $code"
grep -q "digits" err.txt || fail "range message: $(cat err.txt)"
echo "make_data_cli: all checks passed"
