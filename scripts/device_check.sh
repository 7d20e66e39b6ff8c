#!/usr/bin/env bash
# The GPU-machine check (run there through the device tool, carrying .debs/ from
# scripts/fetch_device_debs.sh): unpack the Debian build dependencies into a prefix, build
# r1forge against that machine's torch (2.11 + CUDA 13, nothing installed system-wide), run
# the whole test suite on the GPU (the *_CUDA tests included), and write a summary.
# Results go to $OUT (the device tool's output folder) or build-device/results.
#   device tool: run(command="bash scripts/device_check.sh", carry=[".debs"], timeout_s=540)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${OUT:-$root/build-device/results}"
mkdir -p "$out"
summary="$out/device_summary.txt"
prefix=/tmp/r1forge-prefix
build="$root/build-device"
exec > >(tee "$out/device_log.txt") 2>&1

echo "== machine"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'

echo "== unpack build dependencies"
[ -d "$root/.debs" ] || { echo "missing .debs/ (run scripts/fetch_device_debs.sh here and carry it)"; exit 1; }
rm -rf "$prefix"; mkdir -p "$prefix"
for deb in "$root"/.debs/*.deb; do dpkg -x "$deb" "$prefix"; done
libdir="$prefix/usr/lib/x86_64-linux-gnu"
export LD_LIBRARY_PATH="$libdir:${LD_LIBRARY_PATH:-}"
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"

echo "== configure and build"
start=$(date +%s)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr;$libdir/cmake" \
  -DCMAKE_INCLUDE_PATH="$prefix/usr/include" -DCMAKE_LIBRARY_PATH="$libdir" \
  -DCMAKE_CXX_FLAGS="-isystem $prefix/usr/include" \
  -DR1F_CUDA=ON -DR1F_PYTHON="$(command -v python3)" || { echo "configure FAILED" | tee "$summary"; exit 1; }
cmake --build "$build" -j "$(nproc)" || { echo "build FAILED" | tee "$summary"; exit 1; }
build_seconds=$(( $(date +%s) - start ))

echo "== tests (GPU visible)"
cd "$build"
ctest --output-on-failure -j 8 --timeout 300 2>&1 | tee "$out/ctest.txt"
status=${PIPESTATUS[0]}
cuda_tests="$(grep -E '_CUDA' "$out/ctest.txt" | grep -cE 'Passed' || true)"
{
  echo "build_seconds=$build_seconds"
  echo "ctest_exit=$status"
  grep -E 'tests passed|tests failed' "$out/ctest.txt" | tail -n 1
  echo "cuda_tests_passed=$cuda_tests"
  grep -E '_CUDA' "$out/ctest.txt" || true
} | tee "$summary"
exit "$status"
