#!/usr/bin/env bash
# Bad input through the r1forge binary, one class of loader at a time: YAML configs and
# overrides, the JSONL datasets of an sft and a grpo stage, safetensors, config.json, tokenizer
# files and command-line flags. Each case must exit with a code in 1..127 (an error, never a
# signal or core dump), print a message naming the file and the line or key (the pattern), and
# leave nothing behind that looks valid (a stage's final/, an --output file, a model folder).
# cli_errors.sh, grpo_stage_cli.sh and make_data_cli.sh cover other cases; not repeated here.
# Usage: bad_input.sh R1FORGE WORKDIR
set -uo pipefail
r1forge="$1"
work="$2"
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1
ulimit -c 0  # a crash must show as an exit code >= 128 here, not as a core file
cases=0
failures=0
declare -A class_cases=()
classes=()

# expect CLASS PATTERN [PATH...] -- COMMAND...: runs COMMAND and checks the exit code is in
# 1..127, stderr matches the extended regex PATTERN, and no PATH exists afterwards.
expect() {
  local class="$1" pattern="$2"
  shift 2
  local absent=()
  while [ "$1" != "--" ]; do
    absent+=("$1")
    shift
  done
  shift
  cases=$((cases + 1))
  [ -n "${class_cases[$class]:-}" ] || classes+=("$class")
  class_cases[$class]=$((${class_cases[$class]:-0} + 1))
  "$@" >stdout.txt 2>stderr.txt
  local got=$? problem=""
  if [ "$got" -eq 0 ] || [ "$got" -ge 128 ]; then
    problem="exit $got (want 1..127)"
  elif ! grep -Eq -- "$pattern" stderr.txt; then
    problem="stderr lacks /$pattern/"
  fi
  for path in "${absent[@]}"; do
    [ -e "$path" ] && problem="$problem; left behind: $path"
  done
  if [ -n "$problem" ]; then
    failures=$((failures + 1))
    echo "FAIL [$class]: ${*:2} -> $problem; stderr:"
    head -c 2000 stderr.txt | sed 's/^/    /'
  else
    echo "ok [$class]: exit $got: $(head -n 1 stderr.txt | cut -c1-150)"
  fi
}

# ---- fixtures: a tokenizer trained here, a random tiny model, prompts and SFT rows ----------
python3 - <<'PY'
import json, random
random.seed(5)
with open("corpus.txt", "w") as corpus, open("prompts.jsonl", "w") as prompts, \
        open("sft.jsonl", "w") as sft:
    for i in range(300):
        a, b = random.randint(1, 99), random.randint(1, 99)
        corpus.write(f"What is {a} plus {b}? <think> {a} + {b} = {a + b} </think> <answer> {a + b} </answer>\n")
    for i in range(8):
        a, b = random.randint(1, 9), random.randint(1, 9)
        prompts.write(json.dumps({"question": f"What is {a} plus {b}?", "answer": f"#### {a + b}"}) + "\n")
        sft.write(json.dumps({"prompt": f"What is {a} plus {b}?",
                              "completion": f"<think> {a} + {b} = {a + b} </think> <answer> {a + b} </answer>"}) + "\n")
PY
"$r1forge" train-tokenizer --input corpus.txt --out model --vocab-size 100 \
  --user-symbols "<think>,</think>,<answer>,</answer>" 2>/dev/null || { echo "FAIL: train-tokenizer"; exit 1; }
"$r1forge" init-model --preset tiny-qwen2 --vocab-size 100 --out model --seed 3 2>/dev/null ||
  { echo "FAIL: init-model"; exit 1; }
printf '{"prompt_ids":[1,2,3],"completion_ids":[4,5]}\n' >ids.jsonl
"$r1forge" logprobs --model model --input ids.jsonl --output good.jsonl 2>/dev/null ||
  { echo "FAIL: the good model does not serve logprobs"; exit 1; }

