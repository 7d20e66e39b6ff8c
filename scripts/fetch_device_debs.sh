#!/usr/bin/env bash
# Downloads (here, where apt works) the Debian packages that r1forge's build needs and the GPU
# machine lacks, into .debs/ (git-ignored). scripts/device_check.sh unpacks them into a prefix
# there and configures with CMAKE_IGNORE_PREFIX_PATH=/usr, so every dependency but LibTorch,
# pyarrow (both in that machine's Python) and the CUDA toolkit comes from these files; its
# rehearsal here (R1F_DEVICE_REHEARSAL=1) proves the list complete. The device tool carries
# the folder: run(carry=[".debs", ".testdata"]) (scripts/prepare_device_check.sh makes both).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$root/.debs"
cd "$root/.debs"
packages=(libyaml-cpp-dev libyaml-cpp0.7 libspdlog-dev libspdlog1.10 libfmt-dev libfmt9
          nlohmann-json3-dev libcli11-dev libsentencepiece-dev libsentencepiece0
          libgtest-dev libgmock-dev googletest libonig-dev libonig5 libutf8proc-dev
          libutf8proc2 libprotobuf-lite32 libssl-dev libssl3 libgloo-dev
          pkgconf pkgconf-bin libpkgconf3)
apt-get download "${packages[@]}" >/dev/null
ls -1 "$root/.debs"
