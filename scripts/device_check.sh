#!/usr/bin/env bash
# The GPU-machine check, one script within 8 minutes: unpack the carried Debian build
# dependencies into a prefix, build r1forge against that machine's torch (2.11 + CUDA 13,
# nothing installed system-wide), run every *_CUDA test and device-parameterised .../CUDA
# instance, the GPU benchmarks (scripts/bench/gpu.sh), the seven-stage smoke pipeline on
# model.device: cuda, `r1forge plan --measure` against torch.cuda's peak, and last every
# GoogleTest case under CTest in the time left; write device_summary.txt as it goes (a run cut
# off at the limit still returns what it had). Results go to $OUT (the device tool's
# output folder) or build-device/results.
#   here:  bash scripts/prepare_device_check.sh   (makes .debs/ and .testdata/)
#   there: run(command="bash scripts/device_check.sh", carry=[".debs", ".testdata"],
#              timeout_s=540)
# R1F_DEVICE_REHEARSAL=1 runs it here, without a GPU: the configure step exactly as there (only
# the carried packages visible: CMAKE_IGNORE_PREFIX_PATH=/usr), then every later step with this
# machine's build on the CPU at toy sizes, so only what needs a GPU is left untried.
# Not covered there: the script-level integration tests (tests/integration, the Python-oracle
# fixtures), whose peers (trl, math-verify) the GPU machine lacks; CI runs them on the CPU.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rehearsal="${R1F_DEVICE_REHEARSAL:-0}"
out="${OUT:-$root/build-device/results}"
mkdir -p "$out"
summary="$out/device_summary.txt"
prefix=/tmp/r1forge-prefix
build="$root/build-device"
[ "$rehearsal" = 1 ] && build="$root/build-device-rehearsal"
exec > >(tee "$out/device_log.txt") 2>&1
start_all=$(date +%s)
: >"$summary"
note() { echo "$*" | tee -a "$summary"; }
elapsed() { echo $(($(date +%s) - start_all)); }

echo "== machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
python="$(command -v python3)"
[ "$rehearsal" = 1 ] && python="$(bash "$root/scripts/setup.sh" 2>/dev/null | tail -n 1)/bin/python"
"$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available())'
note "rehearsal=$rehearsal"

echo "== unpack build dependencies"
[ -n "$(ls "$root"/.debs/*.deb 2>/dev/null)" ] ||
  { note "missing .debs/ (run scripts/prepare_device_check.sh here and carry it)"; exit 1; }
rm -rf "$prefix"; mkdir -p "$prefix"
for deb in "$root"/.debs/*.deb; do dpkg -x "$deb" "$prefix"; done
libdir="$prefix/usr/lib/x86_64-linux-gnu"
export LD_LIBRARY_PATH="$libdir:${LD_LIBRARY_PATH:-}"
# pkg-config from the carried pkgconf, reading only the carried .pc files, their /usr paths
# moved under the prefix.
export PKG_CONFIG="$prefix/usr/bin/pkgconf"
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig:$prefix/usr/share/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$prefix"
torch_prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')"
testdata="$root/.testdata"
[ -d "$testdata" ] || testdata="$root/../shared/testdata"
export PATH="$PATH:/usr/local/cuda/bin"

echo "== configure and build ($build)"
start=$(date +%s)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$prefix/usr;$libdir/cmake" \
  -DCMAKE_IGNORE_PREFIX_PATH=/usr -DOPENSSL_ROOT_DIR="$prefix/usr" \
  -DCMAKE_CXX_FLAGS="-isystem $prefix/usr/include" \
  -DR1F_GLOO_INCLUDE_DIR="$prefix/usr/include" -DR1F_TESTDATA_DIR="$testdata" \
  -DR1F_CUDA=ON -DR1F_PYTHON="$python" >"$out/configure.txt" 2>&1 ||
  { tail -30 "$out/configure.txt"; note "configure FAILED"; exit 1; }
note "configure=ok ($(($(date +%s) - start)) s)"
if [ "$rehearsal" = 1 ]; then
  # The build is CI's own (same sources, other include paths); reuse this machine's.
  build="$root/build"
  bash "$root/scripts/build.sh" --target r1forge r1forge_tests >/dev/null ||
    { note "build FAILED"; exit 1; }
else
  # Only what the check runs: the binary, the test binary and the CUDA module (not the fuzzers
  # or the script tests' tools), to keep the build inside the lease.
  cmake --build "$build" -j "$(nproc)" --target r1forge r1forge_tests r1forge_cuda \
    >"$out/build.txt" 2>&1 ||
    { grep -E "error|FAILED" "$out/build.txt" | head -40; note "build FAILED"; exit 1; }
fi
note "build_seconds=$(($(date +%s) - start))"
r1forge="$build/bin/r1forge"
status=0

echo "== the CUDA tests: every *_CUDA test and .../CUDA instance"
cd "$build"
"$build/bin/r1forge_tests" --gtest_filter='*_CUDA*:*/CUDA:*CUDA' --gtest_brief=1 \
  >"$out/cuda_tests.txt" 2>&1 || status=1
