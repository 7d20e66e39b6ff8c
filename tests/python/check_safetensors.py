"""Cross-checks r1forge's safetensors I/O against the `safetensors` Python package.

(a) Files written by safetensors.torch.save_file are read by the C++ reader and written back:
    the copy must be byte-identical (same layout rules) and load to bitwise-equal tensors.
(b) Sharded folders written by the C++ writer load with safetensors.torch.load_file shard by
    shard, match the index, and carry {"format": "pt"} metadata.
Not here: loading whole model folders in transformers (check_interop.py).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file


def sample_tensors():
    gen = torch.Generator().manual_seed(3)
    return {
        "f32": torch.randn(3, 5, generator=gen),
        "bf16": torch.randn(4, 2, generator=gen).to(torch.bfloat16),
        "f16": torch.randn(7, generator=gen).to(torch.float16),
        "f64": torch.randn(2, 2, generator=gen, dtype=torch.float64),
        "i64": torch.arange(-3, 6).reshape(3, 3),
        "i32": torch.tensor([-(2**31), 0, 2**31 - 1], dtype=torch.int32),
        "i16": torch.tensor([-7, 9], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "fp8": torch.tensor([0.5, -2.0, 448.0]).to(torch.float8_e4m3fn),
        "scalar": torch.tensor(2.5),
        "empty": torch.empty(0, 4),
        "nonfinite": torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0]),
    }


def bitwise_equal(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    return torch.equal(a.reshape(-1).view(torch.uint8), b.reshape(-1).view(torch.uint8))


def check_same(expected, actual, what):
    failures = []
    if set(expected) != set(actual):
        failures.append(f"{what}: names differ: {sorted(set(expected) ^ set(actual))}")
    for name in sorted(set(expected) & set(actual)):
        if not bitwise_equal(expected[name], actual[name]):
            failures.append(f"{what}: tensor {name!r} differs")
    return failures


def run_tool(tool, *args):
    result = subprocess.run([tool, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{tool} {' '.join(args)} failed:\n{result.stderr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    tensors = sample_tensors()
    failures = []

    # (a) Python writes, C++ reads and re-writes.
    python_file = os.path.join(args.workdir, "python.safetensors")
    # One metadata key: the Rust writer orders several keys by a randomly seeded HashMap, so
    # only a single-key header is reproducible byte for byte.
    save_file(tensors, python_file, metadata={"format": "pt"})
    copy_file = os.path.join(args.workdir, "copy.safetensors")
    run_tool(args.tool, "copy", python_file, copy_file)
    with open(python_file, "rb") as a, open(copy_file, "rb") as b:
        if a.read() != b.read():
            failures.append("C++ copy of a Python-written file is not byte-identical")
    failures += check_same(tensors, load_file(copy_file), "copy")
    # Several metadata keys survive the copy (compared as a dict).
    metadata = {"format": "pt", "origin": "python", "note": "a\n\"b\u00e9"}
    meta_file = os.path.join(args.workdir, "meta.safetensors")
    save_file({"x": torch.ones(2)}, meta_file, metadata=metadata)
    meta_copy = os.path.join(args.workdir, "meta_copy.safetensors")
    run_tool(args.tool, "copy", meta_file, meta_copy)
    with safe_open(meta_copy, framework="pt") as handle:
        if handle.metadata() != metadata:
            failures.append(f"metadata {handle.metadata()} != {metadata}")

    # (b) C++ writes shards; Python reads them.
    folder = os.path.join(args.workdir, "sharded")
    run_tool(args.tool, "save-folder", python_file, folder, "64")
    with open(os.path.join(folder, "model.safetensors.index.json")) as f:
        index = json.load(f)
    shards = sorted(set(index["weight_map"].values()))
    if len(shards) < 2:
        failures.append(f"expected several shards, got {shards}")
    loaded = {}
    total = 0
    for shard in shards:
        path = os.path.join(folder, shard)
        with safe_open(path, framework="pt") as handle:
            if handle.metadata().get("format") != "pt":
                failures.append(f"{shard}: metadata {handle.metadata()} lacks format=pt")
        part = load_file(path)
        for name, tensor in part.items():
            if index["weight_map"].get(name) != shard:
                failures.append(f"{name} found in {shard}, index says {index['weight_map'].get(name)}")
            total += tensor.numel() * tensor.element_size()
        loaded.update(part)
    failures += check_same(tensors, loaded, "sharded")
    if index["metadata"]["total_size"] != total:
        failures.append(f"total_size {index['metadata']['total_size']} != {total}")

    # The C++ folder reader joins the shards back into one file equal to Python's tensors.
    joined = os.path.join(args.workdir, "joined.safetensors")
    run_tool(args.tool, "read-folder", folder, joined)
    failures += check_same(tensors, load_file(joined), "joined")

    for failure in failures:
        print("FAIL:", failure)
    print("safetensors interop:", "FAILED" if failures else "OK", f"({len(tensors)} tensors)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
