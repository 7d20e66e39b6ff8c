#!/usr/bin/env bash
# Installs everything r1forge's build and tests need, from Debian packages and PyPI only.
# Idempotent: a second run with everything present takes well under 10 s.
#
# Python environment: a venv outside the clone (default ~/.cache/r1forge/venv-<hash of pins>),
# so fresh clones and CI reuse the multi-GB torch install. Override with R1F_VENV=/path.
# Prints the venv path on its last line (scripts/build.sh reads it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

# --- Debian packages -------------------------------------------------------------------------
# compiler toolchain, the C++ libraries we link, test tools, and what later issues need
# (Oniguruma for the tokenizer.json pre-tokenizer regexes, utf8proc for NFC, OpenSSL's
# libcrypto for checkpoint SHA-256, GNU time for the benchmarks' peak resident sets).
apt_packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libsentencepiece-dev sentencepiece libgtest-dev libgmock-dev
  libonig-dev libutf8proc-dev libssl-dev
  clang libclang-rt-14-dev clang-format
  python3-venv time
)
missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi

# --- Python venv (LibTorch + test oracles) ---------------------------------------------------
requirements="$root/third_party/requirements.txt"
pin_hash="$(sha256sum "$requirements" | cut -c1-12)"
venv="${R1F_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/r1forge/venv-$pin_hash}"
stamp="$venv/.r1forge-installed-$pin_hash"
if [ ! -f "$stamp" ]; then
  python_bin="$(command -v python3 || true)"
  [ -n "$python_bin" ] || { echo "setup: python3 not found" >&2; exit 1; }
  echo "setup: creating Python environment $venv (torch and test oracles; several GB, once)" >&2
  mkdir -p "$(dirname "$venv")"
  [ -x "$venv/bin/python" ] || "$python_bin" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip >&2
  "$venv/bin/python" -m pip install -q -r "$requirements" >&2
  touch "$stamp"
fi
# Packages with their own pin file (third_party/requirements-NAME.txt) and stamp, installed into
# the venv beside torch, so adding one does not make a new multi-GB venv: install_pinned NAME WHAT.
install_pinned() {
  local requirements="$root/third_party/requirements-$1.txt" what="$2"
  local stamp
  stamp="$venv/.r1forge-$1-$(sha256sum "$requirements" | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    echo "setup: installing $what into $venv" >&2
    "$venv/bin/python" -m pip install -q -r "$requirements" >&2
    touch "$stamp"
  fi
}
# Apache Arrow's C++ Parquet reader comes with the pyarrow wheel, as LibTorch comes with torch
# (r1forge links its libarrow/libparquet to read Hugging Face Parquet datasets).
install_pinned parquet "pyarrow (Arrow C++ Parquet reader)"
# matplotlib for scripts/plot_metrics.py (PNG figures of a run's metrics).
install_pinned plots "matplotlib (scripts/plot_metrics.py)"
# Gloo's headers: LibTorch carries Gloo (c10d's CPU backend) compiled in, but not the headers
# its ProcessGroupGloo.hpp includes. Debian's libgloo-dev has them; only its headers are
# unpacked, beside the venv, and nothing of it is installed or linked, so the one Gloo in a
# process stays LibTorch's (src/core/c10d_group.cpp is the one file that includes them).
gloo_headers="$venv/gloo-headers"
if [ ! -f "$gloo_headers/.r1forge-unpacked" ]; then
  echo "setup: unpacking Gloo's headers (Debian libgloo-dev) into $gloo_headers" >&2
  download="$(mktemp -d)"
  if ! (cd "$download" && apt-get download -qq libgloo-dev >&2 2>/dev/null); then
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq >&2
    (cd "$download" && apt-get download -qq libgloo-dev >&2)
  fi
  rm -rf "$gloo_headers"
  dpkg -x "$download"/libgloo-dev_*.deb "$gloo_headers"
  rm -rf "$download"
  [ -f "$gloo_headers/usr/include/gloo/context.h" ] ||
    { echo "setup: libgloo-dev has no gloo/context.h" >&2; exit 1; }
  touch "$gloo_headers/.r1forge-unpacked"
fi
echo "$venv"
