#!/usr/bin/env python3
"""Every committed config (configs/**/*.yaml) runs end to end at toy scale through `r1forge run`.

A recipe must never ship that crashes after its first rollout, so each config is run as it is
written, with only its scale shrunk by command-line overrides read off its resolved form
(`r1forge config CONFIG`): a one-layer model (a tiny-qwen2 preset where it names a real model or
preset), a toy SentencePiece tokenizer where its tokenizer does not exist here and make_data
does not make it, one or two steps and a few prompts per stage, short completions, small
make_data sizes. Input files that neither make_data nor an earlier stage makes are written as
small JSONL files holding every field name the config declares for them (prompt_field,
completion_field, text_field, the rewards' answer_field) plus the defaults, and model folders
that come from elsewhere (a distillation teacher folder) are made with `r1forge init-model`.
Every relative path is made absolute under the config's own work folder. The run must exit 0
and leave each stage's outputs: final/ for model stages, data.jsonl for rejection sampling,
eval.json for an eval: section, a metrics line per GRPO step, and the make_data stamp.
A config whose model.init is a folder that make_real_recipe_inputs.py makes (the real-scale
recipes' models/Qwen2.5-1.5B) runs on those real inputs instead: a tiny random Qwen2.5 folder
with Qwen's real tokenizer.json and chat template, and Parquet data in the Hub's layouts at the
config's own paths; only its scale is shrunk, its model, tokenizer and data are used as written.
A config without stages (configs/tiny/base.yaml, a starting point) is validated only.
Usage: every_config.py R1FORGE CONFIGS_DIR WORK_DIR TESTDATA_DIR [NAME_SUBSTRING]
Not here: the pipeline's own checks at the configs' real scale (pipeline_smoke.sh, the demo).
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

TINY_SHAPE = {"vocab_size": 0, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
              "num_attention_heads": 2, "num_key_value_heads": 1,
              "max_position_embeddings": 1024}  # R1-Zero's template is ~400 toy tokens
TOY_VOCAB = 64
R1_TAGS = "<think>,</think>,<answer>,</answer>"
# make_data sizes at most these (configs/tiny/smoke.yaml's): the toy tokenizer still trains.
SMALL_TASK_ROWS = {"arithmetic": 2000, "corpus": 4000, "instructions": 400, "countdown": 400,
                   "preferences": 400}
# Scale keys anywhere in a stage's sections -> the toy value (the value is kept when smaller
# and non-zero, except where 0 means "all").
SCALE = {"max_steps": 1, "num_epochs": 1, "batch_size": 2, "micro_batch_size": 2,
         "mini_batch_size": 4, "prompts_per_step": 2, "num_generations": 2,
         "max_completion_length": 8, "max_new_tokens": 8, "max_length": 512, "max_prompts": 4,
         "max_examples": 8, "max_problems": 2, "num_samples": 2, "prompts_per_batch": 4}
ZERO_MEANS_ALL = {"max_prompts", "max_examples", "max_problems", "max_steps"}
# Rewards that score every completion (never none): rejection sampling accepts on one of them
# at toy scale, where nothing is correct, so the stages after it get rows to train on.
ALWAYS_SCORED = ("tag_count", "format", "repetition", "length", "soft_overlong")


def flow(value):
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()


def toy_row(index, fields):
    """One arithmetic row with every role's field: prompt, completion, text and gold answers."""
    rng = random.Random(index)
    a, b, c = rng.randint(1, 9), rng.randint(1, 9), rng.randint(1, 9)
    s1, s2 = a + b, a + b + c
    values = {"prompt": f"{a}+{b}+{c}", "completion": f"<think>{a}+{b}={s1} {s1}+{c}={s2} </think>"
              f"<answer>{s2}</answer>", "text": f"{a}+{b}+{c}: {a}+{b}={s1} {s1}+{c}={s2} = {s2}",
              "answer": str(s2)}
    row = {}
    for field, role in fields.items():
        row[field] = values[role] if role != "gold" else f"{a}+{b}+{c} = \\boxed{{{s2}}}"
    row.update({k: values[k] for k in ("prompt", "completion", "text", "answer")})
    return row


