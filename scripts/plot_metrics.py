#!/usr/bin/env python3
"""Draws a run's training curves as PNG with matplotlib, for papers and slides.

Usage: plot_metrics.py RUN_DIR [--out DIR] [--stage NAME ...] [--dpi N]
  (python: the project venv, `$(bash scripts/setup.sh | tail -n1)/bin/python`)

The panels are the ones r1forge draws into its report (src/pipeline/stage_plots.cpp chooses
them): this script reads RUN_DIR/plots/panels.json, which `r1forge run` and `r1forge report
RUN_DIR` write, and draws each listed stage's metrics.jsonl the same way: the same series,
colors and bands, held-out values dashed with dots, and with many steps a faint raw line under
TensorBoard's debiased moving average (weight 1 - 20/points, at most 0.95). A resumed stage's
repeated steps are read as r1forge reads them: a step at or below one already read drops the
lines from that step on. Writes OUT/<NN-stage>.png (default OUT: RUN_DIR/plots).
Not here: choosing panels (the C++ does, once), the HTML report (report.html).
"""
import argparse
import json
import math
import os
import sys

SMOOTHING_MIN_POINTS = 40  # core/svg_chart.h kChartSmoothingMinPoints


def fail(message):
    print(f"plot_metrics.py: error: {message}", file=sys.stderr)
    sys.exit(2)


def read_history(path):
    """{metric: ([steps], [values])} with r1forge's restart rule; null -> nan."""
    lines = {}  # step -> values, insertion order = step order after restarts
    with open(path, encoding="utf-8") as f:
        for text in f:
            if not text.strip():
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError:
                continue  # a torn line: r1forge skips it too
            step = row.get("step") if isinstance(row, dict) else None
            if not isinstance(step, (int, float)) or isinstance(step, bool) or not math.isfinite(step):
                continue
            for later in [s for s in lines if s >= step]:
                del lines[later]
            lines[step] = {k: (float(v) if isinstance(v, (int, float)) and not isinstance(v, bool)
                               else math.nan) for k, v in row.items() if k != "step"}
    history = {}
    for step in sorted(lines):
        for key, value in lines[step].items():
            steps, values = history.setdefault(key, ([], []))
            steps.append(step)
            values.append(value)
    return history


def smoothing_weight(count):
    return min(max(1.0 - 20.0 / count, 0.0), 0.95) if count else 0.0


def ema(values, weight):
    """TensorBoard's debiased EMA; non-finite values pass through."""
    out, last, n = [], 0.0, 0
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        last = last * weight + (1.0 - weight) * v
        n += 1
        out.append(last / (1.0 - weight ** n) if weight < 1.0 else last)
    return out


def at_steps(history, key, steps):
    by_step = dict(zip(*history[key]))
    return [by_step.get(s, math.nan) for s in steps]


def constant_of(values):
    finite = {v for v in values if math.isfinite(v)}
    return finite.pop() if len(finite) == 1 and sum(map(math.isfinite, values)) > 1 else None


