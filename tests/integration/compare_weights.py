#!/usr/bin/env python3
"""Compares the final weights of two r1forge run folders stage by stage, within a tolerance:
for data-parallel runs, whose gradients are summed in another order than one process's, so
equal up to float rounding rather than byte for byte. Pure Python (no numpy): safetensors is
an 8-byte header length, a JSON header, then the raw little-endian tensors.
Usage: compare_weights.py REFERENCE_RUN TRIAL_RUN TOLERANCE [STAGE_FOLDER ...]
(default: every stage folder with a final/model.safetensors). Prints each stage's largest
absolute difference; exit 1 when one exceeds TOLERANCE or a tensor is missing or reshaped."""
import array
import json
import os
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_length])
    base = 8 + header_length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {info['dtype']}; only F32 is compared")
        start, end = info["data_offsets"]
        values = array.array("f")
        values.frombytes(data[base + start:base + end])
        if sys.byteorder != "little":
            values.byteswap()
        tensors[name] = (info["shape"], values)
    return tensors


def main(reference, trial, tolerance, stages):
    if not stages:
        stages = sorted(s for s in os.listdir(os.path.join(reference, "stages")) if os.path.exists(
            os.path.join(reference, "stages", s, "final", "model.safetensors")))
    problems = []
    for stage in stages:
        a, b = (read_safetensors(os.path.join(run, "stages", stage, "final", "model.safetensors"))
                for run in (reference, trial))
        if a.keys() != b.keys():
            problems.append(f"{stage}: tensor names differ")
            continue
        largest, where = 0.0, ""
        for name, (shape, values) in a.items():
            other_shape, other = b[name]
            if shape != other_shape:
                problems.append(f"{stage}/{name}: shape {shape} vs {other_shape}")
                continue
            for x, y in zip(values, other):
                if abs(x - y) > largest or x != x or y != y:
                    largest, where = abs(x - y), name
        print(f"{stage}: max |difference| {largest:.3g} ({where or '-'})")
        if not largest <= tolerance:
            problems.append(f"{stage}: {largest:.3g} exceeds {tolerance:g} in {where}")
    for problem in problems:
        print("DIFFERS:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4:]))
