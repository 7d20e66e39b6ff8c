#!/usr/bin/env bash
# End-to-end checks of the r1forge binary on bad input: the exit code (2 usage/config, 1 other,
# never a signal), a message naming the file and line/key, and no output file left behind.
# Usage: cli_errors.sh R1FORGE WORKDIR
set -uo pipefail
r1forge="$1"
work="$2"
rm -rf "$work"; mkdir -p "$work"
failures=0

# expect CODE PATTERN -- command...: runs the command, checks exit code and that stderr
# matches the extended regex PATTERN.
expect() {
  local code="$1" pattern="$2"; shift 3
  "$@" >"$work/stdout" 2>"$work/stderr"
  local got=$?
  if [ "$got" -ne "$code" ] || ! grep -Eq -- "$pattern" "$work/stderr"; then
    echo "FAIL: $* -> exit $got (want $code), stderr:"; sed 's/^/    /' "$work/stderr"
    echo "    (wanted /$pattern/)"
    failures=$((failures + 1))
  else
    echo "ok: $* -> $got"
  fi
}

model="$work/model"
"$r1forge" init-model --preset tiny-qwen2 --out "$model" --seed 1 2>/dev/null || { echo "FAIL: init-model"; exit 1; }

expect 2 "subcommand" -- "$r1forge"
expect 2 "--bogus" -- "$r1forge" logprobs --model "$model" --bogus
expect 2 "unknown model preset 'nope'.*tiny-qwen2" -- "$r1forge" init-model --preset nope --out "$work/x"
expect 2 "already holds a model" -- "$r1forge" init-model --preset tiny-qwen2 --out "$model"
expect 2 "exactly one of --preset" -- "$r1forge" init-model --out "$work/y"
expect 1 "does not exist" -- "$r1forge" logprobs --model "$work/missing" --input /dev/null

# Malformed JSONL: line 2 is broken; the output file must not appear.
printf '{"prompt_ids":[1,2],"completion_ids":[3]}\n{"prompt_ids":[1,\n' >"$work/bad.jsonl"
expect 1 "bad.jsonl:2: invalid JSON" -- "$r1forge" logprobs --model "$model" --input "$work/bad.jsonl" --output "$work/out.jsonl"
[ -e "$work/out.jsonl" ] && { echo "FAIL: partial output left behind"; failures=$((failures + 1)); }
printf '{"prompt_ids":[1,2],"completion_ids":[3]}\n\n{"prompt_ids":[1],"completion_ids":[999]}\n' >"$work/oov.jsonl"
expect 1 "oov.jsonl:3: token id 999 .*outside the model's vocabulary \[0, 256\)" -- "$r1forge" logprobs --model "$model" --input "$work/oov.jsonl" --output "$work/out.jsonl"
printf '{"prompt_ids":[],"completion_ids":[3]}\n' >"$work/empty.jsonl"
expect 1 "empty.jsonl:1: the prompt is empty" -- "$r1forge" logprobs --model "$model" --input "$work/empty.jsonl"
printf '{"prompt":"hi","completion":"there"}\n' >"$work/text.jsonl"
expect 1 "text.jsonl:1: text input needs a tokenizer" -- "$r1forge" logprobs --model "$model" --input "$work/text.jsonl"
printf '{"prompt_ids":[1],"completion_ids":["a"]}\n' >"$work/type.jsonl"
expect 1 "type.jsonl:1: 'completion_ids' holds \"a\"" -- "$r1forge" logprobs --model "$model" --input "$work/type.jsonl"

