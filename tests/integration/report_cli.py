#!/usr/bin/env python3
"""`r1forge report RUN_DIR` end to end on a synthetic run folder (an sft, a grpo and a
reward_model stage with metrics.jsonl files, one resumed with repeated steps): exit 0; every
plots/*.svg and every chart inlined in report.html parses as XML (Python's own parser), with
only finite numbers in its polylines and points inside its own width and height; report.md
links the SVGs that exist; report.html carries the eval table's values; the resumed stage's
chart shows the second attempt's values. Bad folders (missing, not a run folder, a corrupt
pipeline_state.json) exit non-zero naming the file and leave the report as it was. With a
second argument (the venv's python), scripts/plot_metrics.py draws the same panels as PNG.

Usage: report_cli.py R1FORGE WORKDIR [VENV_PYTHON]
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

r1forge, work = sys.argv[1], sys.argv[2]
venv_python = sys.argv[3] if len(sys.argv) > 3 else ""
repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
shutil.rmtree(work, ignore_errors=True)
run = os.path.join(work, "run")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def jsonl(path, rows):
    write(path, "".join(json.dumps(r) + "\n" for r in rows))


def report(folder):
    return subprocess.run([r1forge, "report", folder], capture_output=True, text=True)


# --- a run folder: the config, the state, three stages' files --------------------------------
write(os.path.join(run, "config.resolved.yaml"), f"""run: {{dir: /elsewhere/old-run}}
model: {{init: tiny-qwen2}}
stages:
  - name: tune
    type: sft
    sft: {{data: {{path: sft.jsonl}}}}
  - name: think
    type: grpo
    init: tune
    grpo: {{data: {{path: prompts.jsonl}}, rewards: [{{name: accuracy}}, {{name: format}}]}}
  - name: judge
    type: reward_model
    reward_model: {{data: {{path: pairs.jsonl}}}}
