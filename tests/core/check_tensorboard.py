"""Reads r1forge's TensorBoard event files back with TensorBoard's own reader.

The C++ side is tests/core/tools/tensorboard_tool (TensorBoardWriter and the MetricsWriter hook);
this script makes up the steps, feeds them to it, then checks:
  - the file name: events.out.tfevents.<whole seconds of the first wall_time>.<hostname>.<pid>;
  - every record passes TensorBoard's CRC checks (a bad record ends its reading early, so the
    event count would be short) and decodes as an Event proto: file_version first, then one Event
    per step with a storable value, with exact step, wall_time (double) and tags in name order;
  - EventAccumulator's scalars: the tag set, and per tag the steps, wall times and values equal
    to float32(value); NaN, +-inf and values beyond float32's range are absent;
  - the same through plugin_event_accumulator (simple_value migrated to scalars-plugin tensors,
    the path the current dashboard reads).
Not here: the byte-level vectors (tests/core/test_tensorboard.cpp).
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

from tensorboard.backend.event_processing import (
    event_accumulator,
    event_file_loader,
    plugin_event_accumulator,
)
from tensorboard.util import tensor_util

FLOAT32_MAX = struct.unpack("<f", bytes.fromhex("ffff7f7f"))[0]
FILE_WALL_TIME = 1700000000.75


def float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def storable(x):
    return math.isfinite(x) and abs(x) <= FLOAT32_MAX


def make_steps():
    """Steps with sparse tags, special values and awkward numbers; strictly increasing steps."""
    rng = random.Random(20240611)
    steps = []
    step_numbers = [0, 1, 2, 3, 5, 8, 13, 100, 1000, 123456, 2**33 + 7, 2**62]
    for i, step in enumerate(step_numbers):
        values = {
            "loss": rng.gauss(0, 1) * 10 ** rng.randint(-8, 8),
            "reward": rng.random(),
            "rewards/accuracy/mean": rng.choice([0.0, 0.1, 1 / 3, 2 / 3, 1.0]),
            "clip_ratio/low_mean": -rng.random() * 1e-3,
        }
        if i % 4 == 0:
            values["eval/pass@1"] = rng.random()  # only every 4th step
        steps.append({"step": step, "wall_time": FILE_WALL_TIME + 1.25 * i + rng.random() / 7,
                      "values": values})
    # Values TensorBoard cannot store, alone and mixed with good ones.
    steps[2]["values"]["kl"] = "nan"
    steps[3]["values"]["kl"] = "inf"
    steps[4]["values"]["kl"] = "-inf"
    steps[5]["values"]["kl"] = 1e39  # finite double, too large for float32
    steps[6]["values"]["kl"] = 1e-42  # a float32 subnormal: stored
    steps[7]["values"]["kl"] = -FLOAT32_MAX  # the edge: stored
    steps[8]["values"] = {"kl": "nan", "loss": "inf"}  # nothing storable: no Event at all
    return steps


def as_float(v):
    return float(v) if isinstance(v, str) else v


def expected_scalars(steps):
    """tag -> [(step, wall_time, float32 value)] for the storable values."""
    out = {}
    for s in steps:
        for tag, v in s["values"].items():
            v = as_float(v)
            if storable(v):
                out.setdefault(tag, []).append((s["step"], s["wall_time"], float32(v)))
    return out


def run_tool(tool, args, steps):
    stdin = "".join(json.dumps(s) + "\n" for s in steps)
    done = subprocess.run([tool] + args, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"tensorboard_tool {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def check(condition, message):
    if not condition:
        sys.exit("FAIL: " + message)


def check_folder(folder, path, steps, wall_times_exact):
    files = [f for f in os.listdir(folder) if "tfevents" in f]
    check(files == [os.path.basename(path)], f"{folder}: expected one events file, found {files}")
    name = re.fullmatch(r"events\.out\.tfevents\.(\d+)\.(.+)\.(\d+)", os.path.basename(path))
    check(name is not None and name.group(2) == socket.gethostname(), f"bad file name {path}")

    # Raw records through TensorBoard's loader (CRC-checked by its record reader), as written.
    events = list(event_file_loader.LegacyEventFileLoader(path).Load())
    written = [s for s in steps if any(storable(as_float(v)) for v in s["values"].values())]
    check(len(events) == 1 + len(written),
          f"{path}: {len(events)} events read, expected {1 + len(written)} (a record failed?)")
    check(events[0].file_version == "brain.Event:2", f"first event: {events[0]}")
    check(not events[0].HasField("summary"), "file_version event carries a summary")
    if wall_times_exact:
        check(int(name.group(1)) == int(FILE_WALL_TIME), f"file name seconds in {path}")
        check(events[0].wall_time == FILE_WALL_TIME, f"file_version wall_time {events[0].wall_time}")
    for event, s in zip(events[1:], written):
        check(event.step == s["step"], f"step {event.step} != {s['step']}")
        if wall_times_exact:
            check(event.wall_time == s["wall_time"], f"step {s['step']}: wall_time {event.wall_time}")
        tags = [v.tag for v in event.summary.value]
        want = sorted(t for t, v in s["values"].items() if storable(as_float(v)))
        check(tags == want, f"step {s['step']}: tags {tags} != {want}")
        for v in event.summary.value:
            check(v.HasField("simple_value"), f"step {s['step']} {v.tag}: no simple_value")

    # What TensorBoard's scalar dashboard would show.
    acc = event_accumulator.EventAccumulator(folder, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    want = expected_scalars(steps)
    got_tags = sorted(acc.Tags()[event_accumulator.SCALARS])
    check(got_tags == sorted(want), f"scalar tags {got_tags} != {sorted(want)}")
    for tag, rows in want.items():
        got = acc.Scalars(tag)
        check([e.step for e in got] == [r[0] for r in rows], f"{tag}: steps {[e.step for e in got]}")
        check([e.value for e in got] == [r[2] for r in rows],
              f"{tag}: values {[e.value for e in got]} != {[r[2] for r in rows]}")
        if wall_times_exact:
            check([e.wall_time for e in got] == [r[1] for r in rows], f"{tag}: wall times")

    # The path today's dashboard reads: simple_value migrated to a scalars-plugin tensor.
    acc = plugin_event_accumulator.EventAccumulator(folder, size_guidance={"tensors": 0})
    acc.Reload()
    check(sorted(acc.Tags()["tensors"]) == sorted(want), f"tensor tags {acc.Tags()['tensors']}")
    for tag, rows in want.items():
        check(acc.SummaryMetadata(tag).plugin_data.plugin_name == "scalars", f"{tag}: plugin")
        got = [(e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)]
        check(got == [(r[0], r[2]) for r in rows], f"{tag}: migrated scalars {got}")
    count = sum(len(r) for r in want.values())
    return len(events), count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", required=True, help="path of the built tensorboard_tool")
    parser.add_argument("--workdir", required=True, help="scratch folder (emptied first)")
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    steps = make_steps()

    folder = os.path.join(args.workdir, "writer")
    path = run_tool(args.tool, ["write", folder, repr(FILE_WALL_TIME)], steps)
    events, scalars = check_folder(folder, path, steps, wall_times_exact=True)
    print(f"writer: {events} events, {scalars} scalars read back exactly")

    folder = os.path.join(args.workdir, "metrics")
    started = time.time()
    path = run_tool(args.tool, ["metrics", folder], steps)
    events, scalars = check_folder(folder, path, steps, wall_times_exact=False)
    loaded = list(event_file_loader.LegacyEventFileLoader(path).Load())
    times = [e.wall_time for e in loaded]
    check(times == sorted(times) and started - 1 <= times[0] and times[-1] <= time.time() + 1,
          f"metrics: wall times {times} not 'now'")
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        check(len(f.readlines()) == len(steps), "metrics.jsonl: one line per step")
    print(f"metrics hook: {events} events, {scalars} scalars read back exactly")
    print("OK")


if __name__ == "__main__":
    main()