# Damaged model folders: truncated weights, config.json asking for unsupported features.
cp -r "$model" "$work/truncated"
truncate -s 1000 "$work/truncated/model.safetensors"
expect 1 "model.safetensors" -- "$r1forge" logprobs --model "$work/truncated" --input "$work/text.jsonl"
cp -r "$model" "$work/sliding"
sed -i 's/"use_sliding_window": false/"use_sliding_window": true/' "$work/sliding/config.json"
expect 2 "config.json: use_sliding_window=true .*not supported" -- "$r1forge" logprobs --model "$work/sliding" --input "$work/text.jsonl"
cp -r "$model" "$work/badjson"
echo '{"model_type": "qwen2",' >"$work/badjson/config.json"
expect 2 "config.json: invalid JSON" -- "$r1forge" logprobs --model "$work/badjson" --input "$work/text.jsonl"
cp -r "$model" "$work/wrongshape"
sed -i 's/"hidden_size": 64/"hidden_size": 32/; s/"head_dim": 16/"head_dim": 8/' "$work/wrongshape/config.json"
expect 1 "tensor 'model.embed_tokens.weight' has shape \[256, 64\] but config.json implies \[256, 32\]" -- "$r1forge" logprobs --model "$work/wrongshape" --input "$work/text.jsonl"

# generate: flags, inputs and requests.
expect 2 "exactly one of --prompt" -- "$r1forge" generate --model "$model"
expect 1 "text prompts need a tokenizer" -- "$r1forge" generate --model "$model" --prompt "hi"
printf '{"prompt_ids":[1,2]}\n{"prompt_ids":[1,"x"]}\n' >"$work/gen_bad.jsonl"
expect 1 "gen_bad.jsonl:2: 'prompt_ids' holds \"x\"" -- "$r1forge" generate --model "$model" --input "$work/gen_bad.jsonl" --output "$work/gen_out.jsonl"
[ -e "$work/gen_out.jsonl" ] && { echo "FAIL: partial generate output left behind"; failures=$((failures + 1)); }
printf '{"prompt_ids":[1,2],"n":0}\n' >"$work/gen_n.jsonl"
expect 1 "gen_n.jsonl:1: 'n' must be a positive integer" -- "$r1forge" generate --model "$model" --input "$work/gen_n.jsonl"
printf '{"prompt_ids":[1,999]}\n' >"$work/gen_oov.jsonl"
expect 1 "prompt token id 999 is outside the vocabulary" -- "$r1forge" generate --model "$model" --input "$work/gen_oov.jsonl"
printf '{"prompt_ids":[1,2]}\n' >"$work/gen_valid.jsonl"
expect 1 "top_p must be in \(0, 1\]" -- "$r1forge" generate --model "$model" --input "$work/gen_valid.jsonl" --top-p 1.5
expect 2 "unknown sampling backend 'fast'" -- "$r1forge" generate --model "$model" --input "$work/gen_oov.jsonl" --backend fast
# And a good run: n samples per line, one JSONL line each; the same tokens whatever the batch
# size (log-probs may differ in the last bits: GEMM blocking depends on the batch).
printf '{"prompt_ids":[1,2,3],"n":3}\n{"prompt_ids":[4]}\n' >"$work/gen_ok.jsonl"
"$r1forge" generate --model "$model" --input "$work/gen_ok.jsonl" --n 2 --max-new-tokens 4 --seed 9 --output "$work/gen_a.jsonl" 2>/dev/null
"$r1forge" generate --model "$model" --input "$work/gen_ok.jsonl" --n 2 --max-new-tokens 4 --seed 9 --batch-size 1 --output "$work/gen_b.jsonl" 2>/dev/null
ids_a="$(grep -o '"ids":\[[^]]*\]' "$work/gen_a.jsonl")"
ids_b="$(grep -o '"ids":\[[^]]*\]' "$work/gen_b.jsonl")"
if [ "$(wc -l <"$work/gen_a.jsonl")" != 5 ] || [ "$ids_a" != "$ids_b" ]; then
  echo "FAIL: generate output count or determinism"; failures=$((failures + 1))
else
  echo "ok: generate writes n lines per prompt, identical across batch sizes"
fi

echo "$((failures == 0 ? 1 : 0)) passed, $failures failed"
[ "$failures" -eq 0 ]