""")
write(os.path.join(run, "pipeline_state.json"), json.dumps({"version": 2, "stages": [
    {"name": "tune", "seconds": 12.5}, {"name": "think", "seconds": 30.25},
    {"name": "judge", "seconds": 7.0}]}))
# tune: killed after step 6 and resumed from step 4; the second attempt's loss is 0.1 lower.
tune = [{"step": s, "loss": 3.0 - 0.2 * s, "grad_norm": 1.0, "learning_rate": 1e-3,
         "tokens_per_second": 900.0} for s in range(1, 7)]
tune += [{"step": s, "loss": 2.9 - 0.2 * s, "grad_norm": 1.0, "learning_rate": 1e-3,
          "tokens_per_second": 900.0} for s in range(5, 11)]
tune[-1]["eval/loss"] = 1.5
jsonl(os.path.join(run, "stages/01-tune/metrics.jsonl"), tune)
write(os.path.join(run, "stages/01-tune/eval.json"), json.dumps(
    {"pass_at_1": 0.577, "cons_at_k": 0.6, "format_rate": 0.993, "k": 8, "problems": 200}))
think = []
for s in range(1, 61):
    row = {"step": s, "reward": 1.0 + s / 60, "reward_std": 0.4, "rewards/accuracy/mean": s / 60,
           "rewards/format/mean": 1.0, "kl": 0.001 * s, "entropy": 0.5 - s / 200,
           "clip_ratio/region_mean": 0.0, "clip_ratio/low_mean": 0.0,
           "clip_ratio/high_mean": 0.0, "completions/mean_length": 30 + s % 5,
           "completions/min_length": 10, "completions/max_length": 48,
           "completions/clipped_ratio": 0.0, "grad_norm": None if s == 30 else 0.5,
           "learning_rate": 2e-5}
    if s % 20 == 0:
        row["eval/reward"] = 1.5
        row["eval/rewards/accuracy/mean"] = 0.7
    think.append(row)
jsonl(os.path.join(run, "stages/02-think/metrics.jsonl"), think)
write(os.path.join(run, "stages/02-think/eval.json"), json.dumps(
    {"pass_at_1": 0.9625, "cons_at_k": 0.96, "format_rate": 0.995, "k": 8, "problems": 200}))
jsonl(os.path.join(run, "stages/03-judge/metrics.jsonl"),
      [{"step": s, "loss": 0.7 - 0.01 * s, "accuracy": 0.5 + 0.01 * s, "margin": 0.1 * s,
        "chosen_reward": 0.05 * s, "rejected_reward": -0.05 * s, "grad_norm": 1.0,
        "learning_rate": 5e-4, "tokens_per_second": 3000.0} for s in range(1, 21)]
      + [{"step": 20, "eval/accuracy": 0.96, "eval/loss": 0.2, "eval/margin": 2.0}])
write(os.path.join(run, "stages/03-judge/reward_model.json"),
      json.dumps({"held_out_accuracy": 0.96, "held_out_pairs": 200}))

# --- the report ---------------------------------------------------------------------------
result = report(run)
check(result.returncode == 0, f"r1forge report exit {result.returncode}: {result.stderr}")
plots = sorted(f for f in os.listdir(os.path.join(run, "plots")) if f.endswith(".svg"))
check(plots == ["01-tune.svg", "02-think.svg", "03-judge.svg"], f"plots: {plots}")


def check_svg(text, where):
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        check(False, f"{where}: not XML: {error}")
        return
    ns = "{http://www.w3.org/2000/svg}"
    check(root.tag == ns + "svg", f"{where}: root is {root.tag}")
    width, height = float(root.get("width")), float(root.get("height"))
    points = 0
    for line in root.iter(ns + "polyline"):
        for pair in line.get("points").split():
            x, y = (float(v) for v in pair.split(","))  # "nan"/"inf" would fail the check below
            check(0 <= x <= width and 0 <= y <= height, f"{where}: point {pair} outside")
            points += 1
    check(points > 0, f"{where}: no polyline points")


for name in plots:
    with open(os.path.join(run, "plots", name), encoding="utf-8") as f:
        check_svg(f.read(), name)
markdown = open(os.path.join(run, "report.md"), encoding="utf-8").read()
for name in plots:
    check(f"](plots/{name})" in markdown, f"report.md does not embed plots/{name}")
check(f"Run folder: `{run}`" in markdown, "report.md names the folder it was given")
check("| judge | reward_model | 7.0 |" in markdown, "report.md table row for judge")
html = open(os.path.join(run, "report.html"), encoding="utf-8").read()
inline = re.findall(r"<svg xmlns=.*?</svg>", html, flags=re.S)
check(len(inline) == 3, f"report.html inlines {len(inline)} charts")
for i, svg in enumerate(inline):
    check_svg(svg, f"report.html chart {i + 1}")
for cell in ("<td>57.7%</td>", "<td>96.2%</td>", "<td>99.5%</td>", "<td>30.2</td>",
             "held-out pair accuracy 96.0% over 200 pairs"):
    check(cell in html, f"report.html lacks {cell}")
check("<script" not in html and "<link" not in html, "report.html fetches or runs nothing")
# The resumed stage: the second attempt's loss at step 5 is 2.9 - 1.0 = 1.9 and 10 steps in all.
panels = json.load(open(os.path.join(run, "plots/panels.json")))
check([s["name"] for s in panels["stages"]] == ["tune", "think", "judge"], "panels.json stages")
tune_svg = open(os.path.join(run, "plots/01-tune.svg"), encoding="utf-8").read()
check("tune (sft, 10 steps)" in tune_svg, "the resumed stage counts 10 steps")
think_titles = [p["title"] for p in panels["stages"][1]["panels"]]
check("KL to reference" in think_titles, f"grpo panels: {think_titles}")

# --- bad folders: non-zero exit, the file named, the report untouched --------------------
def digest(folder):
    return {f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest()
            for f in ("report.md", "report.json", "report.html")}


before = digest(run)
result = report(os.path.join(work, "missing"))
check(result.returncode != 0 and "missing: no such folder" in result.stderr,
      f"missing folder: {result.returncode} {result.stderr}")
os.makedirs(os.path.join(work, "empty"))
result = report(os.path.join(work, "empty"))
check(result.returncode != 0 and "config.resolved.yaml: not found" in result.stderr,
      f"not a run folder: {result.returncode} {result.stderr}")
state = os.path.join(run, "pipeline_state.json")
good_state = open(state).read()
write(state, good_state[: len(good_state) // 2])
result = report(run)
check(result.returncode != 0 and "pipeline_state.json" in result.stderr,
      f"corrupt state: {result.returncode} {result.stderr}")
check(digest(run) == before, "a failed report changed the report files")
write(state, good_state)

# --- the PNG twin -------------------------------------------------------------------------
if venv_python:
    out = os.path.join(work, "png")
    result = subprocess.run([venv_python, os.path.join(repo, "scripts/plot_metrics.py"), run,
                             "--out", out, "--dpi", "60"], capture_output=True, text=True)
    check(result.returncode == 0, f"plot_metrics.py: {result.stderr}")
    for name in plots:
        png = os.path.join(out, name.replace(".svg", ".png"))
        check(os.path.exists(png) and open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n",
              f"{png} is not a PNG")
    result = subprocess.run([venv_python, os.path.join(repo, "scripts/plot_metrics.py"),
                             os.path.join(work, "empty")], capture_output=True, text=True)
    check(result.returncode != 0 and "panels.json: not found" in result.stderr,
          f"plot_metrics.py on a folder without panels.json: {result.stderr}")

print("FAILED" if failures else "report CLI checks pass", len(failures) or "")
sys.exit(1 if failures else 0)
