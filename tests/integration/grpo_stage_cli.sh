#!/usr/bin/env bash
# `r1forge stage` end to end through the binary: a tokenizer trained here, a random tiny model,
# GSM8K-style prompts, and a GRPO stage whose rewards are two built-ins plus an external scorer
# (a Python script speaking the JSONL protocol). Checks the stage's files, that final/ serves
# `r1forge generate`, that a stalled scorer costs a timeout and "none" scores but never hangs
# the run, and that bad input exits with a message naming the key or file.
# Usage: grpo_stage_cli.sh R1FORGE WORKDIR
set -euo pipefail
r1forge="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 - <<'PY'
import json, random
random.seed(3)
with open("corpus.txt", "w") as corpus, open("prompts.jsonl", "w") as prompts:
    template = ("A conversation between User and Assistant. The user asks a question, and the "
                "Assistant solves it. The assistant first thinks about the reasoning process in "
                "the mind and then provides the user with the answer.")
    for i in range(400):
        a, b = random.randint(1, 99), random.randint(1, 99)
        corpus.write(f"What is {a} plus {b}? <think> {a} + {b} = {a + b} </think> <answer> {a + b} </answer>\n")
        corpus.write(template + "\n")
    for i in range(12):
        a, b = random.randint(1, 9), random.randint(1, 9)
        prompts.write(json.dumps({"question": f"What is {a} plus {b}?", "answer": f"#### {a + b}"}) + "\n")
PY
"$r1forge" train-tokenizer --input corpus.txt --out model --vocab-size 120 \
  --user-symbols "<think>,</think>,<answer>,</answer>" 2>/dev/null
"$r1forge" init-model --preset tiny-qwen2 --vocab-size 120 --out model --seed 3 2>/dev/null

cat > scorer.py <<'PY'
import json, sys
for line in sys.stdin:
    request = json.loads(line)
    score = 1.0 if "<answer>" in request["completion"] else 0.0
    print(json.dumps({"id": request["id"], "score": score}), flush=True)
PY
cat > stall.py <<'PY'
import sys, time
for line in sys.stdin:
    time.sleep(3600)
PY

cat > run.yaml <<EOF2
run: {dir: $work/run, seed: 1, threads: 2}
model: {init: $work/model}
stages:
  - name: rl
    type: grpo
    grpo:
      data: {path: $work/prompts.jsonl, prompt_field: question, prompt_template: r1_zero}
      rewards:
        - {name: accuracy}
        - {name: format}
        - {name: external, weight: 0.5, options: {command: "python3 $work/scorer.py"}}
      max_steps: 3
      prompts_per_step: 2
      num_generations: 4
      max_completion_length: 12
      optimizer: {learning_rate: 0.001}
EOF2

"$r1forge" stage run.yaml rl 2>log.txt || { cat log.txt; fail "stage exited non-zero"; }
stage_dir=run/stages/01-rl
[ "$(wc -l < $stage_dir/metrics.jsonl)" -eq 3 ] || fail "expected 3 metrics lines"
python3 - "$stage_dir/metrics.jsonl" <<'PY' || fail "metrics"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for key in ["reward", "rewards/accuracy/mean", "rewards/format/mean", "rewards/external/mean",
            "frac_reward_zero_std", "completions/mean_length", "clip_ratio/region_mean",
            "learning_rate", "grad_norm", "tokens_per_second", "time/rollout", "time/update"]:
    assert all(key in l for l in lines), key
assert all(l["rewards/external/none"] == 0 for l in lines), "the scorer answered every sample"
assert [l["step"] for l in lines] == [1, 2, 3]
PY
[ -f $stage_dir/final/config.json ] && [ -f $stage_dir/final/tokenizer.model ] || fail "final/"
[ -f run/config.resolved.yaml ] || fail "config.resolved.yaml"
"$r1forge" generate --model $stage_dir/final --prompt "What is 2 plus 3?" --max-new-tokens 4 \
  --output gen.jsonl 2>/dev/null || fail "generate from final/"
[ "$(wc -l < gen.jsonl)" -eq 1 ] || fail "generate output"

# A scorer that never answers: each batch times out after 1 s, its samples score none, the
# scorer is restarted, and the stage still finishes its two steps.
start=$(date +%s)
"$r1forge" stage run.yaml rl run.dir=$work/run-stall stages.rl.grpo.max_steps=2 \
  "stages.rl.grpo.rewards.2.options={command: 'python3 $work/stall.py', timeout_seconds: '1'}" \
  2>log-stall.txt || { cat log-stall.txt; fail "stalled scorer run exited non-zero"; }
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -lt 60 ] || fail "stalled scorer took ${elapsed}s"
python3 - run-stall/stages/01-rl/metrics.jsonl <<'PY' || fail "stall metrics"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2
assert all(l["rewards/external/none"] == 8 for l in lines), [l["rewards/external/none"] for l in lines]
assert [l["reward_diagnostics/external/timeouts"] for l in lines] == [1, 2], lines
PY

# Bad input: exit 2 for config errors, 1 for missing files, with the key or file named.
expect_error() {  # expected_code fragment args...
  local code=$1 fragment=$2
  shift 2
  set +e
  "$r1forge" "$@" >out.txt 2>err.txt
  local got=$?
  set -e
  [ "$got" -eq "$code" ] || { cat err.txt; fail "exit $got, expected $code for: $*"; }
  grep -qF -- "$fragment" err.txt || { cat err.txt; fail "message lacks '$fragment' for: $*"; }
}
expect_error 2 "no stage named 'nope'" stage run.yaml nope
expect_error 2 "unknown key" stage run.yaml rl stages.rl.grpo.betta=0.1
expect_error 2 "unknown reward 'acuracy'" stage run.yaml rl stages.rl.grpo.rewards.0.name=acuracy
# A missing input is caught when the stage's references are checked, before the model loads.
expect_error 2 "grpo.data.path: file '$work/missing.jsonl' does not exist" stage run.yaml rl stages.rl.grpo.data.path=$work/missing.jsonl
expect_error 2 "kl_in is reward" stage run.yaml rl stages.rl.grpo.kl_in=reward stages.rl.grpo.beta=0.1
echo "grpo stage CLI: ok"