cat >run.yaml <<EOF
run: {dir: $work/run, seed: 1, threads: 1}
model: {init: $work/model}
stages:
  - name: sft
    type: sft
    sft:
      data: {path: $work/sft.jsonl, prompt_template: plain}
      max_steps: 1
      batch_size: 2
  - name: rl
    type: grpo
    grpo:
      data: {path: $work/prompts.jsonl, prompt_field: question, prompt_template: plain}
      rewards: [{name: accuracy}]
      max_steps: 1
      prompts_per_step: 1
      num_generations: 2
      max_completion_length: 4
EOF
"$r1forge" config run.yaml >/dev/null 2>&1 || { echo "FAIL: run.yaml does not validate"; exit 1; }

# ---- YAML configs and overrides ------------------------------------------------------------
printf 'run:\n  dir: [a, b\nmodel: {init: x}\n' >syntax.yaml
expect yaml "syntax.yaml:[0-9]+:[0-9]+: YAML syntax error" -- "$r1forge" config syntax.yaml
printf 'run:\n  dir: runs/x\n  sed: 3\n' >unknown.yaml
expect yaml "unknown.yaml:3:3: unknown key 'run.sed'.*did you mean 'seed'" -- "$r1forge" config unknown.yaml
printf 'stages:\n  - name: rl\n    type: grpo\n    grpo:\n      betta: 0.1\n' >unknown_deep.yaml
expect yaml "unknown_deep.yaml:5:7: unknown key 'stages\[0\]\.grpo\.betta'.*did you mean 'beta'" -- \
  "$r1forge" config unknown_deep.yaml
printf 'run:\n  seed: lots\n' >type.yaml
expect yaml "type.yaml:2:9: 'run.seed' expects an integer, found 'lots'" -- "$r1forge" config type.yaml
printf 'run: 5\n' >type_section.yaml
expect yaml "type_section.yaml:1:6: 'run' expects a section" -- "$r1forge" config type_section.yaml
printf 'stages:\n  - name: rl\n    grpo:\n      top_p: 1.5\n' >range.yaml
expect yaml "range.yaml:4:14: 'stages\[0\]\.grpo\.top_p'.*1.5" -- "$r1forge" config range.yaml
printf 'sampling:\n  temperature: 0.7\n' >moved.yaml
expect yaml "moved.yaml:2:3: unknown key 'sampling.temperature' \(generation settings moved: set temperature in each stage section that generates \(stages\[\]\.grpo" -- \
  "$r1forge" config moved.yaml
printf 'run:\n  threads: 99999\n' >range_int.yaml
expect yaml "range_int.yaml:2:12: 'run.threads'.*0\.\.4096" -- "$r1forge" config range_int.yaml
printf 'run:\n  seed: 1\n  dir: a\n  seed: 2\n' >duplicate.yaml
expect yaml "duplicate.yaml:4:3: duplicate key 'run.seed' \(first at line 2\)" -- "$r1forge" config duplicate.yaml
expect yaml "override 'run.sed=3'.*unknown key 'run.sed'.*did you mean 'seed'" -- "$r1forge" config run.yaml run.sed=3
expect yaml "override 'run.seed=abc'.*'run.seed' expects an integer" -- "$r1forge" config run.yaml run.seed=abc
expect yaml "override 'run\.seed'.*expected key=value" -- "$r1forge" config run.yaml run.seed
expect yaml "override 'stages\[0\]\.name=x'.*'a\.0', not 'a\[0\]'" -- "$r1forge" config run.yaml 'stages[0].name=x'
expect yaml "override 'stages.nope.grpo.beta=1'.*by their name: sft rl" -- "$r1forge" config run.yaml stages.nope.grpo.beta=1
sed 's/type: grpo/type: grpoo/' run.yaml >stage_type.yaml
expect yaml "stage_type.yaml:[0-9]+:[0-9]+: 'stages\[1\]\.type'.*grpoo.*grpo" -- "$r1forge" config stage_type.yaml
printf 'run:\n  dir: "caf\xe9"\n' >latin1.yaml
expect yaml "latin1.yaml:2:12: not valid UTF-8 \(byte 0xe9\)" -- "$r1forge" config latin1.yaml
printf 'run:\n  dir: a\x01b\n' >control.yaml
expect yaml "control.yaml:2:9: control character \(byte 0x1\)" -- "$r1forge" config control.yaml
python3 -c "print('run: {seed: ' + '7' * 300000 + '}')" >long_scalar.yaml  # crashed std::regex
expect yaml "long_scalar.yaml:1:13: 'run.seed' = 7+ is out of range" -- "$r1forge" config long_scalar.yaml
python3 -c "print('run: ' + '[' * 100000)" >deep.yaml
expect yaml "deep.yaml:[0-9]+:[0-9]+: YAML syntax error" -- "$r1forge" config deep.yaml
printf -- '- a\n- b\n' >list_top.yaml
expect yaml "list_top.yaml:1:1: .*(map|section)" -- "$r1forge" config list_top.yaml
expect yaml "cannot read config .*missing.yaml" -- "$r1forge" config missing.yaml
# Through the commands that write a run folder: nothing may be created for a bad config.
sed "s|dir: $work/run,|dir: $work/run_bad_key,|; s/max_steps: 1$/max_step: 1/" run.yaml >stage_key.yaml
expect yaml "stage_key.yaml:[0-9]+:[0-9]+: unknown key 'stages\[0\]\.sft\.max_step'.*max_steps" \
  "$work/run_bad_key" -- "$r1forge" stage stage_key.yaml sft