def write_toy_jsonl(path, fields, rows=16):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out:
        for i in range(rows):
            out.write(json.dumps(toy_row(i, fields)) + "\n")


def walk(node, prefix=""):
    """(dotted key, value, parent dict) for every entry under node; list items by index."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield f"{prefix}{key}", value, node
            yield from walk(value, f"{prefix}{key}.")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{prefix}{i}.")


class ConfigRun:
    def __init__(self, r1forge, config, work, toy_tokenizer, real_inputs):
        self.r1forge, self.config, self.work, self.toy_tokenizer = r1forge, config, work, toy_tokenizer
        self.real_inputs = real_inputs  # folder made by make_real_recipe_inputs.py
        self.overrides, self.toy_files, self.teachers = [], {}, []
        self.real = False  # set by plan(): the config runs on the real inputs

    def real_input(self, path):
        """The real input at this config-relative path, or None."""
        if os.path.isabs(path):
            return None
        matches = list(self.real_inputs.glob(path))
        return matches[0] if matches else None

    def absolute(self, path):
        return str(path if os.path.isabs(path) else (self.work / path).resolve())

    def made_by_make_data(self, path):
        md = self.resolved.get("make_data")
        if not md:
            return False
        base = Path(self.absolute(md["dir"]))
        made = [base / t["folder"] / f if t["folder"] else base / t["task"] / f
                for t in md["tasks"]
                for f in (["corpus.jsonl"] if t["task"] == "corpus" else ["train.jsonl", "test.jsonl"])]
        made += [base / m["file"] for m in md["mixes"]]
        if md.get("tokenizer"):
            made.append(base / md["tokenizer"]["folder"])
        return Path(self.absolute(path)) in made

    def set(self, key, value):
        self.overrides.append(f"{key}={value if isinstance(value, str) else flow(value)}")

    def plan(self):
        cfg = self.resolved
        self.set("run.dir", str(self.work / "run"))
        self.set("run.threads", 1)
        self.set("model.dtype", "float32")
        self.set("model.device", "cpu")
        self.real = self.real_input(cfg["model"]["init"]) is not None
        self.vocab = TOY_VOCAB
        tokenizer = cfg["model"]["tokenizer"]
        if self.real:  # model folder, tokenizer and data as written (relative to the work folder)
            for entry in self.real_inputs.iterdir():
                (self.work / entry.name).symlink_to(entry)
        else:
            self.set("model.architecture", TINY_SHAPE)
            if not cfg["model"]["init"].startswith("tiny-"):
                self.set("model.init", "tiny-qwen2")
            if tokenizer and self.made_by_make_data(tokenizer):
                self.set("model.tokenizer", self.absolute(tokenizer))
                self.vocab = cfg["make_data"]["tokenizer"]["vocab_size"]
            else:
                self.set("model.tokenizer", str(self.toy_tokenizer))
        if "max_batch_size" in cfg.get("sampling", {}):
            self.set("sampling.max_batch_size", 16)
        if cfg.get("make_data"):
            self.plan_make_data(cfg["make_data"])
        names = [s["name"] for s in cfg["stages"]]
        for stage in cfg["stages"]:
            self.plan_stage(stage, names)

    def plan_make_data(self, md):
        self.set("make_data.dir", self.absolute(md["dir"]))
        for i, task in enumerate(md["tasks"]):
            cap = SMALL_TASK_ROWS.get(task["task"], 400)
            self.set(f"make_data.tasks.{i}.train", min(task["train"], cap))
            self.set(f"make_data.tasks.{i}.test", min(task["test"], 20))
        for i, mix in enumerate(md["mixes"]):
            for p, part in enumerate(mix["parts"]):
                if part["max_rows"] > 100:
                    self.set(f"make_data.mixes.{i}.parts.{p}.max_rows", 100)

    def plan_stage(self, stage, names):
        name = stage["name"]
        key = f"stages.{name}"
        if stage["init"] != "base" and stage["init"] not in names:
            self.set(f"{key}.init", "tiny-qwen2")  # a real model or preset: a tiny one here
            self.set(f"{key}.architecture", TINY_SHAPE)
        distill = stage.get("distill") or {}
        if distill.get("teacher") and distill["teacher"] not in names:
            teacher = self.absolute(distill["teacher"])
            self.teachers.append(teacher)
            self.set(f"{key}.distill.teacher", teacher)
        answer_fields = {v for k, v, _ in walk(stage) if k.endswith(".answer_field")}
        # distill's generation keys are errors unless the student samples (on: student_samples
        # with a logit term): leave them at their defaults otherwise.
        student_samples = distill.get("on") == "student_samples" and distill.get("logit_weight")
        for path, value, parent in list(walk(stage)):
            leaf = path.rsplit(".", 1)[-1]
            if path.startswith("distill.") and leaf in SCALE and not student_samples:
                continue
            if leaf in SCALE and isinstance(value, int) and not isinstance(value, bool):
                toy = SCALE[leaf]
                if value > toy or (value == 0 and leaf in ZERO_MEANS_ALL):
                    self.set(f"{key}.{path}", toy)
            is_path = leaf == "path" or (leaf.endswith("_path") and len(leaf) > 5)
            if is_path and isinstance(value, str) and value and not value.startswith("@"):
                self.set(f"{key}.{path}", self.absolute(value))
                if self.real and self.real_input(value):
                    continue  # the real recipe's own data file
                if not self.made_by_make_data(value):
                    fields = self.toy_files.setdefault(self.absolute(value), {})
                    for role in ("prompt", "completion", "text"):
                        if isinstance(parent.get(f"{role}_field"), str):
                            fields[parent[f"{role}_field"]] = role
                    for field in answer_fields:
                        fields.setdefault(field, "answer" if field == "answer" else "gold")
        rs = stage.get("rejection_sampling")
        if rs:
            labels = [r["label"] or r["name"] for r in rs["rewards"]]
            always = [l for r, l in zip(rs["rewards"], labels) if r["name"] in ALWAYS_SCORED]
            assert always, f"{name}: no reward that always scores among {labels}; cannot accept"
            self.set(f"{key}.rejection_sampling.accept",
                     {"correct_reward": always[0], "min_score": -1e6, "require_format": ""})
            self.set(f"{key}.rejection_sampling.filters",
                     {"max_foreign_letter_share": 1.0, "reject_truncated": False,
                      "max_repeated_ngram_share": 1.0, "reject_code_in_thinking": False,
                      "max_tokens": 0})

    def make_inputs(self):
        for path, fields in self.toy_files.items():
            write_toy_jsonl(Path(path), fields)
        for teacher in self.teachers:
            subprocess.run([self.r1forge, "init-model", "--preset", "tiny-qwen2", "--vocab-size",
                            str(self.vocab), "--out", teacher], check=True, capture_output=True)

    def check_outputs(self):
        run = self.work / "run"
        state = json.loads((run / "pipeline_state.json").read_text())
        names = [s["name"] for s in self.resolved["stages"]]
        assert [s["name"] for s in state["stages"]] == names, state
        report = json.loads((run / "report.json").read_text())
        assert [s["name"] for s in report["stages"]] == names, report
        for i, stage in enumerate(self.resolved["stages"], start=1):
            folder = run / "stages" / f"{i:02d}-{stage['name']}"
            if stage["type"] == "rejection_sampling":
                assert (folder / "data.jsonl").stat().st_size > 0, folder
            elif stage["type"] != "eval":
                tokenizer = "tokenizer.json" if self.real else "tokenizer.model"
                for f in ("config.json", "model.safetensors", tokenizer):
                    assert (folder / "final" / f).exists(), (folder, f)
            if stage["type"] == "grpo":
                steps = [json.loads(l)["step"] for l in open(folder / "metrics.jsonl")]
                assert steps and steps[-1] >= 1, (folder, steps)
            if stage.get("eval"):
                ev = json.loads((folder / "eval.json").read_text())
                assert 0.0 <= ev["pass_at_1"] <= 1.0, ev
        md = self.resolved.get("make_data")
        if md:
            assert (Path(self.absolute(md["dir"])) / "make_data.json").exists()

    def run(self):
        text = subprocess.run([self.r1forge, "config", str(self.config)], check=True,
                              capture_output=True, text=True).stdout
        self.resolved = yaml.safe_load(text)
        if not self.resolved.get("stages"):
            return "validated (no stages)"
        self.plan()
        self.make_inputs()
        log = self.work / "run.log"
        with open(log, "w") as out:
            out.write(" ".join([self.r1forge, "run", str(self.config)] + self.overrides) + "\n")
            out.flush()
            code = subprocess.run([self.r1forge, "run", str(self.config)] + self.overrides,
                                  cwd=self.work, stdout=out, stderr=subprocess.STDOUT).returncode
        if code != 0:
            tail = log.read_text().splitlines()[-25:]
            raise AssertionError(f"r1forge run exited {code}; {log}:\n" + "\n".join(tail))
        self.check_outputs()
        return f"{len(self.resolved['stages'])} stages"


# English for the toy tokenizer, so prompt templates (R1-Zero's) tokenize into pieces, not <unk>.
TOY_ENGLISH = ("A conversation between User and Assistant. The user asks a question, and the "
               "Assistant solves it. The assistant first thinks about the reasoning process in "
               "the mind and then provides the user with the answer. What is the sum of these "
               "numbers? Reverse the list, sort the words, count the letters.")


def make_toy_tokenizer(r1forge, work):
    corpus = work / "toy-tokenizer.jsonl"
    write_toy_jsonl(corpus, {}, rows=400)
    with open(corpus, "a") as out:
        for sentence in TOY_ENGLISH.split(". "):
            out.write(json.dumps({"text": sentence}) + "\n")
    out = work / "toy-tokenizer"
    subprocess.run([r1forge, "train-tokenizer", "--input", str(corpus), "--jsonl-field", "text",
                    "--jsonl-field", "completion", "--out", str(out), "--vocab-size", str(TOY_VOCAB),
                    "--split-digits", "--user-symbols", R1_TAGS], check=True, capture_output=True)
    return out


def main():
    r1forge, configs_dir, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    testdata = Path(sys.argv[4])
    only = sys.argv[5] if len(sys.argv) > 5 else ""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    toy_tokenizer = make_toy_tokenizer(r1forge, work)
    real_inputs = work / "real-inputs"
    subprocess.run([sys.executable, str(Path(__file__).parent / "make_real_recipe_inputs.py"),
                    str(real_inputs), str(testdata)], check=True, capture_output=True)
    configs = sorted(p for p in configs_dir.rglob("*.yaml") if only in str(p))
    assert configs, f"no configs under {configs_dir}"
    failures = 0
    for config in configs:
        name = str(config.relative_to(configs_dir))
        config_work = work / name.replace("/", "_").removesuffix(".yaml")
        config_work.mkdir()
        start = time.time()
        try:
            result = ConfigRun(r1forge, config.resolve(), config_work, toy_tokenizer,
                               real_inputs).run()
            print(f"ok    {name:40s} {result:22s} {time.time() - start:6.1f} s", flush=True)
        except (AssertionError, subprocess.CalledProcessError, OSError, KeyError) as error:
            failures += 1
            detail = getattr(error, "stderr", None) or error
            print(f"FAIL  {name:40s} {time.time() - start:6.1f} s\n{detail}", flush=True)
    print(f"{len(configs) - failures} of {len(configs)} committed configs ran end to end")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