grep -E "^\[  (PASSED|FAILED|SKIPPED) \]|Failure|Expected|actual|Which is" "$out/cuda_tests.txt" |
  head -60
note "cuda_tests: $(grep -E '^\[  PASSED  \]' "$out/cuda_tests.txt" | head -1) $(grep -E '^\[  FAILED  \] [0-9]+' "$out/cuda_tests.txt" | head -1) $(grep -E '^\[  SKIPPED \] [0-9]+' "$out/cuda_tests.txt" | head -1)"
note "elapsed=$(elapsed) s"

echo "== GPU benchmarks (scripts/bench/gpu.sh)"
if R1F_BENCH_BINARY="$r1forge" R1F_PYTHON="$python" OUT="$out" R1F_DEVICE_REHEARSAL="$rehearsal" \
  bash "$root/scripts/bench/gpu.sh" >"$out/bench.txt" 2>&1; then
  cat "$out/gpu_bench.md" 2>/dev/null
  note "gpu_bench=ok (gpu_bench.md)"
else
  tail -30 "$out/bench.txt"; note "gpu_bench=FAILED"; status=1
fi
echo "== the seven-stage smoke pipeline on model.device: cuda"
device=cuda
[ "$rehearsal" = 1 ] && device=cpu
smoke="$(mktemp -d)"  # the config's relative paths (runs/...) land here, as in CI's smoke test
if (cd "$smoke" && "$r1forge" run "$root/configs/tiny/smoke.yaml" "model.device=$device") \
  >"$out/smoke.txt" 2>&1; then
  note "smoke_pipeline=ok ($(grep -o '"name"' "$smoke/runs/tiny-smoke/report.json" 2>/dev/null | wc -l) stages in report.json)"
  grep -E "stage '|eval|pipeline finished" "$out/smoke.txt" | tail -12
else
  tail -30 "$out/smoke.txt"; note "smoke_pipeline=FAILED"; status=1
fi

echo "== r1forge plan --measure: the memory plan against the measured peak"
plan_preset=qwen2.5-0.5b
[ "$rehearsal" = 1 ] && plan_preset=qwen2-10m
if (cd "$smoke" && "$r1forge" plan "$root/configs/tiny/smoke.yaml" "model.device=$device" \
  "model.init=$plan_preset" "~model.architecture" --measure --no-benchmark) >"$out/plan.txt" 2>&1; then
  sed -n '/measured (--measure)/,$p' "$out/plan.txt" | head -20
  note "plan_measure=ok (table in plan.txt)"
else
  tail -20 "$out/plan.txt"; note "plan_measure=FAILED"; status=1
fi
note "elapsed=$(elapsed) s"

echo "== every GoogleTest case (CTest, one process each), with what is left of the 530 s"
# Last: the CPU cases are CI's every day; here they may only use the lease's remaining time.
left=$((530 - $(elapsed)))
if [ "$left" -gt 30 ]; then
  cd "$build"
  timeout "$left" ctest -j "$(( $(nproc) > 2 ? $(nproc) - 2 : 2 ))" --timeout 240 \
    -E '^(bench|fuzz|golden|integration|interop|core|model|rl|tokenizer)\.' \
    >"$out/ctest.txt" 2>&1 || status=1
  grep -E "tests passed|tests failed|\(Failed\)|\(Timeout\)" "$out/ctest.txt" | tail -20
  note "ctest: $(grep -E 'tests passed' "$out/ctest.txt" | tail -1) (left ${left} s)"
else
  note "ctest: skipped, ${left} s of the lease left"
fi
note "total_seconds=$(elapsed) status=$status"
cat "$summary"
exit "$status"