expect yaml "stage_key.yaml:[0-9]+:[0-9]+: unknown key" "$work/run_bad_key" -- "$r1forge" run stage_key.yaml
expect yaml "run.yaml: stages.1.grpo.num_generations is 1" "$work/run_ng" -- \
  "$r1forge" stage run.yaml rl run.dir="$work/run_ng" stages.rl.grpo.num_generations=1

# ---- JSONL datasets of an sft and a grpo stage -----------------------------------------------
# stage_data STAGE FILE: the stage's data path overridden to FILE, into its own run folder.
stage_data() {
  local stage="$1" file="$2" field=sft
  [ "$stage" = rl ] && field=grpo
  echo "$r1forge stage run.yaml $stage run.dir=$work/run_$(basename "$file" .jsonl) stages.$stage.$field.data.path=$work/$file"
}
final_of() { echo "$work/run_$(basename "$2" .jsonl)/stages/0$([ "$1" = rl ] && echo 2 || echo 1)-$1/final"; }
{ head -n 2 sft.jsonl; echo '{"prompt": "What is 1 plus 1?", "completion": '; tail -n 2 sft.jsonl; } >sft_broken.jsonl
expect jsonl "sft_broken.jsonl:3: invalid JSON" "$(final_of sft sft_broken.jsonl)" -- $(stage_data sft sft_broken.jsonl)
{ head -n 1 sft.jsonl; echo '{"prompt": "What is 1 plus 1?"}'; } >sft_missing.jsonl
expect jsonl "sft_missing.jsonl:2: .*completion" "$(final_of sft sft_missing.jsonl)" -- $(stage_data sft sft_missing.jsonl)
{ echo '{"prompt": "What is 1 plus 1?", "completion": 2}'; } >sft_type.jsonl
expect jsonl "sft_type.jsonl:1: no string field 'completion'" "$(final_of sft sft_type.jsonl)" -- $(stage_data sft sft_type.jsonl)
: >sft_empty.jsonl
expect jsonl "sft_empty.jsonl.*(empty|no )" "$(final_of sft sft_empty.jsonl)" -- $(stage_data sft sft_empty.jsonl)
{ head -n 1 sft.jsonl; echo '{"prompt": "big", "completion": "x", "weight": 1e400}'; } >sft_overflow.jsonl
expect jsonl "sft_overflow.jsonl:2: invalid JSON.*overflow" "$(final_of sft sft_overflow.jsonl)" -- \
  $(stage_data sft sft_overflow.jsonl)
