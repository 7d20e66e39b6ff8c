#!/usr/bin/env bash
# Builds r1forge, then runs every test with CTest. Non-zero exit on any failure.
# Extra arguments go to ctest (e.g. -R safetensors).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/build.sh"
build_dir="${R1F_BUILD_DIR:-$root/build}"
cd "$build_dir"
ctest --output-on-failure -j "${R1F_JOBS:-$(nproc)}" "$@"
