#!/usr/bin/env bash
# Builds r1forge (Release) into build/, leaving the binary at build/bin/r1forge.
# Runs scripts/setup.sh first (fast when everything is installed). Extra arguments go to
# `cmake --build` (e.g. --target r1forge). Env: R1F_BUILD_DIR (default build), R1F_JOBS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$(bash "$root/scripts/setup.sh" | tail -n 1)"
python="$venv/bin/python"
build_dir="${R1F_BUILD_DIR:-$root/build}"
torch_prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')"

# ccache: the precompiled header needs these sloppiness settings to be cacheable.
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/r1forge/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
export CCACHE_BASEDIR="$root"  # lets clones and worktrees in other folders share the cache
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
export PATH="$PATH:/usr/local/cuda/bin"

if [ ! -f "$build_dir/build.ninja" ] || [ "$root/CMakeLists.txt" -nt "$build_dir/build.ninja" ]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$torch_prefix" -DR1F_PYTHON="$python" "${launcher[@]}" \
    ${R1F_CMAKE_ARGS:-} >"$build_dir.configure.log" 2>&1 ||
    { cat "$build_dir.configure.log" >&2; exit 1; }
fi
cmake --build "$build_dir" -j "${R1F_JOBS:-$(nproc)}" "$@"