echo '["What is 1 plus 1?", "2"]' >sft_list.jsonl
expect jsonl "sft_list.jsonl:1: .*object" "$(final_of sft sft_list.jsonl)" -- $(stage_data sft sft_list.jsonl)
{ head -n 1 prompts.jsonl; echo '{"question": "What is'; } >rl_broken.jsonl
expect jsonl "rl_broken.jsonl:2: invalid JSON" "$(final_of rl rl_broken.jsonl)" -- $(stage_data rl rl_broken.jsonl)
{ head -n 2 prompts.jsonl; echo '{"problem": "What is 1 plus 1?", "answer": "#### 2"}'; } >rl_missing.jsonl
expect jsonl "rl_missing.jsonl:3: no field 'question'" "$(final_of rl rl_missing.jsonl)" -- $(stage_data rl rl_missing.jsonl)
echo '{"question": 7, "answer": "#### 7"}' >rl_type.jsonl
expect jsonl "rl_type.jsonl:1: field 'question' must be a string, found number" "$(final_of rl rl_type.jsonl)" -- \
  $(stage_data rl rl_type.jsonl)
printf '\n  \n' >rl_empty.jsonl
expect jsonl "rl_empty.jsonl: no usable prompts" "$(final_of rl rl_empty.jsonl)" -- $(stage_data rl rl_empty.jsonl)
printf '{"question": "caf\xe9?", "answer": "#### 1"}\n' >rl_utf8.jsonl
expect jsonl "rl_utf8.jsonl:1: invalid JSON" "$(final_of rl rl_utf8.jsonl)" -- $(stage_data rl rl_utf8.jsonl)

# `r1forge run` on the same broken file: the stage fails, no final/, and pipeline_state.json (if
# written) records no finished stage.
expect jsonl "sft_broken.jsonl:3: invalid JSON" "$work/run_pipe/stages/01-sft/final" -- \
  "$r1forge" run run.yaml run.dir="$work/run_pipe" stages.sft.sft.data.path="$work/sft_broken.jsonl"
if [ -f run_pipe/pipeline_state.json ] && grep -q '"sft"' run_pipe/pipeline_state.json; then
  failures=$((failures + 1))
  echo "FAIL [jsonl]: run_pipe/pipeline_state.json names the failed stage: $(cat run_pipe/pipeline_state.json)"
fi

# ---- safetensors ---------------------------------------------------------------------------
# damage NAME PYTHON: a copy of the model whose model.safetensors bytes `data` PYTHON rewrites.
damage() {
  rm -rf "$1"
  cp -r model "$1"
  python3 - "$1/model.safetensors" "$2" <<'PY'
import json, struct, sys
path, code = sys.argv[1], sys.argv[2]
data = bytearray(open(path, "rb").read())
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
def rewrite(header):  # same length N, padded with spaces, so the data offsets stay valid
    text = json.dumps(header, separators=(",", ":")).encode()
    assert len(text) <= n, "header grew"
    data[8:8 + n] = text + b" " * (n - len(text))
exec(code)
open(path, "wb").write(bytes(data))
PY
}
logprobs_of() { echo "$r1forge logprobs --model $work/$1 --input $work/ids.jsonl --output $work/$1.out.jsonl"; }
damage st_short 'del data[5:]'
expect safetensors "st_short/model.safetensors.*(8|header|short|truncated)" "$work/st_short.out.jsonl" -- $(logprobs_of st_short)
damage st_truncated 'del data[8 + n + 100:]'
expect safetensors "st_truncated/model.safetensors" "$work/st_truncated.out.jsonl" -- $(logprobs_of st_truncated)
damage st_length 'data[0:8] = struct.pack("<Q", len(data) * 4)'
expect safetensors "st_length/model.safetensors.*header" "$work/st_length.out.jsonl" -- $(logprobs_of st_length)
damage st_garbage 'data[8:8 + 16] = b"{\"a\": [1, 2, }}}"'
expect safetensors "st_garbage/model.safetensors.*JSON" "$work/st_garbage.out.jsonl" -- $(logprobs_of st_garbage)
damage st_overlap '
names = sorted(k for k in header if k != "__metadata__")
a, b = header[names[0]], header[names[1]]
b["data_offsets"] = [a["data_offsets"][0], a["data_offsets"][0] + b["data_offsets"][1] - b["data_offsets"][0]]
rewrite(header)'
expect safetensors "st_overlap/model.safetensors.*(overlap|offset|cover|hole)" "$work/st_overlap.out.jsonl" -- \
  $(logprobs_of st_overlap)