def draw_panel(ax, panel, history):
    smoothing = 0.0
    for series in panel["series"]:
        finite = sum(1 for v in history[series["key"]][1] if math.isfinite(v))
        if series["smooth"] and not series["held_out"] and finite >= SMOOTHING_MIN_POINTS:
            smoothing = max(smoothing, smoothing_weight(finite))
    for band in panel["bands"]:
        if "center" in band:
            steps, center = history[band["center"]]
            spread = at_steps(history, band["spread"], steps)
            low = [c - s for c, s in zip(center, spread)]
            high = [c + s for c, s in zip(center, spread)]
        else:
            steps, low = history[band["low"]]
            high = at_steps(history, band["high"], steps)
        if smoothing:  # smoothed with the panel's lines, or its noise hides them
            low, high = ema(low, smoothing), ema(high, smoothing)
        ax.fill_between(steps, low, high, color=band["color"], alpha=0.15, linewidth=0,
                        label=band["label"] or None)
    for series in panel["series"]:
        steps, values = history[series["key"]]
        finite = sum(1 for v in values if math.isfinite(v))
        label = series["label"]
        constant = constant_of(values)
        if constant is not None:  # series at one constant hide each other: say so
            label += f" (constant {constant:.3g})"
        style = dict(color=series["color"], label=label)
        if series["held_out"]:
            ax.plot(steps, values, linestyle="--", marker="o", markersize=4, linewidth=1.4, **style)
            last = max((i for i, v in enumerate(values) if math.isfinite(v)), default=None)
            if last is not None:
                ax.annotate(f"{values[last]:.3g}", (steps[last], values[last]), fontsize=8,
                            color=series["color"], xytext=(-4, 5), textcoords="offset points",
                            ha="right")
        elif series["smooth"] and finite >= SMOOTHING_MIN_POINTS:
            weight = smoothing_weight(finite)
            ax.plot(steps, values, color=series["color"], alpha=0.25, linewidth=0.9)
            ax.plot(steps, ema(values, weight), linewidth=1.8, **style)
        else:
            ax.plot(steps, values, linewidth=1.6, marker="o" if finite == 1 else None, **style)
    ax.set_title(panel["title"], loc="left", fontsize=11, fontweight="bold")
    if smoothing:
        ax.set_title(f"EMA {smoothing:.2f}", loc="right", fontsize=8,
                     color="#888")
    ax.set_xlabel("step", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, color="#eee", linewidth=0.8)
    # y limits as the SVG charts set them: the data, 0 and 1 where the panel asks, an all-zero
    # series on [0, 1], and 4% room so a line at an edge stays clear of the frame.
    finite = [v for line in ax.get_lines() for v in line.get_ydata() if math.isfinite(v)]
    for collection in ax.collections:
        finite += [v for path in collection.get_paths() for v in path.vertices[:, 1]
                   if math.isfinite(v)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    if panel["y_from_zero"] or panel["y_unit_interval"]:
        low = min(low, 0.0)
    if panel["y_from_zero"]:
        high = max(high, 0.0)
    if panel["y_unit_interval"]:
        high = max(high, 1.0)
    if panel["y_from_zero"] and low == high == 0.0:
        high = 1.0
    if low == high:
        low, high = (low - 1.0, high + 1.0) if low == 0.0 else (low * 0.9, high * 1.1)
        low, high = min(low, high), max(low, high)
    span = high - low
    ax.set_ylim(low - 0.04 * span, high + 0.04 * span)
    if 0 < max(abs(low), abs(high)) < 1e-3 or max(abs(low), abs(high)) >= 1e6:
        # Learning rates: scientific labels on the ticks rather than an offset over the title.
        from matplotlib.ticker import FuncFormatter
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "0" if v == 0 else f"{v:.3g}"))
    has_constant = any(constant_of(history[s["key"]][1]) is not None for s in panel["series"])
    if len(panel["series"]) + sum(1 for b in panel["bands"] if b["label"]) > 1 or has_constant:
        ax.legend(fontsize=8, loc="best", framealpha=0.85, edgecolor="none")


def columns_for(count):
    """core/svg_chart.cpp's choice: up to 4 in a row, else 3 or 4, fewer empty slots."""
    if count <= 4:
        return max(count, 1)
    return 4 if (4 - count % 4) % 4 < (3 - count % 3) % 3 else 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--out", help="output folder (default RUN_DIR/plots)")
    parser.add_argument("--stage", action="append", help="only this stage (repeatable)")
    parser.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args()

    panels_file = os.path.join(args.run_dir, "plots", "panels.json")
    if not os.path.exists(panels_file):
        fail(f"{panels_file}: not found; `r1forge report {args.run_dir}` writes it")
    try:
        with open(panels_file, encoding="utf-8") as f:
            listing = json.load(f)
        stages = listing["stages"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        fail(f"{panels_file}: not a panels list ({error}); rerun `r1forge report {args.run_dir}`")
    if args.stage:
        unknown = set(args.stage) - {s["name"] for s in stages}
        if unknown:
            fail(f"{panels_file}: no chart for stage(s) {sorted(unknown)}; charted: "
                 f"{[s['name'] for s in stages]}")
        stages = [s for s in stages if s["name"] in args.stage]

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = args.out or os.path.join(args.run_dir, "plots")
    os.makedirs(out, exist_ok=True)
    for stage in stages:
        metrics = os.path.join(args.run_dir, stage["metrics"])
        if not os.path.exists(metrics):
            fail(f"{metrics}: not found (named in {panels_file})")
        history = read_history(metrics)
        panels = [p for p in stage["panels"] if all(s["key"] in history for s in p["series"])]
        if not panels:
            continue
        columns = columns_for(len(panels))
        rows = (len(panels) + columns - 1) // columns
        fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.2 * rows), squeeze=False)
        for ax, panel in zip(axes.flat, panels):
            draw_panel(ax, panel, history)
        for ax in list(axes.flat)[len(panels):]:
            ax.axis("off")
        steps = max(len(steps) for steps, _ in history.values())
        fig.suptitle(f"{stage['name']} ({stage['type']}, {steps} steps)", x=0.01, ha="left",
                     fontsize=13, fontweight="bold")
        fig.tight_layout()
        target = os.path.join(out, os.path.splitext(os.path.basename(stage["svg"]))[0] + ".png")
        fig.savefig(target, dpi=args.dpi)
        plt.close(fig)
        print(target)


if __name__ == "__main__":
    main()