damage st_dtype '
name = sorted(k for k in header if k != "__metadata__")[0]
header[name]["dtype"] = "Q32"
rewrite(header)'
expect safetensors "st_dtype/model.safetensors.*Q32" "$work/st_dtype.out.jsonl" -- $(logprobs_of st_dtype)
damage st_shape '
name = "model.norm.weight"
header[name]["shape"] = [header[name]["shape"][0] * 2]
rewrite(header)'
expect safetensors "st_shape/model.safetensors.*model.norm.weight" "$work/st_shape.out.jsonl" -- $(logprobs_of st_shape)
damage st_missing '
header["model.norm.weighx"] = header.pop("model.norm.weight")
rewrite(header)'
expect safetensors "model.norm.weight" "$work/st_missing.out.jsonl" -- $(logprobs_of st_missing)
damage st_empty 'del data[:]'
expect safetensors "st_empty/model.safetensors" "$work/st_empty.out.jsonl" -- $(logprobs_of st_empty)

# ---- config.json ---------------------------------------------------------------------------
# edit_config NAME PYTHON: a copy of the model whose config.json dict `c` PYTHON edits.
edit_config() {
  rm -rf "$1"
  cp -r model "$1"
  python3 - "$1/config.json" "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"))
PY
}
edit_config cj_missing 'del c["hidden_size"]'
expect config.json "cj_missing/config.json.*hidden_size" "$work/cj_missing.out.jsonl" -- $(logprobs_of cj_missing)
edit_config cj_type 'c["num_hidden_layers"] = "2"'
expect config.json "cj_type/config.json: key 'num_hidden_layers' must be an integer" "$work/cj_type.out.jsonl" -- \
  $(logprobs_of cj_type)
edit_config cj_zero 'c["num_attention_heads"] = 0'
expect config.json "cj_zero/config.json.*num_attention_heads" "$work/cj_zero.out.jsonl" -- $(logprobs_of cj_zero)
edit_config cj_float 'c["rms_norm_eps"] = "small"'
expect config.json "cj_float/config.json: key 'rms_norm_eps' must be a number" "$work/cj_float.out.jsonl" -- \
  $(logprobs_of cj_float)
edit_config cj_overflow 'pass'
sed -i 's/"rope_theta": [0-9.e+]*/"rope_theta": 1e400/' cj_overflow/config.json
expect config.json "cj_overflow/config.json: invalid JSON.*overflow" "$work/cj_overflow.out.jsonl" -- \
  $(logprobs_of cj_overflow)
edit_config cj_list 'c = [c]'
expect config.json "cj_list/config.json.*object" "$work/cj_list.out.jsonl" -- $(logprobs_of cj_list)
rm -rf cj_absent && cp -r model cj_absent && rm cj_absent/config.json
expect config.json "cj_absent.*config.json" "$work/cj_absent.out.jsonl" -- $(logprobs_of cj_absent)
python3 -c "
import json; c = json.load(open('model/config.json')); del c['vocab_size']
json.dump(c, open('init_bad.json', 'w'))"
expect config.json "init_bad.json.*vocab_size" "$work/init_out" -- "$r1forge" init-model --config init_bad.json --out init_out

# ---- tokenizer files -----------------------------------------------------------------------
head -c 200 model/tokenizer.model >tok_truncated.model
expect tokenizer "tok_truncated.model" "$work/tok1.jsonl" -- \
  "$r1forge" tokenize --tokenizer tok_truncated.model --input corpus.txt --output tok1.jsonl
head -c 4096 /dev/urandom >tok_garbage.model
expect tokenizer "tok_garbage.model" "$work/tok2.jsonl" -- \
  "$r1forge" tokenize --tokenizer tok_garbage.model --input corpus.txt --output tok2.jsonl
: >tok_empty.model
expect tokenizer "tok_empty.model" -- "$r1forge" tokenize --tokenizer tok_empty.model --input corpus.txt
mkdir -p tok_none && cp model/config.json tok_none/
expect tokenizer "tok_none.*(tokenizer.model|tokenizer file)" -- "$r1forge" tokenize --tokenizer tok_none --input corpus.txt
rm -rf tok_config && cp -r model tok_config && echo '{"bos_token": 5}' >tok_config/tokenizer_config.json
expect tokenizer "tok_config/tokenizer_config.json\"?: key bos_token must be a string" -- \
  "$r1forge" tokenize --tokenizer tok_config --input corpus.txt
rm -rf tok_config_json && cp -r model tok_config_json && echo '{"bos_token": ' >tok_config_json/tokenizer_config.json
expect tokenizer "tok_config_json/tokenizer_config.json: invalid JSON" -- \
  "$r1forge" tokenize --tokenizer tok_config_json --input corpus.txt
rm -rf tok_model && cp -r model tok_model && head -c 300 /dev/urandom >tok_model/tokenizer.model
printf '{"prompt":"What is 2 plus 3?","completion":"5"}\n' >text.jsonl
expect tokenizer "tok_model/tokenizer.model" "$work/tok_model.out.jsonl" -- \
  "$r1forge" logprobs --model tok_model --input text.jsonl --output tok_model.out.jsonl
expect tokenizer "tok_garbage.model" "$work/run_tok/stages/01-sft/final" -- \
  "$r1forge" stage run.yaml sft run.dir="$work/run_tok" model.tokenizer="$work/tok_garbage.model"

# ---- command-line flags --------------------------------------------------------------------
expect cli "unknown command 'frobnicate'; commands: run, stage" -- "$r1forge" frobnicate
expect cli "--bogus" -- "$r1forge" generate --model model --prompt hi --bogus
expect cli "--model: 1 required TEXT missing" -- "$r1forge" generate --model
expect cli "--n.*abc" "$work/cli_n.jsonl" -- "$r1forge" generate --model model --prompt hi --n abc --output cli_n.jsonl
expect cli "--max-new-tokens.*1e9x" -- "$r1forge" generate --model model --prompt hi --max-new-tokens 1e9x
expect cli "--seed: .*-3" -- "$r1forge" generate --model model --prompt hi --seed -3
expect cli "--k: Value 0 not in range" "$work/cli_eval.json" -- \
  "$r1forge" eval --model model --data prompts.jsonl --task accuracy --k 0 --output cli_eval.json
expect cli "temperature" "$work/cli_nan.json" -- "$r1forge" eval --model model --data prompts.jsonl \
  --prompt-field question --task accuracy --temperature nan --output cli_nan.json
expect cli "max_new_tokens must be in \[0, 16777216\], got 100000000000" "$work/cli_huge.jsonl" -- \
  "$r1forge" generate --model model --prompt hi --max-new-tokens 100000000000 --output cli_huge.jsonl
expect cli "name.*required|required.*name" -- "$r1forge" stage run.yaml
expect cli "missing CONFIG.yaml" -- "$r1forge" config
expect cli "--out.*required|required.*--out" -- "$r1forge" init-model --preset tiny-qwen2

echo
summary=""
for class in "${classes[@]}"; do summary="$summary $class=${class_cases[$class]}"; done
echo "cases by class:$summary"
echo "bad_input: $cases cases, $failures failures"
[ "$failures" -eq 0 ]
